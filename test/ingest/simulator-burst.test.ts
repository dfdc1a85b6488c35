import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import type { TickSink } from '../../core/feed-source.js';
import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { Universe } from '../../core/universe.js';
import { SimulatorFeedSource } from '../../ingest/simulator-feed-source.js';

const universe = new Universe(EMBEDDED_COMPANIES.slice(0, 100));

test('SimulatorFeedSource burst: 10× the rate for 2 s of a 6 s run (the bench\'s market-open burst)', async () => {
  const clock = new ManualClock();
  const at = clock.now() + 2000;
  const source = new SimulatorFeedSource({ universe, rate: 10_000, profile: 'steady', seed: 5, clock, burst: { atMs: at, durationMs: 2000, multiplier: 10 } });
  let ticks = 0;
  const perSecond: number[] = [];
  const sink: TickSink = { accept: (_r, count) => void (ticks += count) };
  await source.start(sink);
  for (let s = 0; s < 6; s++) {
    const before = ticks;
    clock.advance(1000);
    perSecond.push(ticks - before);
  }
  await source.stop();
  // 4 s at 10k + 2 s at 100k.
  assert.ok(Math.abs(ticks - 240_000) <= 2, `ticks ${ticks}`);
  assert.deepEqual(perSecond.map((n) => Math.round(n / 1000)), [10, 10, 100, 100, 10, 10]);
});

test('SIM_BURST parses AT:DURATION:MULTIPLIER and names the variable when malformed', () => {
  assert.equal(loadConfig({}).simBurst, undefined);
  assert.deepEqual(loadConfig({ SIM_BURST: '1700000000000:10000:10' }).simBurst, { atMs: 1_700_000_000_000, durationMs: 10_000, multiplier: 10 });
  for (const bad of ['10', '1:0:10', '1:1000:0.5', '1:1000:1000', 'a:b:c']) {
    assert.throws(() => loadConfig({ SIM_BURST: bad }), (e: Error) => e.message.includes('SIM_BURST'), bad);
  }
});

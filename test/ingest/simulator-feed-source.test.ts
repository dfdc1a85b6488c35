import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type Clock } from '../../core/clock.js';
import type { TickSink } from '../../core/feed-source.js';
import { TICK_FIELDS, TickField } from '../../core/tick.js';
import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { Universe } from '../../core/universe.js';
import { SimulatorFeedSource } from '../../ingest/simulator-feed-source.js';

const universe = new Universe(EMBEDDED_COMPANIES.slice(0, 500));

class CountingSink implements TickSink {
  ticks = 0;
  batches = 0;
  largest = 0;
  lastSeq = 0;
  ordered = true;
  stampedNow = true;
  constructor(readonly clock: ManualClock) {}
  accept(records: Float64Array, count: number): void {
    this.batches++;
    this.ticks += count;
    this.largest = Math.max(this.largest, count);
    for (let k = 0; k < count; k++) {
      const seq = records[k * TICK_FIELDS + TickField.sourceSeq];
      if (seq !== this.lastSeq + 1) this.ordered = false;
      this.lastSeq = seq;
      if (records[k * TICK_FIELDS + TickField.eventTs] !== this.clock.now()) this.stampedNow = false;
    }
  }
}

test('SimulatorFeedSource: 10 simulated seconds at 20,000/s deliver 200,000 ticks (±1), in order, stamped with the clock', async () => {
  const clock = new ManualClock();
  const source = new SimulatorFeedSource({ universe, rate: 20_000, profile: 'steady', seed: 3, clock });
  assert.equal(source.name, 'simulator');
  const sink = new CountingSink(clock);
  await source.start(sink);
  clock.advance(10_000);
  await source.stop();
  assert.ok(Math.abs(sink.ticks - 200_000) <= 1, `ticks ${sink.ticks}`);
  assert.equal(source.generated, sink.ticks);
  assert.ok(sink.ordered, 'sourceSeq increases by one per tick');
  assert.ok(sink.stampedNow, 'eventTs is the firing time');
  assert.equal(sink.batches, 2000, 'one batch per 5 ms');
  clock.advance(1000);
  assert.equal(sink.ticks, source.generated, 'nothing after stop()');
});

test('SimulatorFeedSource: a fractional rate per firing is carried (33,333/s)', async () => {
  const clock = new ManualClock();
  const source = new SimulatorFeedSource({ universe, rate: 33_333, profile: 'steady', seed: 3, clock });
  const sink = new CountingSink(clock);
  await source.start(sink);
  clock.advance(10_000);
  await source.stop();
  assert.ok(Math.abs(sink.ticks - 333_330) <= 1, `ticks ${sink.ticks}`);
});

test('SimulatorFeedSource: large firings are split into batches of at most 4096 records', async () => {
  const clock = new ManualClock();
  const source = new SimulatorFeedSource({ universe, rate: 2_000_000, profile: 'steady', seed: 3, clock });
  const sink = new CountingSink(clock);
  await source.start(sink);
  clock.advance(5);
  await source.stop();
  assert.equal(sink.ticks, 10_000);
  assert.equal(sink.largest, 4096);
  assert.equal(sink.batches, 3);
});

test('SimulatorFeedSource: rate 0 produces nothing', async () => {
  const clock = new ManualClock();
  const source = new SimulatorFeedSource({ universe, rate: 0, profile: 'news', seed: 3, clock });
  const sink = new CountingSink(clock);
  await source.start(sink);
  clock.advance(10_000);
  await source.stop();
  assert.equal(sink.batches, 0);
});

test('SimulatorFeedSource: a stalled event loop is caught up by at most one second of ticks', async () => {
  // A clock whose timer fires only when told to, at whatever time `now` says.
  let now = Date.UTC(2026, 0, 5, 14, 30);
  let fire = (): void => {};
  const clock: Clock = {
    now: () => now,
    every: (_ms, fn) => {
      fire = fn;
      return () => {};
    },
    after: () => () => {},
  };
  const source = new SimulatorFeedSource({ universe, rate: 10_000, profile: 'steady', seed: 3, clock });
  let ticks = 0;
  await source.start({ accept: (_r, count) => void (ticks += count) });
  now += 5;
  fire();
  assert.equal(ticks, 50);
  now += 10_000; // the loop was blocked for 10 s
  fire();
  assert.equal(ticks, 50 + 10_000);
  now += 5;
  fire();
  assert.equal(ticks, 50 + 10_000 + 50);
  await source.stop();
});

test('SimulatorFeedSource: stop() from inside accept() ends the firing; start() twice is an error', async () => {
  const clock = new ManualClock();
  const source = new SimulatorFeedSource({ universe, rate: 2_000_000, profile: 'steady', seed: 3, clock, batchRecords: 100 });
  let batches = 0;
  await source.start({
    accept: () => {
      batches++;
      void source.stop();
    },
  });
  await assert.rejects(source.start({ accept: () => {} }), /already started/);
  clock.advance(50);
  assert.equal(batches, 1);
});

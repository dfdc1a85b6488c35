/**
 * The ingest → shard ring on real threads: a producer worker pushes millions
 * of numbered records through a small ring while this thread consumes them,
 * sleeping in waitForData() whenever the ring runs dry. Every record must
 * arrive once, in order, intact; every sleep must end by a notify, not by its
 * (long) timeout; and the consumer swaps in a fresh TickRing over the same
 * buffer now and then, as a restarted shard would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { TICK_FIELDS, TickField } from '../../core/tick.js';
import { TickRing, type RingWaitResult } from '../../actors/tick-ring.js';
import { fillTick, type TickProducerData, type TickProducerReport } from './fixtures/tick-producer.js';

const TOTAL = 5_000_000;
const CAPACITY = 4096;
const RESTART_EVERY = 700_000;

test(`${TOTAL} records cross threads in order, none lost, none duplicated, sleeps ended by notify`, async (t) => {
  const sab = TickRing.allocate(CAPACITY);
  const producer = new Worker(new URL('./fixtures/tick-producer.js', import.meta.url), {
    workerData: { ring: sab, total: TOTAL, maxBatch: 700, pauseEvery: 250_000, pauseMs: 3 } satisfies TickProducerData,
  });
  const report = new Promise<TickProducerReport>((resolve, reject) => {
    producer.once('message', resolve);
    producer.once('error', reject);
  });

  const want = new Float64Array(TICK_FIELDS);
  let expected = 1;
  let bad = 0;
  let firstBad = '';
  const check = (view: Float64Array, offset: number): void => {
    fillTick(want, 0, expected);
    for (let f = 0; f < TICK_FIELDS; f++) {
      if (view[offset + f] !== want[f]) {
        if (bad++ === 0) firstBad = `record ${expected}: field ${f} is ${view[offset + f]}, want ${want[f]} (sourceSeq ${view[offset + TickField.sourceSeq]})`;
        break;
      }
    }
    expected++;
  };

  const waits: Record<RingWaitResult, number> = { ready: 0, ok: 0, 'not-equal': 0, 'timed-out': 0 };
  let ring = new TickRing(sab);
  let restarts = 0;
  let sinceRestart = 0;
  const started = performance.now();
  while (expected <= TOTAL && bad === 0) {
    const n = ring.drain(check, 1000);
    sinceRestart += n;
    if (n === 0) waits[await ring.waitForData(5000)]++;
    if (sinceRestart >= RESTART_EVERY) {
      ring = new TickRing(sab); // a restarted consumer continues from HEAD
      restarts++;
      sinceRestart = 0;
    }
  }
  const ms = performance.now() - started;
  const p = await report;
  await producer.terminate();

  t.diagnostic(`${TOTAL} records in ${ms.toFixed(0)} ms (${((TOTAL / ms) * 1000 / 1e6).toFixed(2)} M/s); consumer waits ${JSON.stringify(waits)}; producer space waits ${JSON.stringify(p.spaceWaits)}; stats ${JSON.stringify(ring.stats)}; restarts ${restarts}`);
  assert.equal(bad, 0, firstBad);
  assert.equal(expected - 1, TOTAL);
  assert.equal(p.pushed, TOTAL);
  assert.equal(ring.size, 0, 'nothing extra queued');
  assert.equal(ring.stats.pushed, TOTAL);
  assert.equal(ring.stats.drained, TOTAL);
  assert.ok(ring.stats.fullEvents > 0, 'the producer filled the ring');
  assert.ok(restarts >= 3);
  // The consumer ran dry and slept; every sleep ended well before its 5 s
  // timeout, i.e. the producer's notify reached it (or it saw data in time).
  assert.ok(waits.ok > 0, `consumer was woken by notify (${JSON.stringify(waits)})`);
  assert.equal(waits['timed-out'], 0, 'a consumer sleep missed its wake-up');
  assert.ok(p.spaceWaits.ok + p.spaceWaits['not-equal'] + p.spaceWaits.ready > 0, 'the producer waited for space');
  assert.equal(p.spaceWaits['timed-out'], 0, 'a producer sleep missed its wake-up');
});

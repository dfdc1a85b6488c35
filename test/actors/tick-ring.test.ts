import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TICK_FIELDS, TickField } from '../../core/tick.js';
import { TickRing } from '../../actors/tick-ring.js';

/** Header words as laid out in actors/tick-ring.ts (Int32 indices). */
const MAGIC = 0;
const VERSION = 1;
const CAPACITY = 2;
const FIELDS = 3;
const TAIL = 16;
const HEAD = 32;
const DATA_WAKE = 48;

/** `count` records numbered from `first` (sourceSeq = n, price = n / 2, others = n + field). */
function records(first: number, count: number): Float64Array {
  const buf = new Float64Array(count * TICK_FIELDS);
  for (let r = 0; r < count; r++) {
    for (let f = 0; f < TICK_FIELDS; f++) buf[r * TICK_FIELDS + f] = first + r + f;
    buf[r * TICK_FIELDS + TickField.sourceSeq] = first + r;
    buf[r * TICK_FIELDS + TickField.price] = (first + r) / 2;
  }
  return buf;
}

/** Drains into a list of sourceSeq values, checking each record is intact. */
function drainSeqs(ring: TickRing, max?: number): number[] {
  const out: number[] = [];
  ring.drain((view, o) => {
    const n = view[o + TickField.sourceSeq];
    assert.equal(view[o + TickField.price], n / 2);
    assert.equal(view[o + TickField.reserved], n + TickField.reserved);
    out.push(n);
  }, max);
  return out;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('TickRing layout', () => {
  test('byteLength: a 320-byte header plus TICK_FIELDS float64 per record; capacity a power of two', () => {
    assert.equal(TickRing.byteLength(2), 320 + 2 * TICK_FIELDS * 8);
    assert.equal(TickRing.byteLength(1024), 320 + 1024 * TICK_FIELDS * 8);
    for (const bad of [0, 1, 3, 1000, 2 ** 25, 1.5, -4]) assert.throws(() => TickRing.byteLength(bad), RangeError, String(bad));
  });

  test('the constructor rejects what is not a tick ring of this build', () => {
    assert.throws(() => new TickRing(new ArrayBuffer(1024) as unknown as SharedArrayBuffer), TypeError);
    assert.throws(() => new TickRing(new SharedArrayBuffer(64)), /smaller than its 320-byte header/);
    assert.throws(() => new TickRing(new SharedArrayBuffer(TickRing.byteLength(4))), /bad magic/);
    const bump = (index: number, value: number): SharedArrayBuffer => {
      const sab = TickRing.allocate(4);
      new Int32Array(sab)[index] = value;
      return sab;
    };
    assert.throws(() => new TickRing(bump(MAGIC, 1)), /bad magic/);
    assert.throws(() => new TickRing(bump(VERSION, 2)), /version 2/);
    assert.throws(() => new TickRing(bump(FIELDS, 11)), /TICK_FIELDS/);
    assert.throws(() => new TickRing(bump(CAPACITY, 8)), /8 records but the buffer is/);
    assert.throws(() => new TickRing(bump(CAPACITY, 3)), /invalid capacity 3/);
    const ring = new TickRing(TickRing.allocate(4));
    assert.equal(ring.capacity, 4);
    assert.equal(ring.size, 0);
    assert.deepEqual(ring.stats, { pushed: 0, drained: 0, fullEvents: 0 });
  });
});

describe('TickRing single-threaded semantics', () => {
  test('FIFO across the wrap-around', () => {
    const ring = new TickRing(TickRing.allocate(8));
    assert.equal(ring.push(records(1, 5), 0, 5), 5);
    assert.deepEqual(drainSeqs(ring), range(1, 5));
    // 6 more: slots 5, 6, 7 then 0, 1, 2.
    assert.equal(ring.push(records(6, 6), 0, 6), 6);
    assert.equal(ring.size, 6);
    assert.deepEqual(drainSeqs(ring), range(6, 11));
    for (let round = 0; round < 20; round++) {
      const first = 12 + round * 7;
      assert.equal(ring.push(records(first, 7), 0, 7), 7);
      assert.deepEqual(drainSeqs(ring), range(first, first + 6));
    }
    assert.deepEqual(ring.stats, { pushed: 151, drained: 151, fullEvents: 0 });
  });

  test('a full ring takes what fits, never overwrites unread records, and counts full events', () => {
    const ring = new TickRing(TickRing.allocate(8));
    assert.equal(ring.push(records(1, 10), 0, 10), 8);
    assert.equal(ring.size, 8);
    assert.equal(ring.push(records(9, 2), 0, 2), 0);
    assert.equal(ring.stats.fullEvents, 2);
    assert.deepEqual(drainSeqs(ring, 3), [1, 2, 3]);
    // Partial push: the producer resumes from the first record that did not fit.
    const rest = records(9, 5);
    assert.equal(ring.push(rest, 0, 5), 3);
    assert.equal(ring.push(rest, 3, 2), 0);
    assert.deepEqual(drainSeqs(ring), range(4, 11));
    assert.equal(ring.push(rest, 3, 2), 2);
    assert.deepEqual(drainSeqs(ring), [12, 13]);
    assert.deepEqual(ring.stats, { pushed: 13, drained: 13, fullEvents: 4 });
  });

  test('push copies from a start record and rejects ranges outside the source', () => {
    const ring = new TickRing(TickRing.allocate(4));
    const src = records(100, 6);
    assert.equal(ring.push(src, 4, 2), 2);
    assert.deepEqual(drainSeqs(ring), [104, 105]);
    assert.equal(ring.push(src, 6, 0), 0);
    assert.throws(() => ring.push(src, 5, 2), RangeError);
    assert.throws(() => ring.push(src, -1, 1), RangeError);
    assert.throws(() => ring.push(src, 0, 1.5), RangeError);
    assert.equal(ring.stats.fullEvents, 0, 'a zero-count push is not a full event');
  });

  test('drain honours max and offsets point at whole records', () => {
    const ring = new TickRing(TickRing.allocate(16));
    ring.push(records(1, 10), 0, 10);
    const offsets: number[] = [];
    assert.equal(ring.drain((_v, o) => offsets.push(o), 4), 4);
    assert.deepEqual(offsets, [0, 1, 2, 3].map((i) => i * TICK_FIELDS));
    assert.equal(ring.drain(() => {}, 0), 0);
    assert.equal(ring.size, 6);
    assert.deepEqual(drainSeqs(ring), range(5, 10));
    assert.equal(ring.drain(() => assert.fail('empty ring')), 0);
    assert.throws(() => ring.drain(() => {}, -1), RangeError);
  });

  test('a record whose callback throws counts as consumed; the error propagates', () => {
    const ring = new TickRing(TickRing.allocate(8));
    ring.push(records(1, 5), 0, 5);
    const seen: number[] = [];
    assert.throws(() =>
      ring.drain((v, o) => {
        seen.push(v[o + TickField.sourceSeq]);
        if (v[o + TickField.sourceSeq] === 2) throw new Error('poison');
      }),
    /poison/);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(drainSeqs(ring), [3, 4, 5]);
    assert.equal(ring.stats.drained, 5);
  });

  test('drain is not re-entrant', () => {
    const ring = new TickRing(TickRing.allocate(4));
    ring.push(records(1, 2), 0, 2);
    assert.throws(() => ring.drain(() => ring.drain(() => {})), /inside a drain callback/);
    assert.deepEqual(drainSeqs(ring), [2]);
  });

  test('a consumer restart continues from HEAD: a new TickRing over the same buffer', () => {
    const sab = TickRing.allocate(8);
    const producer = new TickRing(sab);
    const consumer = new TickRing(sab);
    producer.push(records(1, 7), 0, 7);
    assert.deepEqual(drainSeqs(consumer, 3), [1, 2, 3]);
    const restarted = new TickRing(sab);
    assert.equal(restarted.size, 4);
    producer.push(records(8, 4), 0, 4); // wraps
    assert.deepEqual(drainSeqs(restarted), range(4, 11));
    assert.deepEqual(restarted.stats, { pushed: 11, drained: 11, fullEvents: 0 });
    // The producer restarts too: TAIL lives in the buffer.
    const producer2 = new TickRing(sab);
    producer2.push(records(12, 2), 0, 2);
    assert.deepEqual(drainSeqs(restarted), [12, 13]);
  });

  test('indices keep working when the 32-bit counters wrap', () => {
    const sab = TickRing.allocate(8);
    const h = new Int32Array(sab);
    h[TAIL] = h[HEAD] = 2 ** 31 - 3; // as if 2^31 - 3 records had passed
    const ring = new TickRing(sab);
    for (let round = 0; round < 4; round++) {
      assert.equal(ring.push(records(round * 5, 5), 0, 5), 5);
      assert.equal(ring.size, 5);
      assert.deepEqual(drainSeqs(ring), range(round * 5, round * 5 + 4));
    }
    assert.ok(h[TAIL] < 0, 'TAIL wrapped past 2^31');
    assert.equal(ring.push(records(0, 9), 0, 9), 8, 'still refuses to overfill');
  });

  test('waitForData: ready at once with data; woken by a push; times out otherwise', async () => {
    const sab = TickRing.allocate(4);
    const ring = new TickRing(sab);
    ring.push(records(1, 1), 0, 1);
    assert.equal(await ring.waitForData(1000), 'ready');
    drainSeqs(ring);

    const t0 = performance.now();
    assert.equal(await ring.waitForData(30), 'timed-out');
    assert.ok(performance.now() - t0 >= 25);
    assert.equal(new Int32Array(sab)[DATA_WAKE], 0, 'a timed-out sleeper clears its wake flag');

    const woken = ring.waitForData(5000);
    setTimeout(() => ring.push(records(2, 1), 0, 1), 5);
    const t1 = performance.now();
    assert.equal(await woken, 'ok');
    assert.ok(performance.now() - t1 < 1000);
    assert.deepEqual(drainSeqs(ring), [2]);
  });

  test('waitForSpace: ready with space; woken by a drain', async () => {
    const ring = new TickRing(TickRing.allocate(2));
    assert.equal(await ring.waitForSpace(1000), 'ready');
    ring.push(records(1, 2), 0, 2);
    const woken = ring.waitForSpace(5000);
    setTimeout(() => drainSeqs(ring, 1), 5);
    assert.equal(await woken, 'ok');
    assert.equal(ring.push(records(3, 2), 0, 2), 1);
    assert.equal(await ring.waitForSpace(20), 'timed-out');
  });
});

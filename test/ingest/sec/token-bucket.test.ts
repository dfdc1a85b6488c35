import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.js';
import { TokenBucket } from '../../../ingest/sec/token-bucket.js';

/** The most starts in any window of `windowMs` (a window holds [t, t + windowMs)). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j] < times[i] + windowMs; j++) n++;
    best = Math.max(best, n);
  }
  return best;
}

test('TokenBucket: at 10/s with burst 1, 35 takes start 100 ms apart and no second holds more than 10', async () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket(10, clock);
  const times: number[] = [];
  const all = Array.from({ length: 35 }, () => bucket.take().then(() => times.push(clock.now())));
  await Promise.resolve();
  for (let i = 0; i < 100 && times.length < 35; i++) {
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(all);
  assert.equal(times.length, 35);
  assert.equal(times[0], 0);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 100 - 1e-6, `gap ${i}: ${times[i] - times[i - 1]}`);
  assert.equal(maxInWindow(times, 1000), 10);
  assert.equal(times.at(-1), 3400);
});

test('TokenBucket: a larger burst goes at once, then the rate; idle time refills only up to the burst', async () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket(10, clock, 3);
  const times: number[] = [];
  const take = (n: number) => Array.from({ length: n }, () => bucket.take().then(() => times.push(clock.now())));
  const first = take(4);
  await Promise.resolve();
  assert.deepEqual(times, [0, 0, 0]);
  assert.equal(bucket.waiting, 1);
  clock.advance(100);
  await Promise.all(first);
  assert.deepEqual(times, [0, 0, 0, 100]);
  clock.advance(10_000);
  times.length = 0;
  const second = take(4);
  await Promise.resolve();
  assert.equal(times.length, 3);
  clock.advance(100);
  await Promise.all(second);
});

test('TokenBucket: waiters are served in call order; an aborted waiter leaves the queue', async () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket(10, clock);
  await bucket.take();
  const order: string[] = [];
  const ac = new AbortController();
  const a = bucket.take().then(() => order.push('a'));
  const b = bucket.take(ac.signal).then(() => order.push('b'), (e: unknown) => order.push(`b:${(e as Error).name}`));
  const c = bucket.take().then(() => order.push('c'));
  ac.abort();
  await b;
  clock.advance(100);
  await a;
  clock.advance(100);
  await c;
  assert.deepEqual(order, ['b:AbortError', 'a', 'c']);
  assert.throws(() => new TokenBucket(0, clock), RangeError);
  assert.throws(() => new TokenBucket(10, clock, 0), RangeError);
});

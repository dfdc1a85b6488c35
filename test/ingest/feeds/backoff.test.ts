import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../../core/errors.js';
import { backoffDelay, backoffPolicy, DEFAULT_BACKOFF } from '../../../ingest/feeds/backoff.js';

test('backoffDelay: doubles from initialMs up to maxMs; jitter takes off at most its share', () => {
  const p = backoffPolicy('test', { initialMs: 100, maxMs: 1000 });
  assert.deepEqual([0, 1, 2, 3, 4, 50].map((n) => backoffDelay(p, n, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(p, 0, () => 0.5), 75);
  // Default jitter 0.5: the delay stays within [d/2, d] for any draw in [0, 1).
  for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
    const d = backoffDelay(DEFAULT_BACKOFF, 3, () => r);
    assert.ok(d >= 2000 && d <= 4000, `${r} → ${d}`);
  }
});

test('backoffPolicy: out-of-range fields are config_invalid errors naming the feed and field', () => {
  assert.throws(() => backoffPolicy('alpaca', { maxMs: 10, initialMs: 100 }), (err: unknown) => hasCode(err, 'config_invalid') && /alpaca: backoff.maxMs/.test((err as Error).message));
  assert.throws(() => backoffPolicy('x', { jitter: 1.5 }), /backoff.jitter/);
  assert.throws(() => backoffPolicy('x', { factor: 0.5 }), /backoff.factor/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKETS, bucketIndex, bucketLower, bucketUpper, LogLinearHistogram, SUB_BITS, type HistogramJson } from '../../bench/load/histogram.js';

describe('log-linear histogram buckets', () => {
  it('gives every value below 2^SUB_BITS its own bucket', () => {
    for (let v = 0; v < 1 << SUB_BITS; v++) {
      assert.equal(bucketIndex(v), v);
      assert.equal(bucketLower(v), v);
      assert.equal(bucketUpper(v), v);
    }
  });

  it('tiles the value range with no holes or overlaps', () => {
    for (let idx = 0; idx < BUCKETS - 1; idx++) assert.equal(bucketUpper(idx) + 1, bucketLower(idx + 1), `bucket ${idx}`);
  });

  it('puts a value in the bucket whose bounds hold it, within 1/64 of its width', () => {
    for (const v of [128, 129, 255, 256, 1000, 12_345, 999_999, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12_345]) {
      const idx = bucketIndex(v);
      assert.ok(bucketLower(idx) <= v && v <= bucketUpper(idx), `${v} in [${bucketLower(idx)}, ${bucketUpper(idx)}]`);
      assert.ok((bucketUpper(idx) - bucketLower(idx) + 1) / bucketLower(idx) <= 1 / 64 + 1e-12);
    }
  });

  it('clamps values past the range into the last bucket', () => {
    assert.equal(bucketIndex(2 ** 52), BUCKETS - 1);
  });
});

describe('LogLinearHistogram', () => {
  it('reports percentiles within the bucket precision', () => {
    const h = new LogLinearHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v);
    assert.equal(h.count, 100_000);
    assert.equal(h.min, 1);
    assert.equal(h.max, 100_000);
    for (const [q, want] of [[0.5, 50_000], [0.9, 90_000], [0.99, 99_000], [0.999, 99_900]] as const) {
      const got = h.quantile(q);
      assert.ok(got >= want && got <= want * (1 + 1 / 64), `p${q * 100}: ${got} vs ${want}`);
    }
    assert.equal(h.quantile(1), 100_000);
    assert.equal(h.mean, 50_000.5);
  });

  it('never reports a percentile above the recorded maximum', () => {
    const h = new LogLinearHistogram();
    h.record(1000);
    assert.equal(h.quantile(0.5), 1000);
    assert.equal(h.quantile(0.999), 1000);
  });

  it('is empty-safe', () => {
    const h = new LogLinearHistogram();
    assert.equal(h.quantile(0.99), 0);
    assert.equal(h.min, 0);
    assert.equal(h.mean, 0);
    assert.throws(() => h.quantile(1.5), RangeError);
  });

  it('merges to the same histogram as recording everything in one', () => {
    const a = new LogLinearHistogram();
    const b = new LogLinearHistogram();
    const all = new LogLinearHistogram();
    for (let i = 0; i < 10_000; i++) {
      const v = Math.floor(Math.random() * 1e6);
      (i % 3 ? a : b).record(v);
      all.record(v);
    }
    const merged = new LogLinearHistogram();
    merged.add(a);
    merged.add(b.toJSON());
    assert.deepEqual(merged.toJSON(), all.toJSON());
    for (const q of [0.5, 0.9, 0.99, 0.999]) assert.equal(merged.quantile(q), all.quantile(q));
  });

  it('merges the JSON the native client writes', () => {
    // As bench/native/hist.c prints it: sparse [index, count] pairs.
    const fromC: HistogramJson = { scheme: 'loglinear', subBits: 7, count: 3, min: 5, max: 300, sum: 405, buckets: [[5, 1], [bucketIndex(100), 1], [bucketIndex(300), 1]] };
    const h = LogLinearHistogram.fromJSON(fromC);
    assert.equal(h.count, 3);
    assert.equal(h.quantile(0.5), 100);
    assert.equal(h.quantile(1), 300);
    assert.equal(h.mean, 135);
  });

  it('refuses histograms with another bucket scheme', () => {
    const h = new LogLinearHistogram();
    assert.throws(() => h.add({ scheme: 'loglinear', subBits: 8, count: 1, min: 1, max: 1, sum: 1, buckets: [[1, 1]] }), /does not match/);
    assert.throws(() => h.add({ scheme: 'loglinear', subBits: 7, count: 1, min: 1, max: 1, sum: 1, buckets: [[BUCKETS, 1]] }), /out of range/);
  });
});

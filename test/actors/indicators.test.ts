import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ema, MinuteVolatility, RollingWindow, TRADING_MINUTES_PER_YEAR, Window, emaAlpha, emaPush, windowClear, windowFloats, windowPush } from '../../actors/indicators.js';
import { BAR_MS } from '../../actors/bar-builder.js';

const close = (actual: number, expected: number, eps = 1e-9, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)), `${what} ${actual} != ${expected}`);
};

test('RollingWindow: sum, mean and sample variance of the last N values', () => {
  const w = new RollingWindow(3);
  assert.ok(Number.isNaN(w.mean));
  w.add(2);
  assert.equal(w.sum, 2);
  assert.equal(w.mean, 2);
  assert.ok(Number.isNaN(w.variance), 'variance needs two values');
  w.add(4);
  w.add(9);
  assert.ok(w.full);
  close(w.sum, 15);
  close(w.mean, 5);
  close(w.variance, 13); // ((−3)² + (−1)² + 4²) / 2
  w.add(1); // evicts 2 → [4, 9, 1]
  close(w.sum, 14);
  close(w.mean, 14 / 3);
  close(w.variance, ((4 - 14 / 3) ** 2 + (9 - 14 / 3) ** 2 + (1 - 14 / 3) ** 2) / 2);
  w.clear();
  assert.equal(w.count, 0);
  assert.equal(w.sum, 0);
});

test('RollingWindow: variance stays exact for values far from zero', () => {
  const w = new RollingWindow(3);
  for (const x of [1e9 + 1, 1e9 + 2, 1e9 + 3]) w.add(x);
  close(w.variance, 1, 1e-12);
  close(w.mean, 1e9 + 2, 1e-15);
});

test('RollingWindow: running sums do not drift over many updates', () => {
  const n = 20;
  const w = new RollingWindow(n);
  const all: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    const x = 100 + ((i * 7919) % 1000) / 997; // prices with awkward binary fractions
    all.push(x);
    w.add(x);
  }
  const tail = all.slice(-n);
  const mean = tail.reduce((a, b) => a + b, 0) / n;
  const variance = tail.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  close(w.mean, mean, 1e-13, 'mean');
  close(w.variance, variance, 1e-9, 'variance');
});

test('Ema: alpha 2/(N+1), seeded with the first value', () => {
  assert.equal(emaAlpha(3), 0.5);
  const e = new Ema(emaAlpha(3));
  assert.ok(Number.isNaN(e.value));
  e.add(10);
  assert.equal(e.value, 10);
  e.add(20);
  assert.equal(e.value, 15);
  e.add(30);
  assert.equal(e.value, 22.5);
});

const M0 = Date.UTC(2026, 0, 5, 14, 30); // a minute boundary
const minute = (i: number): number => M0 + i * BAR_MS;

test('MinuteVolatility: hand-computed from bar closes, annualised with 252 × 390 minutes', () => {
  assert.equal(TRADING_MINUTES_PER_YEAR, 98_280);
  const v = new MinuteVolatility(3);
  v.addBar(minute(0), 100);
  v.addBar(minute(1), 101);
  assert.ok(Number.isNaN(v.value), 'one return is not enough');
  v.addBar(minute(2), 99);
  const r1 = Math.log(101 / 100);
  const r2 = Math.log(99 / 101);
  const r3 = Math.log(100 / 99);
  const r4 = Math.log(102 / 100);
  const annual = (...r: number[]): number => Math.sqrt((r.reduce((s, x) => s + x * x, 0) / r.length) * TRADING_MINUTES_PER_YEAR);
  close(v.value, annual(r1, r2), 1e-12, 'two returns, not demeaned');
  v.addBar(minute(3), 100);
  close(v.value, annual(r1, r2, r3), 1e-12, 'three returns');
  v.addBar(minute(4), 102);
  close(v.value, annual(r2, r3, r4), 1e-12, 'the window keeps the last 3 returns');
  v.clear();
  assert.ok(Number.isNaN(v.value));
  v.addBar(minute(10), 50);
  v.addBar(minute(11), 51);
  assert.ok(Number.isNaN(v.value), 'clear forgets the last close too');
});

test('MinuteVolatility: a minute without a trade is a zero return (close carried forward)', () => {
  const v = new MinuteVolatility(5);
  v.addBar(minute(0), 100);
  v.addBar(minute(1), 101);
  v.addBar(minute(4), 103); // minutes 2 and 3 had no trade: returns 0, 0, then ln(103/101)
  const a = Math.log(101 / 100);
  const b = Math.log(103 / 101);
  close(v.value, Math.sqrt(((a * a + b * b) / 4) * TRADING_MINUTES_PER_YEAR), 1e-12);

  // A gap longer than the window leaves window − 1 zeros and the one return.
  const w = new MinuteVolatility(3);
  w.addBar(minute(0), 100);
  w.addBar(minute(1), 110);
  w.addBar(minute(2), 90);
  w.addBar(minute(500), 99);
  close(w.value, Math.sqrt((Math.log(99 / 90) ** 2 / 3) * TRADING_MINUTES_PER_YEAR), 1e-12);
});

/** Deterministic PRNG (mulberry32) so the synthetic series is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('MinuteVolatility: recovers σ of a GBM price sampled once a minute', () => {
  const sigma = 0.3; // annual
  const perMinuteSd = sigma / Math.sqrt(TRADING_MINUTES_PER_YEAR);
  const rand = rng(42);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const window = 5000;
  const v = new MinuteVolatility(window);
  let price = 100;
  for (let i = 0; i <= window; i++) {
    price *= Math.exp(-0.5 * perMinuteSd ** 2 + perMinuteSd * gauss());
    v.addBar(minute(i), price);
  }
  // Relative standard error ≈ 1/√(2n) = 1 % for n = 5,000 returns; allow 4 %.
  assert.ok(Math.abs(v.value / sigma - 1) < 0.04, `estimated ${v.value}, expected ≈ ${sigma}`);
});

test('MinuteVolatility: window must hold at least two returns', () => {
  assert.throws(() => new MinuteVolatility(1), RangeError);
  assert.throws(() => new MinuteVolatility(2.5), RangeError);
});

test('kernels work at any base inside a shared block and read inputs from array slots', () => {
  // Two windows and an EMA packed in one block, fed from a tick-like source array.
  const m = new Float64Array(3 + 2 * windowFloats(2) + 1).fill(-7);
  const a = 3;
  const b = a + windowFloats(2);
  const e = b + windowFloats(2);
  windowClear(m, a);
  windowClear(m, b);
  m[e] = Number.NaN;
  const src = Float64Array.of(0, 4, 6, 8);
  for (const i of [1, 2, 3]) {
    windowPush(m, a, 2, src, i);
    emaPush(m, e, 0.5, src, i);
  }
  windowPush(m, b, 2, src, 0);
  assert.equal(m[a + Window.sum], 14);
  assert.equal(m[a + Window.mean], 7);
  assert.equal(m[a + Window.count], 2);
  assert.equal(m[b + Window.sum], 0);
  assert.equal(m[b + Window.count], 1);
  assert.equal(m[e], 6.5); // 4 → 5 → 6.5
  assert.deepEqual([m[0], m[1], m[2]], [-7, -7, -7], 'nothing outside the blocks is touched');
});

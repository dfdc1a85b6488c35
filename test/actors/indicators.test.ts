import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ema, RealisedVolatility, RollingWindow, TRADING_SECONDS_PER_YEAR, Window, emaAlpha, emaPush, windowClear, windowFloats, windowPush } from '../../actors/indicators.js';

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

test('RealisedVolatility: hand-computed Σr² / elapsed seconds, annualised', () => {
  const v = new RealisedVolatility(3); // 3 trades → 2 returns
  v.add(100, 0);
  v.add(101, 1000);
  assert.ok(Number.isNaN(v.value), 'NaN until the window is full');
  v.add(100, 2000);
  // r1 = ln(1.01), r2 = −ln(1.01); Σr² = 2·ln(1.01)² over 2 s → per-second variance ln(1.01)².
  close(v.value, Math.log(1.01) * Math.sqrt(TRADING_SECONDS_PER_YEAR), 1e-12);
  v.add(100, 6000); // window now holds returns −ln(1.01) (1 s) and 0 (4 s)
  close(v.value, Math.sqrt((Math.log(1.01) ** 2 / 5) * TRADING_SECONDS_PER_YEAR), 1e-12);
  v.clear();
  assert.ok(Number.isNaN(v.value));
});

test('RealisedVolatility: NaN when the window spans no elapsed time', () => {
  const v = new RealisedVolatility(2);
  v.add(100, 5000);
  v.add(101, 5000);
  assert.ok(Number.isNaN(v.value));
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

test('RealisedVolatility: recovers σ of a GBM series with irregular (Poisson) trade times', () => {
  const sigma = 0.3; // annual
  const perSecondVar = (sigma * sigma) / TRADING_SECONDS_PER_YEAR;
  const rand = rng(42);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const window = 20_001;
  const v = new RealisedVolatility(window);
  let price = 100;
  let ts = 0;
  for (let i = 0; i < window; i++) {
    const dtMs = -Math.log(1 - rand()) * 50; // exponential gaps, mean 50 ms
    ts += dtMs;
    price *= Math.exp(-0.5 * perSecondVar * (dtMs / 1000) + Math.sqrt(perSecondVar * (dtMs / 1000)) * gauss());
    v.add(price, ts);
  }
  // Relative standard error ≈ √(4/n)/2 ≈ 0.7 % for n = 20,000 exponential gaps; allow 3 %.
  assert.ok(Math.abs(v.value / sigma - 1) < 0.03, `estimated ${v.value}, expected ≈ ${sigma}`);
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

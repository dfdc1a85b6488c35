import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MINUTES_PER_YEAR, sma, volatility } from '../../web/src/app/indicators.js';

test('sma: undefined until n values, then the mean of the last n', () => {
  assert.deepEqual(sma([1, 2, 3, 4, 5], 3), [undefined, undefined, 2, 3, 4]);
  assert.deepEqual(sma([5], 1), [5]);
  assert.deepEqual(sma([], 3), []);
});

test('volatility: annualised stdev of 1-minute log returns over the window', () => {
  assert.deepEqual(volatility([100, 100, 100, 100], 3), [undefined, undefined, undefined, 0]);
  // Alternating ±1% moves: log returns ±r, sample stdev known in closed form.
  const closes = [100, 101, 100, 101, 100];
  const v = volatility(closes, 4);
  assert.equal(v.length, closes.length);
  assert.deepEqual(v.slice(0, 4), [undefined, undefined, undefined, undefined]);
  const r = Math.log(1.01);
  const rs = [r, -r, r, -r];
  const variance = rs.reduce((a, x) => a + x * x, 0) / 3; // mean 0
  assert.ok(Math.abs(v[4]! - Math.sqrt(variance * MINUTES_PER_YEAR) * 100) < 1e-9);
});

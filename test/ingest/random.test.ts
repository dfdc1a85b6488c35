import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, hashString } from '../../ingest/random.js';

test('Random: the same seed gives the same stream, another seed another one', () => {
  const a = new Random(12345);
  const b = new Random(12345);
  const c = new Random(12346);
  const xs = Array.from({ length: 100 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextUint32()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextUint32()), xs);
  assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
});

test('Random: seed 0 draws a random non-zero seed that replays the stream', () => {
  const a = new Random(0);
  const b = new Random(0);
  assert.notEqual(a.seed, 0);
  assert.notEqual(a.seed, b.seed);
  const replay = new Random(a.seed);
  for (let i = 0; i < 10; i++) assert.equal(replay.uniform(), a.uniform());
});

test('Random: uniform draws are in [0, 1) with mean 1/2 and variance 1/12', () => {
  const r = new Random(7);
  const n = 200_000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sq += u * u;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(sq / n - mean * mean - 1 / 12) < 0.002);
  for (let i = 0; i < 1000; i++) {
    const k = r.int(10);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 10);
    const o = r.uniformOpen();
    assert.ok(o > 0 && o < 1);
  }
});

test('Random: normal draws have mean 0, variance 1 and normal tails', () => {
  const r = new Random(99);
  const n = 200_000;
  let sum = 0;
  let sq = 0;
  let beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
    if (Math.abs(z) > 2) beyond2++;
  }
  assert.ok(Math.abs(sum / n) < 0.01, `mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.015, `variance ${sq / n}`);
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `P(|z|>2) ${beyond2 / n}`);
});

test('hashString: stable 32-bit hash', () => {
  assert.equal(hashString('AAPL'), hashString('AAPL'));
  assert.notEqual(hashString('AAPL'), hashString('AAPM'));
  const h = hashString('');
  assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRfc3339Ms } from '../../../ingest/feeds/rfc3339.js';

test('parseRfc3339Ms: nanoseconds keep their sub-millisecond part; offsets and short fractions are read', () => {
  const base = Date.UTC(2024, 0, 2, 15, 4, 5);
  assert.ok(Math.abs(parseRfc3339Ms('2024-01-02T15:04:05.123456789Z') - (base + 123.456789)) < 1e-3);
  assert.equal(parseRfc3339Ms('2024-01-02T15:04:05Z'), base);
  assert.equal(parseRfc3339Ms('2024-01-02T15:04:05.5Z'), base + 500);
  assert.equal(parseRfc3339Ms('2024-01-02t15:04:05.120z'), base + 120);
  assert.equal(parseRfc3339Ms('2024-01-02T10:04:05-05:00'), base);
  assert.equal(parseRfc3339Ms('2024-01-02T16:34:05+01:30'), base);
  assert.equal(parseRfc3339Ms('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
});

test('parseRfc3339Ms: invalid dates and shapes are NaN', () => {
  for (const bad of ['', '2024-01-02', '2024-01-02T15:04:05', '2024-13-02T15:04:05Z', '2023-02-29T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T15:60:00Z', '2024-01-02T15:04:05.1234567891Z', '2024-01-02T15:04:05+25:00', '1969-12-31T23:59:59Z', ' 2024-01-02T15:04:05Z']) {
    assert.ok(Number.isNaN(parseRfc3339Ms(bad)), bad);
  }
});

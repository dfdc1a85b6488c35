import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyQuoteRecord, QuoteField as Q } from '../../core/quote-record.js';
import { TICK_FIELDS, TickKind, writeTick } from '../../core/tick.js';
import { barFields } from '../../core/protocol/messages.js';
import type { BarFields } from '../../core/protocol/messages.js';
import { BAR_MS, barAddTrade, barRoll, barStartOf } from '../../actors/bar-builder.js';

const T0 = Date.UTC(2026, 0, 5, 14, 30); // a minute boundary

interface Bars {
  readonly r: Float64Array;
  readonly closed: BarFields[];
}
const bars = (r: Float64Array): Bars => ({ r, closed: [] });
/** Feeds one trade as a tick record (the hot-path input). */
const tick = new Float64Array(TICK_FIELDS);
function trade(b: Bars, price: number, size: number, eventTs: number): boolean {
  writeTick(tick, 0, { symbol: 0, kind: TickKind.trade, price, size, bid: 0, ask: 0, bidSize: 0, askSize: 0, eventTs, arrival: eventTs, sourceSeq: 0 });
  return barAddTrade(b.r, tick, 0, b.closed);
}
const roll = (b: Bars, now: number, graceMs = 0): boolean => barRoll(b.r, now, graceMs, b.closed);

test('barStartOf floors event time to the minute', () => {
  assert.equal(barStartOf(T0), T0);
  assert.equal(barStartOf(T0 + 59_999), T0);
  assert.equal(barStartOf(T0 + 60_000), T0 + BAR_MS);
});

test('trades in one minute build OHLC, volume and trade count in the record', () => {
  const r = emptyQuoteRecord();
  const b = bars(r);
  assert.equal(barFields(r), null);
  trade(b, 10, 100, T0 + 1_000);
  trade(b, 12, 50, T0 + 2_000);
  trade(b, 9, 25, T0 + 3_000);
  trade(b, 11, 5, T0 + 59_999);
  assert.deepEqual(barFields(r), { start: T0, open: 10, high: 12, low: 9, close: 11, volume: 180, trades: 4 });
  assert.equal(b.closed.length, 0);
});

test('a trade for a later minute closes the bar; skipped minutes make no empty bars', () => {
  const r = emptyQuoteRecord();
  const b = bars(r);
  trade(b, 10, 1, T0 + 5_000);
  trade(b, 11, 2, T0 + 5 * BAR_MS + 1);
  assert.deepEqual(b.closed, [{ start: T0, open: 10, high: 10, low: 10, close: 10, volume: 1, trades: 1 }]);
  assert.deepEqual(barFields(r), { start: T0 + 5 * BAR_MS, open: 11, high: 11, low: 11, close: 11, volume: 2, trades: 1 });
});

test('a trade for an earlier minute than the open bar is late and leaves the bar alone', () => {
  const r = emptyQuoteRecord();
  const b = bars(r);
  trade(b, 10, 1, T0 + BAR_MS);
  const before = Float64Array.from(r);
  assert.equal(trade(b, 99, 1, T0 + 30_000), false);
  assert.deepEqual(r, before);
});

test('roll closes a quiet bar once its minute is over, and then its minute is late', () => {
  const r = emptyQuoteRecord();
  const b = bars(r);
  assert.equal(roll(b, T0 + 10 * BAR_MS), false, 'no bar, nothing to close');
  trade(b, 10, 3, T0 + 1_000);
  assert.equal(roll(b, T0 + BAR_MS - 1), false);
  assert.equal(roll(b, T0 + BAR_MS), true);
  assert.deepEqual(b.closed, [{ start: T0, open: 10, high: 10, low: 10, close: 10, volume: 3, trades: 1 }]);
  assert.equal(barFields(r), null, 'no open bar after a roll');
  assert.equal(r[Q.barStart], T0, 'the closed bar start stays, to recognise late trades');
  assert.equal(r[Q.barVolume], 0);
  assert.equal(roll(b, T0 + 2 * BAR_MS), false, 'nothing open');
  assert.equal(trade(b, 11, 1, T0 + 59_000), false, 'the closed minute is final');
  assert.equal(trade(b, 12, 1, T0 + BAR_MS + 1), true);
  assert.equal(r[Q.barStart], T0 + BAR_MS);
  assert.equal(b.closed.length, 1, 'a new bar after a roll closes nothing');
});

test('roll honours a grace period', () => {
  const b = bars(emptyQuoteRecord());
  trade(b, 10, 1, T0);
  assert.equal(roll(b, T0 + BAR_MS + 999, 1000), false);
  assert.equal(roll(b, T0 + BAR_MS + 1000, 1000), true);
});

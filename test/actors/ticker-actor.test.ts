import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuoteField as Q } from '../../core/quote-record.js';
import { TICK_FIELDS, TickKind, writeTick, type Tick } from '../../core/tick.js';
import { barFields } from '../../core/protocol/messages.js';
import { TickerActor, type TickerActorOptions } from '../../actors/ticker-actor.js';
import { TRADING_MINUTES_PER_YEAR } from '../../actors/indicators.js';

const T0 = Date.UTC(2026, 0, 5, 14, 30); // a minute boundary
const DAY = 86_400_000;
const opts = (extra: Partial<TickerActorOptions> = {}): TickerActorOptions => ({ symbolId: 7, indicatorWindow: 3, ...extra });

const base: Tick = { symbol: 7, kind: TickKind.trade, price: 0, size: 0, bid: 0, ask: 0, bidSize: 0, askSize: 0, eventTs: T0, arrival: T0, sourceSeq: 0 };
const trade = (price: number, size: number, eventTs: number, extra: Partial<Tick> = {}): Tick => ({ ...base, price, size, eventTs, arrival: eventTs + 1, ...extra });
const quote = (bid: number, ask: number, eventTs: number, extra: Partial<Tick> = {}): Tick => ({ ...base, kind: TickKind.quote, bid, ask, bidSize: 100, askSize: 200, eventTs, arrival: eventTs + 1, ...extra });

function batch(ticks: readonly Tick[]): Float64Array {
  const b = new Float64Array(ticks.length * TICK_FIELDS);
  ticks.forEach((t, i) => writeTick(b, i, t));
  return b;
}
/** Applies every tick of `ticks`; returns how many were accepted. */
function feed(a: TickerActor, ticks: readonly Tick[]): number {
  const b = batch(ticks);
  let ok = 0;
  for (let o = 0; o < b.length; o += TICK_FIELDS) if (a.apply(b, o)) ok++;
  return ok;
}
const close = (actual: number, expected: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
};
const MIN = 60_000;
/** Annualised volatility of the given 1-minute log returns, not demeaned. */
const annualised = (...r: number[]): number => Math.sqrt((r.reduce((s, x) => s + x * x, 0) / r.length) * TRADING_MINUTES_PER_YEAR);
const pending = (a: TickerActor): number[][] => {
  const t = a.pendingTrades;
  const out: number[][] = [];
  for (let i = 0; i < a.pendingTradeCount; i++) out.push([t[i * 3], t[i * 3 + 1], t[i * 3 + 2]]);
  return out;
};

test('a fresh actor publishes unknowns, prevClose from the options', () => {
  const a = new TickerActor(opts({ prevClose: 42 }));
  assert.equal(a.symbolId, 7);
  assert.equal(a.record[Q.seq], 0);
  assert.equal(a.record[Q.prevClose], 42);
  assert.ok(Number.isNaN(a.record[Q.last]));
  assert.equal(a.record[Q.volume], 0);
  assert.equal(a.dirty, false);
  assert.ok(Number.isNaN(new TickerActor(opts()).record[Q.prevClose]));
});

test('session stats and indicators match a hand-computed series', () => {
  const a = new TickerActor(opts());
  const r = a.record;
  feed(a, [trade(10, 100, T0)]);
  assert.ok(Number.isNaN(r[Q.sma]), 'SMA needs a full window');
  assert.equal(r[Q.ema], 10);
  feed(a, [trade(11, 200, T0 + 1000)]);
  assert.equal(r[Q.ema], 10.5);
  feed(a, [trade(12, 100, T0 + 2000)]);
  close(r[Q.sma], 11, 'sma');
  assert.equal(r[Q.ema], 11.25);
  feed(a, [trade(9, 100, T0 + 4000)]);
  assert.equal(r[Q.open], 10);
  assert.equal(r[Q.high], 12);
  assert.equal(r[Q.low], 9);
  assert.equal(r[Q.last], 9);
  assert.equal(r[Q.lastSize], 100);
  assert.equal(r[Q.volume], 500);
  close(r[Q.vwap], (10 * 100 + 11 * 200 + 12 * 100 + 9 * 100) / 500, 'vwap');
  close(r[Q.sma], (11 + 12 + 9) / 3, 'sma');
  assert.equal(r[Q.ema], 10.125);
  assert.ok(Number.isNaN(r[Q.volatility]), 'volatility comes from closed 1-minute bars, not from trades');
  assert.equal(r[Q.trades], 4);
  assert.equal(r[Q.eventTs], T0 + 4000);
  assert.deepEqual(barFields(r), { start: T0, open: 10, high: 12, low: 9, close: 9, volume: 500, trades: 4 });
  assert.deepEqual(pending(a), [
    [10, 100, T0],
    [11, 200, T0 + 1000],
    [12, 100, T0 + 2000],
    [9, 100, T0 + 4000],
  ]);
});

test('volatility: close-to-close returns of 1-minute bars, published from the third closed bar', () => {
  const a = new TickerActor(opts()); // window: 3 returns
  const r = a.record;
  feed(a, [trade(10, 1, T0 + 1000), trade(10.5, 1, T0 + 30_000), trade(10.2, 1, T0 + 59_000)]);
  feed(a, [trade(10.4, 1, T0 + MIN + 500), trade(10.3, 1, T0 + MIN + 30_000)]); // the first trade closes bar 0 at 10.2
  a.rollBar(T0 + 2 * MIN); // a quiet flush closes bar 1 at 10.3: one return
  assert.equal(a.closedBars.length, 2);
  assert.ok(Number.isNaN(r[Q.volatility]), 'one return is not enough');
  const r1 = Math.log(10.3 / 10.2);

  feed(a, [trade(10.1, 1, T0 + 2 * MIN + 5000)]);
  feed(a, [trade(10.6, 1, T0 + 4 * MIN + 1000)]); // closes bar 2 at 10.1; minute 3 has no trade
  const r2 = Math.log(10.1 / 10.3);
  close(r[Q.volatility], annualised(r1, r2), 'two returns');

  a.markFlushed(T0 + 4 * MIN + 1050);
  a.rollBar(T0 + 5 * MIN); // closes bar 4: minute 3 carried 10.1 forward, a zero return
  assert.equal(a.dirty, true);
  close(r[Q.volatility], annualised(r2, 0, Math.log(10.6 / 10.1)), 'window of 3: r1 evicted');
  close(r[Q.sma], (10.3 + 10.1 + 10.6) / 3, 'sma stays over trades');
});

test('quotes set the book; trades update it only for sides they carry', () => {
  const a = new TickerActor(opts());
  const r = a.record;
  assert.ok(feed(a, [quote(9.9, 10.1, T0)]));
  assert.deepEqual([r[Q.bid], r[Q.ask], r[Q.bidSize], r[Q.askSize]], [9.9, 10.1, 100, 200]);
  assert.equal(r[Q.volume], 0, 'quotes are not trades');
  assert.ok(Number.isNaN(r[Q.last]));
  feed(a, [trade(10, 5, T0 + 1, { bid: 9.95, bidSize: 300 })]);
  assert.deepEqual([r[Q.bid], r[Q.ask], r[Q.bidSize], r[Q.askSize]], [9.95, 10.1, 300, 200]);
  feed(a, [quote(0, 10.2, T0 + 2, { askSize: 50 })]);
  assert.deepEqual([r[Q.bid], r[Q.ask], r[Q.askSize]], [9.95, 10.2, 50], 'a one-sided quote keeps the other side');
});

test('bars roll over at minute boundaries, on a quiet flush, and ignore late trades', () => {
  const a = new TickerActor(opts());
  const r = a.record;
  feed(a, [trade(10, 1, T0 + 10_000), trade(11, 2, T0 + 20_000)]);
  feed(a, [trade(12, 3, T0 + 70_000)]);
  assert.deepEqual(a.closedBars, [{ start: T0, open: 10, high: 11, low: 10, close: 11, volume: 3, trades: 2 }]);
  assert.deepEqual(barFields(r), { start: T0 + 60_000, open: 12, high: 12, low: 12, close: 12, volume: 3, trades: 1 });
  a.markFlushed(T0 + 70_050);
  assert.equal(a.closedBars.length, 0);

  // No tick for a while: the shard's flush closes the bar on time.
  a.rollBar(T0 + 119_999);
  assert.equal(a.dirty, false);
  a.rollBar(T0 + 120_000);
  assert.equal(a.dirty, true);
  assert.deepEqual(a.closedBars, [{ start: T0 + 60_000, open: 12, high: 12, low: 12, close: 12, volume: 3, trades: 1 }]);
  assert.equal(barFields(r), null);
  assert.ok(Number.isNaN(r[Q.arrival]), 'a roll-only change carries no tick arrival');
  assert.equal(a.markFlushed(T0 + 120_000), 2);

  // A late trade for the closed minute: day stats yes, bar and last no.
  assert.equal(feed(a, [trade(8, 4, T0 + 90_000)]), 1);
  assert.equal(a.lateTrades, 1);
  assert.equal(r[Q.volume], 10);
  assert.equal(r[Q.low], 8);
  assert.equal(r[Q.trades], 4);
  assert.equal(r[Q.last], 12, 'last is the latest trade in event order');
  assert.equal(r[Q.eventTs], T0 + 70_000);
  assert.equal(barFields(r), null);
  assert.equal(a.closedBars.length, 0);
  assert.deepEqual(pending(a), [[8, 4, T0 + 90_000]], 'a late trade still goes out on the trades channel');

  // A late trade for a minute before the open bar.
  feed(a, [trade(13, 1, T0 + 185_000)]);
  feed(a, [trade(14, 1, T0 + 130_000)]);
  assert.equal(a.lateTrades, 2);
  assert.deepEqual(barFields(r), { start: T0 + 180_000, open: 13, high: 13, low: 13, close: 13, volume: 1, trades: 1 });
  assert.equal(r[Q.high], 14, 'day high includes the late trade');
});

test('redelivery is harmless: the same batch applied twice is deduplicated by sourceSeq', () => {
  const a = new TickerActor(opts());
  const ticks = [1, 2, 3, 4, 5].map((s) => trade(10 + s, 10 * s, T0 + s * 15_000, { sourceSeq: 100 + s }));
  ticks.splice(2, 0, quote(11, 12, T0 + 31_000, { sourceSeq: 102.5 }));
  assert.equal(feed(a, ticks), 6);
  const after = Float64Array.from(a.record);
  const closed = a.closedBars.length;
  const count = a.pendingTradeCount;
  assert.equal(feed(a, ticks), 0);
  assert.equal(a.duplicates, 6);
  assert.deepEqual(a.record, after);
  assert.equal(a.record[Q.volume], 150);
  assert.equal(a.record[Q.barVolume], 50 + 40, 'bar volume unchanged');
  assert.equal(a.closedBars.length, closed);
  assert.equal(a.pendingTradeCount, count);
  assert.equal(a.lastSourceSeq, 105);
  // An older seq is out of date too; seq 0 means "no sequence" and is never deduplicated.
  assert.equal(feed(a, [trade(1, 1, T0 + 80_000, { sourceSeq: 50 })]), 0);
  assert.equal(feed(a, [trade(20, 1, T0 + 80_000), trade(20, 1, T0 + 80_000)]), 2);
});

test('redelivery after a shard restart is deduplicated: the record carries the last sourceSeq', () => {
  const a = new TickerActor(opts());
  const ticks = [1, 2, 3, 4, 5].map((s) => trade(10 + s, 10 * s, T0 + s * 15_000, { sourceSeq: 100 + s }));
  ticks.splice(2, 0, quote(11, 12, T0 + 31_000, { sourceSeq: 102.5 }));
  assert.equal(feed(a, ticks), 6);
  assert.equal(a.record[Q.sourceSeq], 105);
  a.markFlushed(T0 + 80_000);
  // What the shard copied into the shared table, read back by the restarted shard.
  const table = Float64Array.from(a.record);

  const b = TickerActor.fromRecord(opts(), table);
  assert.equal(b.lastSourceSeq, 105);
  assert.equal(feed(b, ticks), 0);
  assert.equal(b.duplicates, 6);
  assert.equal(b.record[Q.volume], 150);
  assert.equal(b.record[Q.trades], 5);
  assert.equal(b.record[Q.barVolume], 50 + 40, 'bar volume unchanged');
  assert.equal(b.pendingTradeCount, 0);
  assert.equal(b.dirty, false);
  assert.equal(feed(b, [trade(20, 1, T0 + 81_000, { sourceSeq: 106 })]), 1, 'the next sequence is applied');
  assert.equal(b.record[Q.sourceSeq], 106);

  // An explicit option overrides the restored value (e.g. the source restarted its numbering).
  const c = TickerActor.fromRecord(opts({ lastSourceSeq: 0 }), table);
  assert.equal(c.lastSourceSeq, 0);
  assert.equal(feed(c, [trade(20, 1, T0 + 81_000, { sourceSeq: 1 })]), 1);
  // A record without a usable sourceSeq (NaN) restores as 0: nothing is deduplicated by mistake.
  table[Q.sourceSeq] = Number.NaN;
  assert.equal(TickerActor.fromRecord(opts(), table).lastSourceSeq, 0);
});

test('invalid ticks are rejected without any state change', () => {
  const a = new TickerActor(opts());
  feed(a, [trade(10, 1, T0, { sourceSeq: 1 }), quote(9, 11, T0)]);
  a.markFlushed(T0 + 50);
  const before = Float64Array.from(a.record);
  const bad: Tick[] = [
    trade(Number.NaN, 1, T0 + 1),
    trade(Number.POSITIVE_INFINITY, 1, T0 + 1),
    trade(0, 1, T0 + 1),
    trade(-5, 1, T0 + 1),
    trade(10, -1, T0 + 1),
    trade(10, Number.NaN, T0 + 1),
    trade(10, 1, Number.NaN),
    trade(10, 1, T0 + 1, { bid: 11, ask: 10 }),
    trade(10, 1, T0 + 1, { bid: -1 }),
    quote(10.5, 10.4, T0 + 1),
    quote(0, 0, T0 + 1),
    quote(10, 11, T0 + 1, { bidSize: -3 }),
    quote(Number.NaN, 11, T0 + 1),
    { ...trade(10, 1, T0 + 1), kind: 3 as TickKind },
    { ...trade(10, 1, T0 + 1), kind: 0 as TickKind },
    trade(10, 1, T0 - DAY), // an earlier UTC day than the session: stale
  ].map((t) => ({ ...t, sourceSeq: 2 }));
  assert.equal(feed(a, bad), 0);
  assert.equal(a.rejected, bad.length);
  assert.equal(a.duplicates, 0);
  assert.deepEqual(a.record, before);
  assert.equal(a.dirty, false);
  assert.equal(a.pendingTradeCount, 0);
  assert.equal(feed(a, [trade(10, 1, T0 + 1, { sourceSeq: 2 })]), 1, 'a rejected tick does not consume its sourceSeq');
});

test('markFlushed bumps seq, stamps ts, clears dirty, trades and bars; arrival is the oldest since the flush', () => {
  const a = new TickerActor(opts());
  const r = a.record;
  feed(a, [trade(10, 1, T0, { arrival: T0 + 5 }), quote(9, 11, T0 + 1, { arrival: T0 + 3 }), trade(11, 1, T0 + 60_000, { arrival: T0 + 60_002 })]);
  assert.equal(a.dirty, true);
  assert.equal(r[Q.arrival], T0 + 3, 'oldest arrival, even when ticks arrive out of order');
  assert.equal(a.closedBars.length, 1);
  const bars = a.closedBars;
  assert.equal(a.markFlushed(T0 + 60_010), 1);
  assert.equal(r[Q.seq], 1);
  assert.equal(r[Q.ts], T0 + 60_010);
  assert.equal(a.dirty, false);
  assert.equal(a.pendingTradeCount, 0);
  assert.equal(a.pendingTrades.length, 0);
  assert.equal(a.closedBars.length, 0);
  assert.equal(bars.length, 1, 'a closedBars array read before the flush stays intact');
  assert.equal(r[Q.arrival], T0 + 3, 'the published record keeps its arrival marker');
  feed(a, [trade(12, 1, T0 + 60_020, { arrival: T0 + 60_030 })]);
  assert.equal(r[Q.arrival], T0 + 60_030, 'the marker restarts after a flush');
  assert.equal(a.markFlushed(T0 + 60_050), 2);
});

test('fromRecord restores the published state and seq keeps increasing', () => {
  const a = new TickerActor(opts({ prevClose: 9 }));
  feed(a, [trade(10, 100, T0, { sourceSeq: 1 }), trade(11, 300, T0 + 1000, { sourceSeq: 2 }), trade(12, 100, T0 + 2000, { sourceSeq: 3 })]);
  a.markFlushed(T0 + 2050);
  feed(a, [quote(11.9, 12.1, T0 + 3000, { sourceSeq: 4 })]);
  a.markFlushed(T0 + 3050);
  const published = Float64Array.from(a.record);

  const b = TickerActor.fromRecord(opts({ prevClose: 1 }), published);
  published[Q.last] = -1; // the record was copied
  assert.equal(b.record[Q.seq], 2);
  assert.equal(b.record[Q.prevClose], 9, 'the published prevClose wins');
  assert.equal(b.dirty, false);
  assert.equal(feed(b, [trade(99, 1, T0 + 2000, { sourceSeq: 3 })]), 0, 'redelivery after a restart is deduplicated');

  feed(b, [trade(13, 500, T0 + 4000, { sourceSeq: 5 })]);
  feed(a, [trade(13, 500, T0 + 4000, { sourceSeq: 5 })]);
  assert.equal(b.markFlushed(T0 + 4050), 3);
  const r = b.record;
  assert.equal(r[Q.volume], 1000);
  close(r[Q.vwap], (1000 + 3300 + 1200 + 6500) / 1000, 'vwap continues');
  assert.equal(r[Q.ema], a.record[Q.ema], 'ema continues');
  close(r[Q.sma], 11, 'sma keeps the restored value until its window refills');
  assert.equal(r[Q.high], 13);
  assert.equal(r[Q.low], 10);
  assert.equal(r[Q.open], 10);
  assert.equal(r[Q.trades], 4);
  assert.deepEqual(barFields(r), { start: T0, open: 10, high: 13, low: 10, close: 13, volume: 1000, trades: 4 });
  feed(b, [trade(14, 1, T0 + 5000), trade(15, 1, T0 + 6000)]);
  close(r[Q.sma], 14, 'fresh window');
});

test('a tick on a later UTC day rolls the session: prevClose = last price', () => {
  const a = new TickerActor(opts({ prevClose: 5 }));
  const r = a.record;
  feed(a, [trade(10, 100, T0), trade(11, 100, T0 + 1000), trade(12, 100, T0 + 2000)]);
  const sma = r[Q.sma];
  feed(a, [trade(20, 10, T0 + DAY)]);
  assert.equal(r[Q.prevClose], 12);
  assert.equal(r[Q.open], 20);
  assert.equal(r[Q.high], 20);
  assert.equal(r[Q.low], 20);
  assert.equal(r[Q.volume], 10);
  assert.equal(r[Q.vwap], 20);
  assert.equal(r[Q.trades], 1);
  close(r[Q.sma], (11 + 12 + 20) / 3, 'sma runs on across days');
  assert.notEqual(r[Q.sma], sma);
  assert.equal(a.closedBars.length, 1);
  assert.equal(feed(a, [trade(10, 1, T0 + 3000)]), 0, "yesterday's trade is stale");
  assert.equal(a.rejected, 1);
  // A quote can roll the session too (pre-open quotes), before any trade of the day.
  feed(a, [quote(19, 21, T0 + 2 * DAY)]);
  assert.equal(r[Q.prevClose], 20);
  assert.ok(Number.isNaN(r[Q.open]));
  assert.equal(r[Q.volume], 0);
});

test('the volatility window restarts at a session roll; bars of the earlier day are left out', () => {
  const a = new TickerActor(opts());
  const r = a.record;
  feed(a, [trade(10, 1, T0), trade(11, 1, T0 + MIN), trade(12, 1, T0 + 2 * MIN), trade(12.5, 1, T0 + 3 * MIN)]);
  const vol = annualised(Math.log(11 / 10), Math.log(12 / 11));
  close(r[Q.volatility], vol, 'day 1');
  // The next day's first trade also closes day 1's last bar (12.5): not a close of the new session.
  const D = T0 + DAY;
  feed(a, [trade(20, 1, D), trade(21, 1, D + MIN)]);
  assert.equal(a.closedBars.at(-1)?.close, 20);
  assert.equal(r[Q.volatility], vol, 'the published value stays until two returns of the new day exist');
  feed(a, [trade(22, 1, D + 2 * MIN), trade(22, 1, D + 3 * MIN)]);
  close(r[Q.volatility], annualised(Math.log(21 / 20), Math.log(22 / 21)), 'day 2 returns only');
});

test('fromRecord keeps the published volatility until two fresh 1-minute returns exist', () => {
  const a = new TickerActor(opts());
  feed(a, [trade(10, 1, T0), trade(11, 1, T0 + MIN), trade(12, 1, T0 + 2 * MIN), trade(13, 1, T0 + 3 * MIN)]);
  a.markFlushed(T0 + 3 * MIN + 50);
  const vol = a.record[Q.volatility];
  assert.ok(vol > 0);
  const b = TickerActor.fromRecord(opts(), Float64Array.from(a.record));
  const r = b.record;
  assert.equal(r[Q.volatility], vol);
  feed(b, [trade(13.5, 1, T0 + 4 * MIN), trade(14, 1, T0 + 5 * MIN)]); // closes the restored bar (13) and 13.5: one return
  assert.equal(r[Q.volatility], vol);
  feed(b, [trade(14.5, 1, T0 + 6 * MIN)]);
  close(r[Q.volatility], annualised(Math.log(13.5 / 13), Math.log(14 / 13.5)), 'fresh returns');
});

test('pending trades overflow keeps the newest, in order, and counts drops', () => {
  const a = new TickerActor(opts({ maxPendingTrades: 4 }));
  feed(a, Array.from({ length: 10 }, (_, i) => trade(100 + i, 1, T0 + i)));
  assert.equal(a.pendingTradeCount, 4);
  assert.equal(a.droppedTrades, 6);
  assert.deepEqual(pending(a), [6, 7, 8, 9].map((i) => [100 + i, 1, T0 + i]));
  feed(a, [trade(200, 1, T0 + 20)]); // after reading (which linearises), the ring still keeps the newest
  assert.deepEqual(pending(a), [7, 8, 9].map((i) => [100 + i, 1, T0 + i]).concat([[200, 1, T0 + 20]]));
  assert.equal(a.droppedTrades, 7);
  a.markFlushed(T0 + 50);
  feed(a, [trade(300, 2, T0 + 60), trade(301, 3, T0 + 61)]);
  assert.deepEqual(pending(a), [
    [300, 2, T0 + 60],
    [301, 3, T0 + 61],
  ]);
  assert.equal(a.record[Q.volume], 16, 'dropped from the trades channel, never from the stats');
});

test('pending trades grow past the initial buffer without loss', () => {
  const a = new TickerActor(opts());
  feed(a, Array.from({ length: 1000 }, (_, i) => trade(1 + i, 1, T0 + i)));
  assert.equal(a.pendingTradeCount, 1000);
  assert.equal(a.droppedTrades, 0);
  const p = pending(a);
  assert.deepEqual(p[0], [1, 1, T0]);
  assert.deepEqual(p[999], [1000, 1, T0 + 999]);
});

/** Deterministic PRNG (mulberry32) so the simulated market is the same on every run. */
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

test('volatility is not inflated by bid/ask bounce on a cent grid (trade-to-trade returns read it several times too high)', () => {
  // A $22 stock, GBM at 30 % a year, a one-cent market around the mid, each trade at the
  // bid or the ask (one cent = 4.5 bps of bounce), trades every ~0.3 s for 62 minutes.
  const sigma = 0.3;
  const yearMs = TRADING_MINUTES_PER_YEAR * MIN;
  const rand = rng(7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const a = new TickerActor(opts({ indicatorWindow: 60 }));
  const ticks: Tick[] = [];
  let mid = 22;
  for (let ts = T0 - Math.log(1 - rand()) * 300; ts < T0 + 62 * MIN; ts -= Math.log(1 - rand()) * 300) {
    const dtMs = ts - (ticks.at(-1)?.eventTs ?? T0);
    const v = (sigma * sigma * dtMs) / yearMs;
    mid *= Math.exp(-0.5 * v + Math.sqrt(v) * gauss());
    const bidCents = Math.round(mid * 100 - 0.5);
    const cents = rand() < 0.5 ? bidCents : bidCents + 1;
    ticks.push(trade(cents / 100, 100, ts, { bid: bidCents / 100, ask: (bidCents + 1) / 100 }));
  }
  assert.equal(feed(a, ticks), ticks.length);
  const vol = a.record[Q.volatility];
  // 60 one-minute returns: sampling error ≈ 1/√120 ≈ 9 %, bounce bias ≈ +7 %; this seed reads
  // +11 %, and about 97 % of seeds land within 25 %. Trade to trade reads ≈ 5× for every seed.
  assert.ok(Math.abs(vol / sigma - 1) < 0.25, `published ${vol}, true ${sigma}`);

  // Contrast: the former estimator, Σ(trade-to-trade r²) / elapsed time, on the same prints.
  let r2 = 0;
  for (let i = 1; i < ticks.length; i++) r2 += Math.log(ticks[i].price / ticks[i - 1].price) ** 2;
  const tradeToTrade = Math.sqrt((r2 / (ticks.at(-1)!.eventTs - ticks[0].eventTs)) * yearMs);
  assert.ok(tradeToTrade > 3 * sigma, `trade-to-trade read ${tradeToTrade}`);
});

test('options are validated', () => {
  assert.throws(() => new TickerActor(opts({ indicatorWindow: 1 })), RangeError);
  assert.throws(() => new TickerActor(opts({ maxPendingTrades: 0 })), RangeError);
});

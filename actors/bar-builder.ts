import { QuoteField as Q } from '../core/quote-record.js';
import { TickField as T } from '../core/tick.js';
import { barFields, type BarFields } from '../core/protocol/messages.js';

/**
 * 1-minute bars from trades, keyed by event time, built in place in a quote
 * record's bar slots (QuoteField.barStart … barTrades), so the published
 * record always carries the current bar. Functions over the record rather than
 * an object, for the same reasons as actors/indicators.ts: the ticker actor
 * calls them once per trade.
 *
 * States of the bar slots:
 * - no bar yet: barStart NaN;
 * - open bar: barStart and barOpen finite;
 * - closed, no open bar (after barRoll): barStart keeps the closed bar's
 *   start, OHLC NaN, volume and trades 0. Keeping the start lets an actor
 *   restored from a published record still recognise late trades for it.
 *
 * A trade for a later minute closes the open bar and starts a new one (quiet
 * minutes make no empty bars); a trade for an earlier minute than the open bar,
 * or for an already closed minute, is late: the bar is left alone.
 */

/** Bar length: one minute. */
export const BAR_MS = 60_000;

/** Start of the 1-minute bar holding event time `ts` (ms since the epoch). */
export function barStartOf(ts: number): number {
  return Math.floor(ts / BAR_MS) * BAR_MS;
}

export function barIsOpen(record: Float64Array): boolean {
  const o = record[Q.barOpen];
  return o === o;
}

/**
 * Folds the trade tick at ticks[offset] (TickField layout) into the bar of its
 * minute in `record`; a bar this closes is pushed onto `closed`. Returns false
 * for a late trade (record untouched).
 */
export function barAddTrade(record: Float64Array, ticks: Float64Array, offset: number, closed: BarFields[]): boolean {
  const price = ticks[offset + T.price];
  const size = ticks[offset + T.size];
  const start = Math.floor(ticks[offset + T.eventTs] / BAR_MS) * BAR_MS;
  const r = record;
  const cur = r[Q.barStart];
  const open = barIsOpen(r);
  if (open && start === cur) {
    if (price > r[Q.barHigh]) r[Q.barHigh] = price;
    if (price < r[Q.barLow]) r[Q.barLow] = price;
    r[Q.barClose] = price;
    r[Q.barVolume] += size;
    r[Q.barTrades] += 1;
    return true;
  }
  // Earliest minute still accepted: the open bar's, or the one after the last closed bar.
  const floor = open ? cur : cur === cur ? cur + BAR_MS : -Infinity;
  if (start < floor) return false;
  if (open) closeBar(r, closed);
  r[Q.barStart] = start;
  r[Q.barOpen] = price;
  r[Q.barHigh] = price;
  r[Q.barLow] = price;
  r[Q.barClose] = price;
  r[Q.barVolume] = size;
  r[Q.barTrades] = 1;
  return true;
}

/**
 * Closes the open bar if its minute ended at least `graceMs` before `now`
 * (server time), so quiet symbols' bars close on time. Returns true if a bar
 * closed (pushed onto `closed`).
 */
export function barRoll(record: Float64Array, now: number, graceMs: number, closed: BarFields[]): boolean {
  if (!barIsOpen(record) || now < record[Q.barStart] + BAR_MS + graceMs) return false;
  closeBar(record, closed);
  return true;
}

function closeBar(r: Float64Array, closed: BarFields[]): void {
  const bar = barFields(r);
  if (bar) closed.push(bar);
  r[Q.barOpen] = Number.NaN;
  r[Q.barHigh] = Number.NaN;
  r[Q.barLow] = Number.NaN;
  r[Q.barClose] = Number.NaN;
  r[Q.barVolume] = 0;
  r[Q.barTrades] = 0;
}

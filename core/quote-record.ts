/**
 * A quote record is one symbol's published state as fixed float64 fields.
 *
 * The ticker actor keeps its live state in a private record of this layout;
 * at each flush the shard copies changed records into its shared quote table
 * (actors/quote-table.ts) under the shard's seqlock, and gateway threads read
 * them from there for snapshots and REST. Protocol messages (quote, snapshot)
 * are built from a record by core/protocol/messages.ts, so the stream and
 * the snapshot can never disagree on a field.
 *
 * NaN means "not known yet" (e.g. no trade since start).
 */
export const QuoteField = {
  /** Per-symbol sequence: +1 per flush in which the symbol changed. 0 = never published. */
  seq: 0,
  /** Server time of the last published change, ms since the epoch. */
  ts: 1,
  last: 2,
  lastSize: 3,
  bid: 4,
  ask: 5,
  bidSize: 6,
  askSize: 7,
  /** Session (day) statistics. */
  open: 8,
  high: 9,
  low: 10,
  prevClose: 11,
  volume: 12,
  vwap: 13,
  /** Indicators: simple and exponential moving averages over trades; realised volatility (annualised fraction) from 1-minute bar returns. */
  sma: 14,
  ema: 15,
  volatility: 16,
  /** Current 1-minute bar: start (ms since epoch), OHLC, volume, trade count. */
  barStart: 17,
  barOpen: 18,
  barHigh: 19,
  barLow: 20,
  barClose: 21,
  barVolume: 22,
  barTrades: 23,
  /** Trades applied in the session. */
  trades: 24,
  /** Arrival time of the oldest tick folded into the pending (unflushed) change: tick-to-wire start. */
  arrival: 25,
  /** Last event time from the source. */
  eventTs: 26,
  /** Highest source sequence applied (redelivery dedupe survives a shard restart through the table). */
  sourceSeq: 27,
} as const;

export const QUOTE_FIELDS = 28;
export const QUOTE_BYTES = QUOTE_FIELDS * Float64Array.BYTES_PER_ELEMENT;

/** A fresh record: seq 0, everything else unknown. */
export function emptyQuoteRecord(): Float64Array {
  const r = new Float64Array(QUOTE_FIELDS).fill(Number.NaN);
  r[QuoteField.seq] = 0;
  r[QuoteField.volume] = 0;
  r[QuoteField.trades] = 0;
  r[QuoteField.barVolume] = 0;
  r[QuoteField.barTrades] = 0;
  r[QuoteField.sourceSeq] = 0;
  return r;
}

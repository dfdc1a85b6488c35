import { QuoteField as Q, QUOTE_FIELDS, emptyQuoteRecord } from '../core/quote-record.js';
import { TickField as T, TickKind } from '../core/tick.js';
import type { BarFields } from '../core/protocol/messages.js';
import { barAddTrade, barRoll } from './bar-builder.js';
import { Vol, Window, emaAlpha, emaPush, volAddBar, volClear, volFloats, windowClear, windowFloats, windowPush } from './indicators.js';

const DAY_MS = 86_400_000;
const INITIAL_PENDING_TRADES = 32;

/**
 * An actor's memory block: the quote record at 0, then these slots, then the
 * SMA window (indicators.ts Window layout) and the volatility block (Vol).
 */
const S = {
  /** UTC day number of the session (NaN before the first tick). */
  day: QUOTE_FIELDS,
  /** Σ price × size of the session, for vwap. */
  pv: QUOTE_FIELDS + 1,
  /** EMA state (the record's ema is a copy published per trade). */
  ema: QUOTE_FIELDS + 2,
  /** Scratch: start and close of a bar just closed, the volatility kernel's input. */
  barStart: QUOTE_FIELDS + 3,
  barClose: QUOTE_FIELDS + 4,
  sma: QUOTE_FIELDS + 5,
} as const;

export interface TickerActorOptions {
  readonly symbolId: number;
  /**
   * Trades in the SMA window, and 1-minute returns in the volatility window
   * (config INDICATOR_WINDOW, default 20; at least 2).
   */
  readonly indicatorWindow: number;
  /** Reference previous close (simulator reference price or warm state); NaN/undefined = unknown. */
  readonly prevClose?: number;
  /** Cap of trades kept between flushes (default 4096); overflow keeps the newest and counts drops. */
  readonly maxPendingTrades?: number;
  /** rollBar() closes a quiet bar only once `now` is this many ms past the bar's minute (default 0). */
  readonly barCloseGraceMs?: number;
  /**
   * Last applied source sequence. The record carries it (QuoteField.sourceSeq),
   * so fromRecord() needs this only to override the restored value.
   */
  readonly lastSourceSeq?: number;
}

/**
 * One symbol's state inside a shard. Single-threaded: the shard applies ticks
 * and flushes on its own thread, so nothing here is synchronised.
 *
 * Hot path: apply() allocates nothing and touches little memory. The record,
 * the scalars and every indicator window live in one Float64Array (a shard
 * hits a random actor per tick, so scattered objects would each be a cache
 * miss); pending trades live in a flat Float64Array that grows by doubling up
 * to maxPendingTrades (so thousands of quiet actors do not each hold the cap)
 * and then overwrites the oldest.
 *
 * Semantics, per field:
 * - bid/ask/sizes: from quote ticks, and from trade ticks that carry them; a
 *   side is updated only when its price is > 0 (0 = absent).
 * - open/high/low/volume/vwap/trades: session statistics from trades.
 * - Session roll: when a tick's event time falls on a later UTC day than the
 *   session's, open/high/low/vwap reset to unknown, volume and trades to 0,
 *   prevClose becomes the last trade price (if known), and the volatility
 *   window restarts (bars of the earlier day are left out) so the overnight
 *   gap is not counted as a return. SMA and EMA run on across days, as chart
 *   averages do. Ticks from an earlier UTC day than the session are rejected
 *   as stale.
 * - sma: mean of the last `indicatorWindow` trade prices, published once that
 *   many trades were seen. ema: alpha = 2 / (window + 1), seeded with the first
 *   price. SMA keeps its previous value until its window is full.
 * - volatility: realised volatility of the last `indicatorWindow` 1-minute
 *   close-to-close returns of the actor's bars, annualised (Vol in
 *   actors/indicators.ts: why bars and not trades, quiet minutes). Updated
 *   when a bar closes (by a later trade or by rollBar), published once two
 *   returns exist, i.e. from the third closed bar.
 * - Until then SMA and volatility keep the previous value: NaN on a fresh
 *   actor; after fromRecord(), the published value until fresh data replaces
 *   it (the windows themselves are not in the record).
 * - Bars: see actors/bar-builder.ts. A late trade (for a minute before the open
 *   bar, or an already closed one) updates volume, vwap, high/low and trades,
 *   and goes out on the trades channel, but leaves last, the indicators,
 *   eventTs and the bars alone; it is counted in `lateTrades`.
 * - arrival: the earliest arrival among ticks applied since the last flush
 *   (tick-to-wire start). It survives markFlushed() (the published record keeps
 *   it); a change made only by rollBar() publishes NaN (no tick involved).
 * - Dedupe: a tick with sourceSeq > 0 and <= the last applied one is a
 *   duplicate. sourceSeq must increase per symbol across trades and quotes.
 *   The last applied one is record[sourceSeq], so it reaches the shared table
 *   at each flush and fromRecord() restores it: redelivery after a shard
 *   restart is still deduplicated.
 */
export class TickerActor {
  readonly symbolId: number;
  /**
   * Live state in the QuoteField layout (private to the shard; the shard copies
   * it into the shared table at flush). A view of the actor's memory block:
   * copy from it, never transfer its buffer.
   */
  readonly record: Float64Array;

  readonly #m: Float64Array;
  readonly #window: number;
  readonly #alpha: number;
  readonly #volAt: number;
  readonly #graceMs: number;
  readonly #maxTrades: number;
  #closed: BarFields[] = [];
  #rejected = 0;
  #duplicates = 0;
  #droppedTrades = 0;
  #lateTrades = 0;
  #dirty = false;
  #arrivalOpen = true; // true: no tick since the last flush; the next one starts the arrival marker
  #trades: Float64Array;
  #tradeCap: number;
  #tradeHead = 0; // oldest pending trade's slot; nonzero only after overflow wrapped the ring
  #tradeCount = 0;
  #scratch: Float64Array | null = null;

  constructor(opts: TickerActorOptions) {
    const w = opts.indicatorWindow;
    if (!Number.isInteger(w) || w < 2) throw new RangeError(`indicatorWindow must be an integer >= 2, got ${w}`);
    const max = opts.maxPendingTrades ?? 4096;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxPendingTrades must be a positive integer, got ${max}`);
    this.symbolId = opts.symbolId;
    this.#window = w;
    this.#alpha = emaAlpha(w);
    this.#volAt = S.sma + windowFloats(w);
    const m = (this.#m = new Float64Array(this.#volAt + volFloats(w)));
    this.record = m.subarray(0, QUOTE_FIELDS);
    this.record.set(emptyQuoteRecord());
    m[Q.prevClose] = opts.prevClose ?? Number.NaN;
    m[Q.sourceSeq] = opts.lastSourceSeq ?? 0;
    m[S.day] = Number.NaN;
    m[S.ema] = Number.NaN;
    windowClear(m, S.sma);
    volClear(m, this.#volAt);
    this.#graceMs = opts.barCloseGraceMs ?? 0;
    this.#maxTrades = max;
    this.#tradeCap = Math.min(INITIAL_PENDING_TRADES, max);
    this.#trades = new Float64Array(this.#tradeCap * 3);
  }

  /**
   * Restores state from a previously published record (after a shard restart:
   * the shared table survives). The record is copied. seq carries on, so it
   * keeps increasing; the record's prevClose wins over opts.prevClose when
   * known; the record's sourceSeq keeps redelivered ticks deduplicated
   * (opts.lastSourceSeq, when given, overrides it).
   */
  static fromRecord(opts: TickerActorOptions, record: Float64Array): TickerActor {
    if (record.length < QUOTE_FIELDS) throw new RangeError(`quote record has ${record.length} fields, expected ${QUOTE_FIELDS}`);
    const a = new TickerActor(opts);
    const m = a.#m;
    const prev = m[Q.prevClose];
    m.set(record.subarray(0, QUOTE_FIELDS));
    if (!Number.isFinite(m[Q.prevClose])) m[Q.prevClose] = prev;
    for (const f of [Q.volume, Q.trades, Q.barVolume, Q.barTrades, Q.sourceSeq]) if (!(m[f] >= 0)) m[f] = 0;
    if (opts.lastSourceSeq !== undefined) m[Q.sourceSeq] = opts.lastSourceSeq;
    m[S.pv] = m[Q.volume] > 0 && Number.isFinite(m[Q.vwap]) ? m[Q.vwap] * m[Q.volume] : 0;
    m[S.ema] = m[Q.ema];
    const ts = m[Q.eventTs];
    m[S.day] = Number.isFinite(ts) ? Math.floor(ts / DAY_MS) : Number.NaN;
    return a;
  }

  /** True when a tick (or a bar roll) changed the state since the last markFlushed(). */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Ticks refused as invalid or stale (earlier UTC day than the session). */
  get rejected(): number {
    return this.#rejected;
  }

  /** Ticks refused as already applied (sourceSeq not above the last applied one). */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Pending trades overwritten because more than maxPendingTrades arrived between two flushes. */
  get droppedTrades(): number {
    return this.#droppedTrades;
  }

  /** Trades for a minute whose bar had already closed (day stats only). */
  get lateTrades(): number {
    return this.#lateTrades;
  }

  /** Last applied source sequence (0 = none); the same as record[QuoteField.sourceSeq]. */
  get lastSourceSeq(): number {
    return this.#m[Q.sourceSeq];
  }

  get pendingTradeCount(): number {
    return this.#tradeCount;
  }

  /**
   * Trades since the last flush as flat triples [price, size, eventTs, …] in
   * arrival order (length 3 × pendingTradeCount). A view into the actor's
   * buffer: read it before the next apply() or markFlushed().
   */
  get pendingTrades(): Float64Array {
    if (this.#tradeHead !== 0) this.#linearise();
    return this.#trades.subarray(0, this.#tradeCount * 3);
  }

  /** Bars closed since the last flush (usually 0 or 1), oldest first. A new array after each flush that had any. */
  get closedBars(): readonly BarFields[] {
    return this.#closed;
  }

  /**
   * Applies one tick: records[offset + TickField.x]. Returns false, changing
   * nothing but a counter, for a duplicate (`duplicates`) or an invalid or
   * stale tick (`rejected`): unknown kind; non-finite event time; a trade
   * with a non-finite or non-positive price or a negative or non-finite size;
   * a negative or non-finite bid/ask/size; a quote with neither side; bid >
   * ask when both are present; an event time on an earlier UTC day than the
   * session.
   */
  apply(records: Float64Array, offset: number): boolean {
    const m = this.#m;
    const seq = records[offset + T.sourceSeq];
    if (seq > 0 && seq <= m[Q.sourceSeq]) {
      this.#duplicates++;
      return false;
    }
    const kind = records[offset + T.kind];
    const ts = records[offset + T.eventTs];
    const bid = records[offset + T.bid];
    const ask = records[offset + T.ask];
    const bidSize = records[offset + T.bidSize];
    const askSize = records[offset + T.askSize];
    const price = records[offset + T.price];
    const size = records[offset + T.size];
    const isTrade = kind === TickKind.trade;
    if (
      !(isTrade || kind === TickKind.quote) ||
      !Number.isFinite(ts) ||
      !(bid >= 0 && bid < Infinity && ask >= 0 && ask < Infinity) ||
      !(bidSize >= 0 && bidSize < Infinity && askSize >= 0 && askSize < Infinity) ||
      (bid > 0 && ask > 0 && bid > ask) ||
      (isTrade ? !(price > 0 && price < Infinity && size >= 0 && size < Infinity) : !(bid > 0 || ask > 0))
    ) {
      this.#rejected++;
      return false;
    }
    const day = Math.floor(ts / DAY_MS);
    const session = m[S.day];
    if (day < session) {
      this.#rejected++;
      return false;
    }
    if (day > session) this.#rollSession();
    m[S.day] = day;
    if (seq > 0) m[Q.sourceSeq] = seq;

    if (bid > 0) {
      m[Q.bid] = bid;
      m[Q.bidSize] = bidSize;
    }
    if (ask > 0) {
      m[Q.ask] = ask;
      m[Q.askSize] = askSize;
    }
    if (!isTrade || this.#trade(records, offset)) m[Q.eventTs] = ts;

    const arrival = records[offset + T.arrival];
    if (this.#arrivalOpen) {
      m[Q.arrival] = arrival;
      this.#arrivalOpen = false;
    } else if (arrival < m[Q.arrival]) {
      m[Q.arrival] = arrival;
    }
    this.#dirty = true;
    return true;
  }

  /**
   * Ends a flush: seq += 1, record.ts = now; clears dirty, pending trades and
   * closed bars, and restarts the arrival marker. Read pendingTrades and
   * closedBars before calling it. Only call when dirty. Returns the new seq.
   */
  markFlushed(now: number): number {
    const m = this.#m;
    const seq = m[Q.seq] + 1;
    m[Q.seq] = seq;
    m[Q.ts] = now;
    this.#dirty = false;
    this.#arrivalOpen = true;
    this.#tradeCount = 0;
    this.#tradeHead = 0;
    if (this.#closed.length) this.#closed = [];
    return seq;
  }

  /**
   * Closes the open bar if its minute has ended by `now` (server time, plus the
   * grace option), so bars close on time for quiet symbols. Marks dirty if a
   * bar closed. The shard calls it at every flush.
   */
  rollBar(now: number): void {
    if (!barRoll(this.#m, now, this.#graceMs, this.#closed)) return;
    this.#barClosed();
    if (this.#arrivalOpen) this.#m[Q.arrival] = Number.NaN;
    this.#dirty = true;
  }

  /**
   * Applies the validated trade at records[offset]; returns false when it was
   * late (bars, last and indicators untouched). Helpers take (records, offset)
   * rather than unpacked doubles: see the calling convention in indicators.ts.
   */
  #trade(records: Float64Array, offset: number): boolean {
    const m = this.#m;
    const p = offset + T.price;
    const price = records[p];
    const size = records[offset + T.size];
    if (!(m[Q.open] === m[Q.open])) m[Q.open] = price;
    if (!(price <= m[Q.high])) m[Q.high] = price;
    if (!(price >= m[Q.low])) m[Q.low] = price;
    const volume = m[Q.volume] + size;
    m[Q.volume] = volume;
    const pv = (m[S.pv] += price * size);
    m[Q.vwap] = volume > 0 ? pv / volume : Number.NaN;
    m[Q.trades] += 1;
    this.#pushTrade(records, offset);

    const closed = this.#closed.length;
    if (!barAddTrade(m, records, offset, this.#closed)) {
      this.#lateTrades++;
      return false;
    }
    if (this.#closed.length !== closed) this.#barClosed();
    m[Q.last] = price;
    m[Q.lastSize] = size;
    const w = this.#window;
    windowPush(m, S.sma, w, records, p);
    if (m[S.sma + Window.count] === w) m[Q.sma] = m[S.sma + Window.mean];
    emaPush(m, S.ema, this.#alpha, records, p);
    m[Q.ema] = m[S.ema];
    return true;
  }

  /**
   * Feeds the bar just closed (the last of #closed) to the volatility window:
   * once a minute at most, so the BarFields read here is no hot-path cost.
   */
  #barClosed(): void {
    const m = this.#m;
    const bar = this.#closed[this.#closed.length - 1];
    // A bar of an earlier day than the session (still open when the day rolled) would
    // bring the overnight gap into the restarted window.
    if (Math.floor(bar.start / DAY_MS) < m[S.day]) return;
    m[S.barStart] = bar.start;
    m[S.barClose] = bar.close;
    const volAt = this.#volAt;
    volAddBar(m, volAt, this.#window, m, S.barStart, S.barClose);
    const v = m[volAt + Vol.value];
    if (v === v) m[Q.volatility] = v;
  }

  #pushTrade(records: Float64Array, offset: number): void {
    let slot: number;
    if (this.#tradeCount < this.#tradeCap) {
      slot = this.#tradeCount++; // head is 0 whenever the ring is not full
    } else if (this.#tradeCap < this.#maxTrades) {
      this.#grow();
      slot = this.#tradeCount++;
    } else {
      slot = this.#tradeHead; // full at the cap: overwrite the oldest
      this.#tradeHead = slot + 1 === this.#tradeCap ? 0 : slot + 1;
      this.#droppedTrades++;
    }
    const t = this.#trades;
    const i = slot * 3;
    t[i] = records[offset + T.price];
    t[i + 1] = records[offset + T.size];
    t[i + 2] = records[offset + T.eventTs];
  }

  #grow(): void {
    // Only reached below the cap, where the ring never wrapped: head is 0 and the data is in order.
    const cap = Math.min(this.#tradeCap * 2, this.#maxTrades);
    const next = new Float64Array(cap * 3);
    next.set(this.#trades);
    this.#trades = next;
    this.#tradeCap = cap;
  }

  #linearise(): void {
    const t = this.#trades;
    const scratch = (this.#scratch ??= new Float64Array(t.length));
    scratch.set(t);
    const h = this.#tradeHead * 3;
    t.set(scratch.subarray(h), 0);
    t.set(scratch.subarray(0, h), t.length - h);
    this.#tradeHead = 0;
  }

  #rollSession(): void {
    const m = this.#m;
    if (Number.isFinite(m[Q.last])) m[Q.prevClose] = m[Q.last];
    m[Q.open] = Number.NaN;
    m[Q.high] = Number.NaN;
    m[Q.low] = Number.NaN;
    m[Q.volume] = 0;
    m[Q.vwap] = Number.NaN;
    m[Q.trades] = 0;
    m[S.pv] = 0;
    volClear(m, this.#volAt);
  }
}

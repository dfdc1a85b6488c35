import {
  TickField,
  FrameBatchWriter,
  FrameKind,
  QUOTE_FIELDS,
  QuoteField as Q,
  TickKind,
  barFields,
  barMessage,
  encodeFrame,
  quoteMessage,
  type BarFields,
  type Clock,
  type InterestTable,
  type ServerMessage,
  type SymbolDirectory,
  type Trade,
  type Universe,
} from '../core/index.js';
import { TickerActor } from './ticker-actor.js';
import type { ActorTracer } from './actor-tracing.js';
import type { QuoteTable } from './quote-table.js';
import type { AlertEngine } from './alert-engine.js';

export interface ShardOptions {
  readonly shard: number;
  readonly universe: Universe;
  readonly directory: SymbolDirectory;
  readonly table: QuoteTable;
  readonly interest: InterestTable;
  readonly clock: Clock;
  readonly indicatorWindow: number;
  /** Previous close per symbol id (NaN = unknown). */
  readonly prevClose?: Float64Array;
  /** Told about an actor that threw while applying a tick (the shard resumes it). */
  readonly onActorError?: (symbolId: number, err: unknown) => void;
  /** Tracing (absent = off): an `actor.apply` span for each tick that carries a trace slot token. */
  readonly tracing?: ActorTracer;
  /** Told, inside flush(), of each record published (written to the table) in this window; copy it before returning. */
  readonly onPublish?: (symbolId: number, record: Float64Array) => void;
  /** The shard's alert rules, evaluated on every applied trade of a symbol that has some. */
  readonly alerts?: AlertEngine;
  /** Told, once per flush that closed any, about every bar that closed in it (persistence). */
  readonly onBarsClosed?: (bars: ClosedBar[]) => void;
}

/** A final 1-minute bar of one symbol, as the shard hands it to persistence (`bars-closed` to the store, domain/bars.ts). */
export interface ClosedBar extends BarFields {
  readonly symbol: string;
}

export interface ShardStats {
  ticks: number;
  misrouted: number;
  /** Ticks whose actor threw; the actor was resumed (supervision choice: resume). */
  actorErrors: number;
  flushes: number;
  /** Frames the last flush produced (all kinds). */
  lastFlushFrames: number;
}

/**
 * A shard: the ticker actors of the symbols it owns, on one thread, so actors
 * need no locks among themselves. Ticks are applied at once; flush() — called
 * on the shard's timer — conflates: one quote frame per changed symbol, one
 * trades frame with every trade since the last flush, bar frames for the
 * current bar and any bar that closed. Frames are encoded once per wire format
 * somebody subscribed to (InterestTable), and the changed records are written
 * to the shared quote table in one seqlock write section *before* the batch is
 * handed to the gateways, so a snapshot read from the table is never older
 * than a frame already published.
 */
export class Shard {
  readonly index: number;
  readonly stats: ShardStats = { ticks: 0, misrouted: 0, actorErrors: 0, flushes: 0, lastFlushFrames: 0 };
  readonly #o: ShardOptions;
  /** actors[slot]; slot order = directory.symbolsOf[shard]. */
  readonly #actors: TickerActor[] = [];
  readonly #writer = new FrameBatchWriter();

  constructor(o: ShardOptions) {
    this.#o = o;
    this.index = o.shard;
    const ids = o.directory.symbolsOf[o.shard];
    const scratch = new Float64Array(QUOTE_FIELDS);
    this.#actors = Array.from(ids, (id, slot) => this.#spawn(id, slot, scratch));
  }

  #spawn(id: number, slot: number, scratch: Float64Array): TickerActor {
    const o = this.#o;
    const opts = { symbolId: id, indicatorWindow: o.indicatorWindow, prevClose: o.prevClose?.[id] };
    // A restarted shard finds its last published state in the shared table: resume from it so seq keeps increasing.
    o.table.read(slot, scratch);
    return scratch[Q.seq] > 0 ? TickerActor.fromRecord(opts, scratch) : new TickerActor(opts);
  }

  /**
   * Spawns actors for the symbols the directory placed on this shard since
   * (the universe grew). Their slots are fresh, or hold what a previous
   * thread of this shard published for them.
   */
  spawnNew(): number {
    const ids = this.#o.directory.symbolsOf[this.index];
    const scratch = new Float64Array(QUOTE_FIELDS);
    const from = this.#actors.length;
    for (let slot = from; slot < ids.length; slot++) this.#actors.push(this.#spawn(ids[slot], slot, scratch));
    return ids.length - from;
  }

  get actorCount(): number {
    return this.#actors.length;
  }

  /** Applies the tick record at view[offset] (a ring drain callback). */
  apply = (view: Float64Array, offset: number): void => {
    const id = view[offset];
    const d = this.#o.directory;
    if (!(id >= 0 && id < d.size) || d.shardOf[id] !== this.index) {
      this.stats.misrouted++;
      return;
    }
    this.stats.ticks++;
    const tracing = this.#o.tracing;
    // A traced tick (its spare field holds a trace slot token) is applied inside an actor span.
    if (tracing !== undefined && view[offset + TickField.reserved] !== 0) {
      tracing.traced(view, offset, this.index, () => this.#applyTo(id, view, offset));
      return;
    }
    this.#applyTo(id, view, offset);
  };

  #applyTo(id: number, view: Float64Array, offset: number): void {
    const d = this.#o.directory;
    try {
      const a = this.#actors[d.slotOf[id]];
      const alerts = this.#o.alerts;
      if (alerts === undefined || alerts.book(id) === undefined) a.apply(view, offset);
      else this.#applyWatched(alerts, a, id, view, offset);
    } catch (err) {
      // Supervision choice for an actor: resume. One bad tick must not take the
      // other symbols of the shard down; the error is counted and reported.
      this.stats.actorErrors++;
      this.#o.onActorError?.(id, err);
    }
  }

  /** A tick of a symbol with alert rules: apply it, then evaluate the rules on a trade that moved `last`. */
  #applyWatched(alerts: AlertEngine, a: TickerActor, id: number, view: Float64Array, offset: number): void {
    const prev = a.record[Q.last];
    const late = a.lateTrades;
    if (!a.apply(view, offset) || view[offset + TickField.kind] !== TickKind.trade || a.lateTrades !== late) return;
    alerts.onTrade(id, this.#o.universe.symbol(id), prev, view[offset + TickField.price], view[offset + TickField.size], view[offset + TickField.eventTs]);
  }

  /** The actor for a symbol id owned by this shard (tests, debug). */
  actor(symbolId: number): TickerActor {
    return this.#actors[this.#o.directory.slotOf[symbolId]];
  }

  /**
   * Ends one conflation window. Returns one batch buffer per recipient
   * (`copies`); a window with no change still yields an empty batch, so
   * gateways know this shard is done with the window (see gateway/batch-gate.ts).
   */
  flush(copies: number): ArrayBuffer[] {
    const { clock, table, universe } = this.#o;
    const now = clock.now();
    const w = this.#writer;
    const closed: ClosedBar[] = [];
    table.beginWrite();
    try {
      for (let slot = 0; slot < this.#actors.length; slot++) {
        const a = this.#actors[slot];
        a.rollBar(now);
        if (!a.dirty) continue;
        const id = a.symbolId;
        const symbol = universe.symbol(id);
        const ta = a.record[Q.arrival];
        const quoteFormats = this.#formats(id, FrameKind.quote);
        const tradeFormats = this.#formats(id, FrameKind.trades);
        const barFormats = this.#formats(id, FrameKind.bar);
        // Read before markFlushed(), which clears them (it replaces closedBars, so this reference stays intact).
        const trades = tradeFormats ? this.#trades(a) : null;
        const closedBars = a.closedBars;
        const barChanged = a.pendingTradeCount > 0;
        if (closedBars.length && this.#o.onBarsClosed) for (const bar of closedBars) closed.push({ symbol, ...bar });
        const seq = a.markFlushed(now);
        table.writeRecord(slot, a.record);
        this.#o.onPublish?.(id, a.record);
        if (quoteFormats) this.#add(id, FrameKind.quote, seq, quoteFormats, quoteMessage(symbol, a.record, now, ta), ta);
        if (trades && trades.length) this.#add(id, FrameKind.trades, seq, tradeFormats, { type: 'trades', symbol, seq, ts: now, ta, trades }, ta);
        if (!barFormats) continue;
        for (const bar of closedBars) this.#add(id, FrameKind.bar, seq, barFormats, barMessage(symbol, seq, now, bar, true));
        const bar = barChanged ? barFields(a.record) : null;
        if (bar) this.#add(id, FrameKind.bar, seq, barFormats, barMessage(symbol, seq, now, bar, false));
      }
    } finally {
      table.endWrite();
    }
    this.stats.flushes++;
    if (closed.length) this.#o.onBarsClosed!(closed);
    this.stats.lastFlushFrames = w.count;
    return w.finish(this.index, now, copies);
  }

  /** The wire formats any gateway has a subscriber for, for this symbol and kind: JSON | MSGPACK bits, 0 = none. */
  #formats(id: number, kind: FrameKind): number {
    const interest = this.#o.interest;
    return (interest.wants(id, kind, 'json') ? JSON_BIT : 0) | (interest.wants(id, kind, 'msgpack') ? MSGPACK_BIT : 0);
  }

  #trades(a: TickerActor): Trade[] {
    const n = a.pendingTradeCount;
    const t = a.pendingTrades;
    const out: Trade[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { p: t[i * 3], v: t[i * 3 + 1], t: t[i * 3 + 2] };
    return out;
  }

  /** Encodes `m` once per wire format in `formats` and appends it to the batch. */
  #add(id: number, kind: FrameKind, seq: number, formats: number, m: ServerMessage, arrival = Number.NaN): void {
    const json = formats & JSON_BIT ? (encodeFrame('json', m) as string) : null;
    const pack = formats & MSGPACK_BIT ? (encodeFrame('msgpack', m) as Uint8Array) : null;
    this.#writer.add(id, kind, seq, json, pack, arrival);
  }
}

const JSON_BIT = 1;
const MSGPACK_BIT = 2;

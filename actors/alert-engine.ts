import { VOLUME_BASELINE_WINDOWS, type AlertFiring, type AlertRule, type Clock } from '../core/index.js';
import { AlertBook, type LiveRule } from './alert-book.js';

export interface AlertEngineOptions {
  /** Symbol id of a ticker, -1 when not in the universe (such rules are ignored). */
  readonly symbolId: (symbol: string) => number;
  /** Server time: cooldowns and `firedAt`. Windows run on the trades' event time. */
  readonly clock: Clock;
}

export interface AlertEngineStats {
  /** Rules ignored: symbol not in the universe or not owned by this shard. */
  ignored: number;
}

/**
 * The alert rules of one shard's symbols, evaluated inside the shard on every
 * trade (never by polling the database). Single-threaded, like the shard.
 *
 * Cost per trade: symbols without rules pay one array read (`book(id)` is
 * undefined). A symbol's price rules sit in sorted arrays (alert-book.ts), so
 * a trade that fires nothing costs a comparison or two for above/below and a
 * binary search for cross, whatever the number of rules; window rules cost
 * O(1) each (trade-history.ts).
 *
 * Firings queue until takeFirings() (the shard sends them at each flush). A
 * once-only rule leaves the engine when it fires; a re-arming one stays,
 * latched until its condition is false again after the cooldown. Each firing
 * carries fireSeq = the rule's last recorded one + 1, which is what makes a
 * firing recorded at most once however often it is sent (domain/alerts.ts).
 */
export class AlertEngine {
  readonly stats: AlertEngineStats = { ignored: 0 };
  readonly #o: AlertEngineOptions;
  readonly #books: (AlertBook | undefined)[] = [];
  readonly #rules = new Map<string, LiveRule>();
  /** Once-only rules that fired here and are not confirmed recorded: a stale upsert must not revive them. */
  readonly #firedOnce = new Map<string, number>();
  #pending: AlertFiring[] = [];
  readonly #owns: (symbolId: number) => boolean;

  constructor(o: AlertEngineOptions & { readonly owns?: (symbolId: number) => boolean }) {
    this.#o = o;
    this.#owns = o.owns ?? (() => true);
  }

  /** The rules of a symbol, undefined when it has none (the per-trade fast path). */
  book(symbolId: number): AlertBook | undefined {
    return this.#books[symbolId];
  }

  get size(): number {
    return this.#rules.size;
  }

  /** Replaces every rule (the store's `alerts-replace`, on attach). */
  replace(rules: readonly AlertRule[]): void {
    const keep = new Set(rules.map((r) => r.id));
    for (const id of [...this.#rules.keys()]) if (!keep.has(id)) this.remove([id]);
    this.upsert(rules);
  }

  /** Adds rules or replaces them by id (the store's `alerts-upsert`). */
  upsert(rules: readonly AlertRule[]): void {
    for (const r of rules) {
      const firedHere = this.#firedOnce.get(r.id);
      if (firedHere !== undefined && r.fireSeq < firedHere) continue; // still armed in the store only because our firing is in flight
      const id = this.#o.symbolId(r.symbol);
      if (id < 0 || !this.#owns(id)) {
        this.stats.ignored++;
        continue;
      }
      const prev = this.#rules.get(r.id);
      const live = toLive(r, id, prev);
      if (prev) this.#detach(prev);
      this.#rules.set(r.id, live);
      // Keep the array dense (filled up to the highest id): a sparse one falls back to dictionary mode, ~1 µs a lookup.
      while (this.#books.length <= id) this.#books.push(undefined);
      const book = (this.#books[id] ??= new AlertBook());
      book.add(live);
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const live = this.#rules.get(id);
      if (!live) continue;
      this.#detach(live);
    }
  }

  /** The store recorded these firings: forget the once-only guard for them. */
  recorded(firings: readonly { alertId: string; fireSeq: number }[]): void {
    for (const f of firings) if (this.#firedOnce.get(f.alertId) === f.fireSeq) this.#firedOnce.delete(f.alertId);
  }

  /**
   * Evaluates a trade of `symbolId` (call only when book(symbolId) is defined):
   * `prev` is the symbol's last trade price before this one (NaN if none).
   */
  onTrade(symbolId: number, symbol: string, prev: number, price: number, size: number, ts: number): void {
    const book = this.#books[symbolId];
    if (!book) return;
    const before = this.#pending.length;
    book.evaluate(prev, price, size, ts, this.#o.clock, symbol, this.#pending);
    if (this.#pending.length === before) return;
    for (let i = before; i < this.#pending.length; i++) {
      const f = this.#pending[i];
      const live = this.#rules.get(f.alertId);
      if (live && !live.rearm) {
        this.#firedOnce.set(f.alertId, f.fireSeq);
        this.#detach(live);
      }
    }
  }

  /** Firings since the last call, oldest first. */
  takeFirings(): AlertFiring[] {
    const out = this.#pending;
    if (out.length) this.#pending = [];
    return out;
  }

  #detach(live: LiveRule): void {
    this.#rules.delete(live.id);
    const book = this.#books[live.symbolId];
    if (!book) return;
    book.remove(live);
    if (book.size === 0) this.#books[live.symbolId] = undefined;
  }
}

function toLive(r: AlertRule, symbolId: number, prev: LiveRule | undefined): LiveRule {
  const cooldownMs = r.cooldownSec * 1000;
  let fireSeq = r.fireSeq;
  let lastFiredAt = r.lastFiredAt ?? Number.NaN;
  // A re-arming rule that has fired waits for its condition to go false before firing again — across restarts too.
  let latched = r.rearm && r.lastFiredAt !== null;
  if (prev && prev.fireSeq >= r.fireSeq) {
    // Our own firings may be ahead of what the store has recorded: keep counting from them.
    fireSeq = prev.fireSeq;
    lastFiredAt = Math.max(prev.lastFiredAt || 0, lastFiredAt || 0) || Number.NaN;
    latched = r.rearm && prev.latched;
  }
  const windowMs = (r.windowSec ?? 0) * 1000;
  return {
    id: r.id,
    symbolId,
    kind: r.kind,
    level: r.price ?? Number.NaN,
    threshold: r.threshold ?? Number.NaN,
    windowMs,
    spanMs: r.kind === 'volume_spike' ? windowMs * (VOLUME_BASELINE_WINDOWS + 1) : windowMs,
    rearm: r.rearm,
    cooldownMs,
    fireSeq,
    lastFiredAt,
    latched,
  };
}

import type { QuoteFields, QuoteMessage, SnapshotMessage } from './types.js';
import type { StreamClient } from './client.js';

/** One symbol's latest state as the book keeps it. */
export interface LiveQuote extends QuoteFields {
  readonly symbol: string;
  readonly seq: number;
  readonly ts: number;
  readonly name?: string;
  readonly exchange?: string;
  /** `last` before this update (for up/down flashes), null when unknown. */
  readonly prevLast: number | null;
  /** Recent `last` values, oldest first (sparklines). */
  readonly history: readonly number[];
}

export interface QuoteBookOptions {
  /** How many `last` values each symbol keeps for its sparkline. Default 60. */
  readonly historyLength?: number;
  /**
   * Schedules a flush; default requestAnimationFrame in a browser, a 16 ms
   * timer elsewhere. Updates arriving before the flush are conflated per symbol.
   */
  readonly schedule?: (fn: () => void) => void;
}

/**
 * Latest quote per symbol from a StreamClient, delivered to listeners in
 * batches: at most one callback per animation frame, with every symbol that
 * changed since the previous one. However fast quotes arrive, the page does
 * one render pass per frame.
 */
export class QuoteBook {
  readonly #quotes = new Map<string, LiveQuote>();
  readonly #dirty = new Set<string>();
  readonly #listeners = new Set<(changed: ReadonlySet<string>) => void>();
  readonly #historyLength: number;
  readonly #schedule: (fn: () => void) => void;
  #scheduled = false;

  constructor(stream: StreamClient, o: QuoteBookOptions = {}) {
    this.#historyLength = o.historyLength ?? 60;
    const raf = (globalThis as { requestAnimationFrame?: (fn: () => void) => number }).requestAnimationFrame;
    this.#schedule = o.schedule ?? (raf ? (fn) => void raf(fn) : (fn) => void setTimeout(fn, 16));
    stream.on('snapshot', (m) => this.#apply(m));
    stream.on('quote', (m) => this.#apply(m));
  }

  get(symbol: string): LiveQuote | undefined {
    return this.#quotes.get(symbol);
  }

  /** `fn` gets the symbols that changed, once per frame. Returns its unsubscribe. */
  onFlush(fn: (changed: ReadonlySet<string>) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Forgets a symbol (after unsubscribing). */
  forget(symbol: string): void {
    this.#quotes.delete(symbol);
  }

  #apply(m: QuoteMessage | SnapshotMessage): void {
    const prev = this.#quotes.get(m.symbol);
    let history = prev?.history ?? [];
    if (m.last !== null && m.last !== history[history.length - 1]) {
      const next = history.slice(Math.max(0, history.length + 1 - this.#historyLength));
      next.push(m.last);
      history = next;
    }
    const name = m.type === 'snapshot' ? m.name : prev?.name;
    const exchange = m.type === 'snapshot' ? m.exchange : prev?.exchange;
    // The rest is this call's own copy of the message: complete it in place.
    const { type: _type, ...fields } = m as QuoteMessage & { ta?: number; bar?: unknown };
    this.#quotes.set(m.symbol, Object.assign(fields, { name, exchange, prevLast: prev?.last ?? null, history }));
    this.#dirty.add(m.symbol);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#dirty.size === 0) return;
    const changed = new Set(this.#dirty);
    this.#dirty.clear();
    for (const fn of this.#listeners) fn(changed);
  }
}

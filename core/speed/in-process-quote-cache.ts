import { systemClock, type Clock } from '../clock.js';
import { QUOTE_FIELDS } from '../quote-record.js';
import type { QuoteCache, QuoteCacheStats } from './quote-cache.js';

export interface InProcessQuoteCacheOptions {
  readonly ttlMs: number;
  readonly clock?: Clock;
}

/**
 * The QuoteCache in this process's memory: for unit tests and single-node
 * tools. (A single-node server needs no quote cache at all: the shared quote
 * tables already outlive a shard thread, see docs/redis.md.) flush() applies
 * the waiting records at once; entries expire `ttlMs` after their last write
 * on the injected clock.
 */
export class InProcessQuoteCache implements QuoteCache {
  readonly stats: QuoteCacheStats = { puts: 0, written: 0, batches: 0, dropped: 0, failedBatches: 0 };
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Float64Array>();
  readonly #entries = new Map<string, { readonly record: Float64Array; expiresAt: number }>();

  constructor(o: InProcessQuoteCacheOptions) {
    this.#ttlMs = o.ttlMs;
    this.#clock = o.clock ?? systemClock;
  }

  get pending(): number {
    return this.#pending.size;
  }

  put(symbol: string, record: Float64Array): void {
    this.stats.puts++;
    let buf = this.#pending.get(symbol);
    if (buf) this.stats.dropped++;
    else this.#pending.set(symbol, (buf = new Float64Array(QUOTE_FIELDS)));
    buf.set(record.subarray(0, QUOTE_FIELDS));
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const expiresAt = this.#clock.now() + this.#ttlMs;
    for (const [symbol, record] of this.#pending) this.#entries.set(symbol, { record, expiresAt });
    this.stats.written += this.#pending.size;
    this.stats.batches++;
    this.#pending.clear();
  }

  async load(symbols: readonly string[]): Promise<Map<string, Float64Array>> {
    const now = this.#clock.now();
    const out = new Map<string, Float64Array>();
    for (const s of symbols) {
      const e = this.#entries.get(s);
      if (!e) continue;
      if (e.expiresAt <= now) this.#entries.delete(s);
      else out.set(s, e.record.slice());
    }
    return out;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

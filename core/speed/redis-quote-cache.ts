import { BourseError } from '../errors.js';
import { QUOTE_FIELDS } from '../quote-record.js';
import { decodeQuoteHash, encodeQuoteHash, quoteKey, type QuoteCache, type QuoteCacheStats } from './quote-cache.js';
import type { RedisLink } from './redis-connection.js';

export interface RedisQuoteCacheOptions {
  readonly redis: RedisLink;
  /** REDIS_KEY_PREFIX. */
  readonly prefix: string;
  /** QUOTE_CACHE_TTL_S in ms: PEXPIRE after every write. */
  readonly ttlMs: number;
}

/** Symbols per HGETALL pipeline when loading. */
const LOAD_CHUNK = 1000;

/**
 * QuoteCache on Redis: one hash per symbol, `<prefix>quote:<SYM>`, fields as
 * in quote-cache.ts (layout in docs/redis.md). A batch is one pipeline of
 * HSET + PEXPIRE per symbol (not a transaction: each symbol's pair is
 * independent). While the connection is down nothing is sent and records
 * wait, newest per symbol; records of a batch that failed because the
 * connection dropped wait again (unless a newer one already waits); a record
 * Redis itself refused (e.g. WRONGTYPE) is dropped and counted.
 */
export class RedisQuoteCache implements QuoteCache {
  readonly stats: QuoteCacheStats = { puts: 0, written: 0, batches: 0, dropped: 0, failedBatches: 0 };
  /** Last error Redis answered with (for logs on recovery). */
  lastError = '';
  readonly #o: RedisQuoteCacheOptions;
  #pending = new Map<string, Float64Array>();
  /** Record buffers to reuse: a steady writer allocates nothing per put. */
  readonly #spare: Float64Array[] = [];
  #inFlight: Promise<void> | null = null;

  constructor(o: RedisQuoteCacheOptions) {
    this.#o = o;
  }

  get pending(): number {
    return this.#pending.size;
  }

  put(symbol: string, record: Float64Array): void {
    this.stats.puts++;
    let buf = this.#pending.get(symbol);
    if (buf) this.stats.dropped++;
    else this.#pending.set(symbol, (buf = this.#spare.pop() ?? new Float64Array(QUOTE_FIELDS)));
    buf.set(record.subarray(0, QUOTE_FIELDS));
  }

  flush(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#pending.size === 0 || !this.#o.redis.ready) return Promise.resolve();
    const batch = this.#pending;
    this.#pending = new Map();
    this.#inFlight = this.#send(batch).finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  async #send(batch: Map<string, Float64Array>): Promise<void> {
    const { redis, prefix, ttlMs } = this.#o;
    const p = redis.client.pipeline();
    for (const [symbol, record] of batch) {
      const key = quoteKey(prefix, symbol);
      p.hset(key, ...encodeQuoteHash(record));
      p.pexpire(key, ttlMs);
    }
    this.stats.batches++;
    let results: [Error | null, unknown][] | null;
    try {
      results = await p.exec();
    } catch {
      results = null;
    }
    let i = 0;
    let failed = false;
    for (const [symbol, record] of batch) {
      const hset = results?.[i * 2];
      const expire = results?.[i * 2 + 1];
      i++;
      const err = !results ? 'pipeline failed' : hset?.[0] ?? expire?.[0];
      if (!err) {
        this.stats.written++;
        this.#spare.push(record);
        continue;
      }
      failed = true;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (redis.ready) {
        // Redis answered and refused: sending it again would fail again.
        this.stats.dropped++;
        this.#spare.push(record);
      } else if (this.#pending.has(symbol)) {
        this.stats.dropped++; // a newer record already waits
        this.#spare.push(record);
      } else {
        this.#pending.set(symbol, record);
      }
    }
    if (failed) this.stats.failedBatches++;
  }

  async load(symbols: readonly string[]): Promise<Map<string, Float64Array>> {
    const { redis, prefix } = this.#o;
    if (!redis.ready) throw new BourseError('redis_unavailable', 'cannot load cached quotes: Redis is not connected');
    const out = new Map<string, Float64Array>();
    for (let at = 0; at < symbols.length; at += LOAD_CHUNK) {
      const chunk = symbols.slice(at, at + LOAD_CHUNK);
      const p = redis.client.pipeline();
      for (const s of chunk) p.hgetall(quoteKey(prefix, s));
      let results: [Error | null, unknown][] | null;
      try {
        results = await p.exec();
      } catch (err) {
        throw new BourseError('redis_unavailable', `cannot load cached quotes: ${(err as Error).message}`, { cause: err });
      }
      if (!results) throw new BourseError('redis_unavailable', 'cannot load cached quotes: the pipeline was discarded');
      chunk.forEach((s, j) => {
        const [err, hash] = results[j] ?? [null, null];
        if (err) {
          // WRONGTYPE and the like: this entry is unreadable, the others may not be.
          if (!redis.ready) throw new BourseError('redis_unavailable', `cannot load cached quotes: ${err.message}`);
          return;
        }
        const record = decodeQuoteHash(hash as Record<string, string>);
        if (record) out.set(s, record);
      });
    }
    return out;
  }

  async close(): Promise<void> {
    // Up to two rounds: the batch in flight, then what waited behind it.
    for (let i = 0; i < 2 && (this.#inFlight || (this.#pending.size > 0 && this.#o.redis.ready)); i++) await this.flush();
  }
}

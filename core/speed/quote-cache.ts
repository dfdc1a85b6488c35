import { QUOTE_FIELDS, QuoteField } from '../quote-record.js';

export interface QuoteCacheStats {
  /** Records handed to put(). */
  puts: number;
  /** Records the cache acknowledged. */
  written: number;
  /** Batches sent. */
  batches: number;
  /**
   * Records that never reached the cache: replaced by a newer record of the
   * same symbol while waiting (cache unavailable, or a batch in flight), or
   * refused by the cache itself.
   */
  dropped: number;
  /** Batches that failed in part or whole (their records wait for the next batch). */
  failedBatches: number;
}

/**
 * Port: the last published quote of every symbol, shared by every node
 * (Redis) or by one process (in-process), used to warm actors at start.
 *
 * Contract:
 * - One writer per symbol (the shard that owns it). put() keeps the newest
 *   record of a symbol and returns at once; flush() sends everything put since
 *   the last batch as one pipelined batch: at most one write per symbol per
 *   batch, at most one batch in flight (a flush() during one returns that
 *   batch's promise and leaves new records for the next). Neither throws nor
 *   blocks the caller.
 * - When the cache is unavailable records wait, newest per symbol only, so
 *   memory is bounded by the symbols the writer owns; a record replaced before
 *   it was sent is counted as dropped. The first flush() after the cache is
 *   back writes every waiting symbol: quiet symbols are not left stale.
 * - Delivery: at most once per record, last writer wins; entries expire `ttl`
 *   after their last write. Readers see a quote at most one flush plus one
 *   round trip old while the cache is up.
 * - load() returns the cached records of the symbols given (a copy per
 *   symbol); never written, expired or unreadable entries are absent. It
 *   rejects with BourseError `redis_unavailable` when the cache cannot be
 *   reached.
 */
export interface QuoteCache {
  put(symbol: string, record: Float64Array): void;
  flush(): Promise<void>;
  load(symbols: readonly string[]): Promise<Map<string, Float64Array>>;
  readonly stats: Readonly<QuoteCacheStats>;
  /** Records waiting to be written. */
  readonly pending: number;
  /** Writes what waits, if the cache is reachable (a connection stays with whoever opened it). */
  close(): Promise<void>;
}

/** Version of the hash layout below, stored in field `v`; a reader skips entries of another version. */
export const QUOTE_LAYOUT_VERSION = '1';

/**
 * Hash fields of a cached quote: every QuoteField except `arrival` (a
 * tick-to-wire marker that means nothing outside the process that stamped it).
 */
export const QUOTE_HASH_FIELDS: readonly (readonly [name: string, index: number])[] = Object.entries(QuoteField).filter(([name]) => name !== 'arrival');

/** The key of a symbol's cached quote. */
export function quoteKey(prefix: string, symbol: string): string {
  return `${prefix}quote:${symbol}`;
}

/** A record as HSET arguments: `v`, then field/value pairs (NaN as `NaN`). */
export function encodeQuoteHash(record: Float64Array): string[] {
  const out: string[] = ['v', QUOTE_LAYOUT_VERSION];
  for (const [name, i] of QUOTE_HASH_FIELDS) out.push(name, String(record[i]));
  return out;
}

/**
 * A record from a hash read back from the cache (outside input: validated).
 * Null unless it has this layout's version and a positive integer seq; fields
 * missing or not finite numbers read as NaN; `arrival` is NaN.
 */
export function decodeQuoteHash(hash: Readonly<Record<string, string>> | null | undefined): Float64Array | null {
  if (!hash || typeof hash !== 'object' || hash.v !== QUOTE_LAYOUT_VERSION) return null;
  const r = new Float64Array(QUOTE_FIELDS).fill(Number.NaN);
  for (const [name, i] of QUOTE_HASH_FIELDS) {
    const raw = hash[name];
    const n = typeof raw === 'string' && raw !== '' ? Number(raw) : Number.NaN;
    r[i] = Number.isFinite(n) ? n : Number.NaN;
  }
  const seq = r[QuoteField.seq];
  if (!(Number.isInteger(seq) && seq > 0)) return null;
  return r;
}

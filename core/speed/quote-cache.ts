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

/** Bytes of field `rec`: every quote record field as a float64, little-endian, in QuoteField order. */
export const QUOTE_REC_BYTES = QUOTE_FIELDS * 8;

/**
 * Fields written as decimal text beside `rec`, for readers that are not
 * Bourse (`HGET <prefix>quote:AAPL last`). `rec` is what a warm start reads.
 */
export const QUOTE_TEXT_FIELDS = ['seq', 'ts', 'last', 'bid', 'ask', 'volume'] as const satisfies readonly (keyof typeof QuoteField)[];


/** The key of a symbol's cached quote. */
export function quoteKey(prefix: string, symbol: string): string {
  return `${prefix}quote:${symbol}`;
}

/**
 * Writes `record` as the packed `rec` value at `out[offset..offset+224)`:
 * 28 float64 little-endian in QuoteField order, `arrival` (a tick-to-wire
 * marker that means nothing outside the process that stamped it) as NaN.
 */
export function packQuoteRecord(record: Float64Array, out: Buffer, offset = 0): void {
  for (let i = 0; i < QUOTE_FIELDS; i++) out.writeDoubleLE(i === QuoteField.arrival ? Number.NaN : record[i], offset + i * 8);
}

/**
 * The hash of `record` as HSET arguments (field, value, ...), built in
 * JavaScript: what the Redis adapter's write script stores (it formats the
 * text fields itself, to the shortest of 15 or 17 significant digits that
 * reads back exactly). For tests and the bench's baseline.
 */
export function quoteHashArgs(record: Float64Array): (string | Buffer)[] {
  const rec = Buffer.allocUnsafe(QUOTE_REC_BYTES);
  packQuoteRecord(record, rec);
  const out: (string | Buffer)[] = ['v', QUOTE_LAYOUT_VERSION, 'rec', rec];
  for (const name of QUOTE_TEXT_FIELDS) out.push(name, String(record[QuoteField[name]]));
  return out;
}

/**
 * A record from a hash read back from the cache (outside input: validated).
 * Null unless it has this layout's version, a `rec` of the right size and a
 * positive integer seq; fields that are not finite numbers read as NaN
 * (unknown); `arrival` is NaN.
 */
export function decodeQuoteHash(hash: Readonly<Record<string, Buffer | string>> | null | undefined): Float64Array | null {
  if (!hash || typeof hash !== 'object') return null;
  const v = hash.v;
  const rec = hash.rec;
  if (v === undefined || String(v) !== QUOTE_LAYOUT_VERSION || !Buffer.isBuffer(rec) || rec.length !== QUOTE_REC_BYTES) return null;
  const r = new Float64Array(QUOTE_FIELDS);
  for (let i = 0; i < QUOTE_FIELDS; i++) {
    const n = rec.readDoubleLE(i * 8);
    r[i] = Number.isFinite(n) ? n : Number.NaN;
  }
  r[QuoteField.arrival] = Number.NaN;
  const seq = r[QuoteField.seq];
  if (!(Number.isInteger(seq) && seq > 0)) return null;
  return r;
}

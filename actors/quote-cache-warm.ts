import { QUOTE_FIELDS, QuoteField as Q } from '../core/index.js';
import type { QuoteCache } from '../core/speed/index.js';
import type { QuoteTable } from './quote-table.js';

export interface WarmOptions {
  readonly cache: QuoteCache;
  /** Resolves true once the cache can be read, false after `ms` (RedisConnection.waitReady). */
  readonly waitReady: (ms: number) => Promise<boolean>;
  readonly table: QuoteTable;
  /** The shard's symbols in slot order (directory.symbolsOf[shard] mapped to tickers). */
  readonly symbols: readonly string[];
  /**
   * Keep the cached source sequence (redelivery dedupe). Only when ticks come
   * through JetStream, whose sequences are time-based and so keep increasing
   * across processes; the in-process simulator starts again from 1 and its
   * ticks would all be dropped as duplicates.
   */
  readonly keepSourceSeq: boolean;
  /** QUOTE_CACHE_WARM_MS: the whole warm start (connect + read) gets this long; 0 = skip. */
  readonly timeoutMs: number;
}

export interface WarmResult {
  /** Slots written from the cache. */
  readonly warmed: number;
  /** Slots that already held a record (a restarted shard thread): the shared table wins, it is newer. */
  readonly kept: number;
  /** Why the shard starts cold, if it does. */
  readonly cold?: string;
  readonly ms: number;
}

/**
 * Warm start: before a shard builds its actors, write its symbols' last
 * cached quotes into its quote table, so the actors resume from them (seq
 * carries on, day statistics and the current bar survive, see
 * TickerActor.fromRecord) and gateways serve them before the first tick.
 * Bounded by `timeoutMs`: a cache that is unreachable or slow means a cold
 * start, never a shard that does not start. The caller must be the table's
 * only writer (the shard thread, before it serves).
 */
export async function warmQuoteTable(o: WarmOptions): Promise<WarmResult> {
  const started = performance.now();
  const done = (warmed: number, kept: number, cold?: string): WarmResult => ({ warmed, kept, cold, ms: Math.round(performance.now() - started) });
  if (o.timeoutMs <= 0) return done(0, 0, 'QUOTE_CACHE_WARM_MS=0');
  if (!(await o.waitReady(o.timeoutMs))) return done(0, 0, 'redis not reachable in time');
  const left = o.timeoutMs - (performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  let cached: Map<string, Float64Array>;
  try {
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out reading cached quotes')), Math.max(1, left))));
    cached = await Promise.race([o.cache.load(o.symbols), late]);
  } catch (err) {
    return done(0, 0, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
  // Read first (a read inside our own write section would wait for it forever), then one write section.
  const scratch = new Float64Array(QUOTE_FIELDS);
  const writes: [slot: number, record: Float64Array][] = [];
  let kept = 0;
  o.symbols.forEach((symbol, slot) => {
    const record = cached.get(symbol);
    if (!record) return;
    o.table.read(slot, scratch);
    if (scratch[Q.seq] > 0) {
      kept++;
      return;
    }
    record[Q.arrival] = Number.NaN;
    if (!o.keepSourceSeq) record[Q.sourceSeq] = 0;
    writes.push([slot, record]);
  });
  if (writes.length > 0) {
    o.table.beginWrite();
    try {
      for (const [slot, record] of writes) o.table.writeRecord(slot, record);
    } finally {
      o.table.endWrite();
    }
  }
  const warmed = writes.length;
  return done(warmed, kept);
}

import { BourseError } from '../errors.js';
import { QUOTE_FIELDS, QuoteField } from '../quote-record.js';
import { QUOTE_LAYOUT_VERSION, QUOTE_REC_BYTES, QUOTE_TEXT_FIELDS, decodeQuoteHash, packQuoteRecord, quoteKey, type QuoteCache, type QuoteCacheStats } from './quote-cache.js';
import type { RedisLink } from './redis-connection.js';
import { RedisScript } from './redis-script.js';
import { countRedisError } from '../metrics.js';

/**
 * Writes a batch of quote hashes in one round trip and one command.
 * KEYS = the symbols' keys; ARGV[1] = TTL ms; ARGV[2] = their records packed
 * back to back (packQuoteRecord, 224 bytes each). Per key: HSET `v`, `rec`
 * and the text fields (unpacked from `rec` and formatted here), then PEXPIRE.
 * A key Redis refuses (WRONGTYPE: something else owns the name) is skipped,
 * not fatal to the rest; the script returns the 1-based indexes of those keys.
 *
 * Why a script with one packed argument, and not a pipeline of HSET +
 * PEXPIRE per symbol: the client's cost is per command and per argument
 * (docs/benchmarks.md: ~5x less client CPU per record).
 */
export const QUOTE_WRITE_LUA = `
local ttl = ARGV[1]
local blob = ARGV[2]
local size = ${QUOTE_REC_BYTES}
if #blob ~= #KEYS * size then return redis.error_reply('quote batch: ' .. #blob .. ' bytes for ' .. #KEYS .. ' keys') end
local function text(x)
  if x ~= x then return 'NaN' end
  local s = string.format('%.15g', x)
  if tonumber(s) ~= x then s = string.format('%.17g', x) end
  return s
end
local failed = {}
for k = 1, #KEYS do
  local at = (k - 1) * size
  local rec = string.sub(blob, at + 1, at + size)
  local ok = redis.pcall('HSET', KEYS[k], 'v', '${QUOTE_LAYOUT_VERSION}', 'rec', rec${QUOTE_TEXT_FIELDS.map((f) => `,
    '${f}', text(struct.unpack('<d', rec, ${QuoteField[f] * 8 + 1}))`).join('')})
  if type(ok) == 'table' and ok.err then
    failed[#failed + 1] = k
  else
    redis.call('PEXPIRE', KEYS[k], ttl)
  end
end
return failed
`;
const QUOTE_WRITE = new RedisScript(QUOTE_WRITE_LUA);

export interface RedisQuoteCacheOptions {
  readonly redis: RedisLink;
  /** REDIS_KEY_PREFIX. */
  readonly prefix: string;
  /** QUOTE_CACHE_TTL_S in ms: PEXPIRE after every write. */
  readonly ttlMs: number;
}

/** Symbols per write script (bounds how long one script holds Redis) and per HGETALL pipeline. */
const CHUNK = 500;

/**
 * QuoteCache on Redis: one hash per symbol, `<prefix>quote:<SYM>` (layout in
 * quote-cache.ts and docs/redis.md), written by QUOTE_WRITE_LUA, one script
 * call per CHUNK symbols of a batch, all sent at once. While the connection
 * is down nothing is sent and records wait, newest per symbol; records of a
 * call that failed because the connection dropped wait again (unless a newer
 * one already waits); a record Redis itself refused is dropped and counted.
 */
export class RedisQuoteCache implements QuoteCache {
  readonly stats: QuoteCacheStats = { puts: 0, written: 0, batches: 0, dropped: 0, failedBatches: 0 };
  /** Last error Redis answered with. */
  lastError = '';
  readonly #o: RedisQuoteCacheOptions;
  #pending = new Map<string, Float64Array>();
  /** Record buffers to reuse: a steady writer allocates no record per put. */
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
    const batch = [...this.#pending];
    this.#pending = new Map();
    this.stats.batches++;
    const calls: Promise<boolean>[] = [];
    for (let at = 0; at < batch.length; at += CHUNK) calls.push(this.#write(batch.slice(at, at + CHUNK)));
    this.#inFlight = Promise.all(calls).then((ok) => {
      if (ok.includes(false)) this.stats.failedBatches++;
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  /** One script call; true when every record was written. Never rejects. */
  async #write(chunk: [string, Float64Array][]): Promise<boolean> {
    const { redis, prefix, ttlMs } = this.#o;
    const keys: string[] = new Array(chunk.length);
    const blob = Buffer.allocUnsafe(chunk.length * QUOTE_REC_BYTES);
    chunk.forEach(([symbol, record], i) => {
      keys[i] = quoteKey(prefix, symbol);
      packQuoteRecord(record, blob, i * QUOTE_REC_BYTES);
    });
    let refused: Set<number>;
    try {
      const failed = (await QUOTE_WRITE.run(redis.client, keys.length, ...keys, String(ttlMs), blob)) as number[];
      refused = new Set(failed.map((k) => Number(k) - 1));
    } catch (err) {
      this.lastError = (err as Error).message;
      countRedisError('quote_cache');
      // Redis answered with an error (e.g. a script error): sending these again would fail again.
      if (redis.ready && !/timed out/i.test(this.lastError)) return this.#drop(chunk);
      // The connection dropped, or Redis did not answer in time: these wait for the next
      // batch, unless a newer record already does.
      for (const [symbol, record] of chunk) {
        if (this.#pending.has(symbol)) this.#drop([[symbol, record]]);
        else this.#pending.set(symbol, record);
      }
      return false;
    }
    chunk.forEach(([, record], i) => {
      if (refused.has(i)) this.stats.dropped++;
      else this.stats.written++;
      this.#spare.push(record);
    });
    if (refused.size > 0) this.lastError = `Redis refused ${refused.size} quote write(s), e.g. ${keys[[...refused][0]]} (WRONGTYPE?)`;
    return refused.size === 0;
  }

  #drop(records: [string, Float64Array][]): false {
    for (const [, record] of records) {
      this.stats.dropped++;
      this.#spare.push(record);
    }
    return false;
  }

  async load(symbols: readonly string[]): Promise<Map<string, Float64Array>> {
    const { redis, prefix } = this.#o;
    if (!redis.ready) throw new BourseError('redis_unavailable', 'cannot load cached quotes: Redis is not connected');
    const out = new Map<string, Float64Array>();
    for (let at = 0; at < symbols.length; at += CHUNK) {
      const chunk = symbols.slice(at, at + CHUNK);
      const p = redis.client.pipeline();
      for (const s of chunk) p.hgetallBuffer(quoteKey(prefix, s));
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
        const record = decodeQuoteHash(hash as Record<string, Buffer>);
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

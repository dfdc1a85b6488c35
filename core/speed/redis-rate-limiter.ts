import { systemClock, type Clock } from '../clock.js';
import { BourseError } from '../errors.js';
import { checkLimit, slidingWindowDecision, windowAt, type RateLimitResult, type RateLimiter } from './rate-limiter.js';
import type { RedisLink } from './redis-connection.js';
import { RedisScript } from './redis-script.js';
import { countRedisError } from '../metrics.js';

/**
 * One hit, atomically: read the current and previous windows' counters,
 * decide, and count the hit only if allowed. The arithmetic is the same, in
 * the same order, as slidingWindowDecision() in rate-limiter.ts, so the
 * script's verdict and the client's retry-after agree.
 * KEYS[1] current window's counter, KEYS[2] previous window's.
 * ARGV limit, windowMs, elapsed ms into the current window.
 * Returns {allowed 0|1, current before this hit, previous}.
 */
export const SLIDING_WINDOW_LUA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * (window - elapsed) / window + current + 1 > limit then
  return {0, current, previous}
end
local now = redis.call('INCR', KEYS[1])
if now == 1 then redis.call('PEXPIRE', KEYS[1], window * 2) end
return {1, now - 1, previous}
`;
const SLIDING_WINDOW = new RedisScript(SLIDING_WINDOW_LUA);

/** After a failed hit, the next hits go straight to the fallback for this long. */
export const SKIP_AFTER_FAILURE_MS = 1000;

export interface RedisRateLimiterOptions {
  readonly redis: RedisLink;
  /** REDIS_KEY_PREFIX. */
  readonly prefix: string;
  /**
   * Time is injected and passed to the script, so every node must keep its
   * clock in sync (NTP) to within a small fraction of a window.
   */
  readonly clock?: Clock;
  /**
   * Answers while Redis is unreachable or fails (e.g. an InProcessRateLimiter:
   * limits keep holding per thread). Without one, hit() rejects with
   * BourseError `redis_unavailable`.
   */
  readonly fallback?: RateLimiter;
}

export interface RedisRateLimiterStats {
  hits: number;
  refused: number;
  /** Hits answered by the fallback because Redis was unreachable, failed, or failed less than SKIP_AFTER_FAILURE_MS ago. */
  fallbacks: number;
}

/**
 * The sliding-window limiter on Redis: exact across gateway threads and
 * nodes. Keys: `<prefix>rl:{<key>}:<windowMs>:<window index>`, integer
 * counters that expire two windows after their first hit (docs/redis.md).
 * The braces keep a key's two windows in one cluster slot.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly stats: RedisRateLimiterStats = { hits: 0, refused: 0, fallbacks: 0 };
  readonly #o: RedisRateLimiterOptions;
  readonly #clock: Clock;
  #skipUntil = 0;

  constructor(o: RedisRateLimiterOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    checkLimit(limit, windowMs);
    this.stats.hits++;
    const { redis, prefix } = this.#o;
    const now = this.#clock.now();
    if (!redis.ready || now < this.#skipUntil) return this.#fallback(key, limit, windowMs, undefined);
    const { index, elapsed } = windowAt(now, windowMs);
    const base = `${prefix}rl:{${key}}:${windowMs}:`;
    let reply: unknown;
    try {
      reply = await SLIDING_WINDOW.run(redis.client, 2, `${base}${index}`, `${base}${index - 1}`, limit, windowMs, elapsed);
    } catch (err) {
      countRedisError('rate_limit');
      // A failed or slow Redis is not asked again for a while: a hung server must not add
      // the command timeout to every request.
      this.#skipUntil = this.#clock.now() + SKIP_AFTER_FAILURE_MS;
      return this.#fallback(key, limit, windowMs, err);
    }
    const [allowed, current, previous] = reply as [number, number, number];
    const r = slidingWindowDecision(limit, windowMs, elapsed, Number(current), Number(previous));
    if (Boolean(allowed) !== r.allowed) {
      // Cannot happen with the same arithmetic; trust the script (it counted or not).
      return allowed ? { allowed: true, retryAfterMs: 0, remaining: 0 } : { allowed: false, retryAfterMs: 1, remaining: 0 };
    }
    if (!r.allowed) this.stats.refused++;
    return r;
  }

  async close(): Promise<void> {
    await this.#o.fallback?.close();
  }

  async #fallback(key: string, limit: number, windowMs: number, err: unknown): Promise<RateLimitResult> {
    const fb = this.#o.fallback;
    if (!fb) {
      const why = err ? (err as Error).message : this.#o.redis.ready ? 'Redis failed less than a second ago' : 'Redis is not connected';
      throw new BourseError('redis_unavailable', `rate limit: ${why}`, err ? { cause: err } : undefined);
    }
    this.stats.fallbacks++;
    const r = await fb.hit(key, limit, windowMs);
    if (!r.allowed) this.stats.refused++;
    return r;
  }
}

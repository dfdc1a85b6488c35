import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AlertLatch } from './alert-latch.js';
import { InProcessAlertLatch } from './in-process-alert-latch.js';
import { InProcessRateLimiter } from './in-process-rate-limiter.js';
import type { QuoteCache } from './quote-cache.js';
import type { RateLimiter } from './rate-limiter.js';
import { RedisAlertLatch } from './redis-alert-latch.js';
import { RedisConnection } from './redis-connection.js';
import { RedisQuoteCache } from './redis-quote-cache.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** A port opened from the configuration, with the connection it owns (if any). */
export interface Opened<T> {
  readonly port: T;
  /** The thread's Redis connection; undefined for the in-process adapter. */
  readonly redis: RedisConnection | undefined;
  /** Closes the port, then its connection. */
  close(): Promise<void>;
}

/** What a thread tells the factories: its name (the connection's name and logs), logger, clock. */
export interface SpeedDeps {
  readonly name: string;
  readonly log: Logger;
  readonly clock?: Clock;
}

function opened<T extends { close(): Promise<void> }>(port: T, redis: RedisConnection | undefined): Opened<T> {
  return {
    port,
    redis,
    close: async () => {
      await port.close();
      await redis?.close();
    },
  };
}

const connect = (config: Config, d: SpeedDeps): RedisConnection => new RedisConnection({ url: config.redisUrl!, name: d.name, log: d.log });

/**
 * The shard's quote cache: Redis when REDIS_URL is set, else none (a single
 * node's quote tables already are its in-process speed layer).
 */
export function openQuoteCache(config: Config, d: SpeedDeps): Opened<QuoteCache> | undefined {
  if (!config.redisUrl) return undefined;
  const redis = connect(config, d);
  return opened(new RedisQuoteCache({ redis, prefix: config.redisKeyPrefix, ttlMs: config.quoteCacheTtlS * 1000 }), redis);
}

/**
 * The gateway's rate limiter: on Redis (exact across threads and nodes,
 * falling back to an in-process limiter while Redis is away) when REDIS_URL
 * is set, in-process otherwise.
 */
export function openRateLimiter(config: Config, d: SpeedDeps): Opened<RateLimiter> {
  const local = new InProcessRateLimiter({ clock: d.clock });
  if (!config.redisUrl) return opened(local, undefined);
  const redis = connect(config, d);
  return opened(new RedisRateLimiter({ redis, prefix: config.redisKeyPrefix, clock: d.clock, fallback: local }), redis);
}

/**
 * An alert latch: on Redis (once-only across nodes and restarts, until the
 * TTL) when REDIS_URL is set, in-process otherwise. `claim` rejects with
 * `redis_unavailable` while Redis is away (see AlertLatch).
 */
export function openAlertLatch(config: Config, d: SpeedDeps & { readonly ttlMs: number }): Opened<AlertLatch> {
  if (!config.redisUrl) return opened(new InProcessAlertLatch({ ttlMs: d.ttlMs, clock: d.clock }), undefined);
  const redis = connect(config, d);
  return opened(new RedisAlertLatch({ redis, prefix: config.redisKeyPrefix, ttlMs: d.ttlMs, owner: `${process.pid}:${d.name}` }), redis);
}

import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AlertLatch } from './alert-latch.js';
import { InProcessAlertLatch } from './in-process-alert-latch.js';
import { InProcessRateLimiter } from './in-process-rate-limiter.js';
import type { QuoteCache } from './quote-cache.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RedisConnection } from './redis-connection.js';

// The Redis adapters (and ioredis, ~100 ms to load) are imported only when
// REDIS_URL is set, so threads of a server without Redis never load them.
// Import this file directly (not core/speed/index.ts, which loads them all).

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

async function connect(config: Config, d: SpeedDeps): Promise<RedisConnection> {
  const { RedisConnection } = await import('./redis-connection.js');
  return new RedisConnection({ url: config.redisUrl!, name: d.name, log: d.log });
}

/**
 * The shard's quote cache: Redis when REDIS_URL is set, else none (a single
 * node's quote tables already are its in-process speed layer).
 */
export async function openQuoteCache(config: Config, d: SpeedDeps): Promise<Opened<QuoteCache> | undefined> {
  if (!config.redisUrl) return undefined;
  const { RedisQuoteCache } = await import('./redis-quote-cache.js');
  const redis = await connect(config, d);
  return opened(new RedisQuoteCache({ redis, prefix: config.redisKeyPrefix, ttlMs: config.quoteCacheTtlS * 1000 }), redis);
}

/**
 * The gateway's rate limiter: on Redis (exact across threads and nodes,
 * falling back to an in-process limiter while Redis is away) when REDIS_URL
 * is set, in-process otherwise.
 */
export async function openRateLimiter(config: Config, d: SpeedDeps): Promise<Opened<RateLimiter>> {
  const local = new InProcessRateLimiter({ clock: d.clock });
  if (!config.redisUrl) return opened(local, undefined);
  const { RedisRateLimiter } = await import('./redis-rate-limiter.js');
  const redis = await connect(config, d);
  return opened(new RedisRateLimiter({ redis, prefix: config.redisKeyPrefix, clock: d.clock, fallback: local }), redis);
}

/**
 * An alert latch: on Redis (once-only across nodes and restarts, until the
 * TTL) when REDIS_URL is set, in-process otherwise. `claim` rejects with
 * `redis_unavailable` while Redis is away (see AlertLatch).
 */
export async function openAlertLatch(config: Config, d: SpeedDeps & { readonly ttlMs: number }): Promise<Opened<AlertLatch>> {
  if (!config.redisUrl) return opened(new InProcessAlertLatch({ ttlMs: d.ttlMs, clock: d.clock }), undefined);
  const { RedisAlertLatch } = await import('./redis-alert-latch.js');
  const redis = await connect(config, d);
  return opened(new RedisAlertLatch({ redis, prefix: config.redisKeyPrefix, ttlMs: d.ttlMs, owner: `${process.pid}:${d.name}` }), redis);
}

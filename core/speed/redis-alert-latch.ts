import { BourseError } from '../errors.js';
import { checkClaim, latchKey, type AlertLatch } from './alert-latch.js';
import type { RedisLink } from './redis-connection.js';
import { countRedisError } from '../metrics.js';

export interface RedisAlertLatchOptions {
  readonly redis: RedisLink;
  /** REDIS_KEY_PREFIX. */
  readonly prefix: string;
  readonly ttlMs: number;
  /** Stored as the latch's value: who won (a node and thread name), for operators. */
  readonly owner: string;
}

/**
 * The AlertLatch on Redis: `SET <prefix>alert-latch:<alertId>:<fireSeq>
 * <owner> NX PX <ttl>`; OK = this caller won. Once-only across every node
 * sharing the Redis, until the TTL. Rejects with `redis_unavailable` when
 * Redis is not connected or does not answer within the command timeout (the
 * claim may or may not have been taken in the second case).
 */
export class RedisAlertLatch implements AlertLatch {
  readonly #o: RedisAlertLatchOptions;

  constructor(o: RedisAlertLatchOptions) {
    this.#o = o;
  }

  async claim(alertId: string | number, fireSeq: number): Promise<boolean> {
    checkClaim(alertId, fireSeq);
    const { redis, prefix, ttlMs, owner } = this.#o;
    if (!redis.ready) throw new BourseError('redis_unavailable', 'alert latch: Redis is not connected');
    try {
      return (await redis.client.set(latchKey(prefix, alertId, fireSeq), owner, 'PX', ttlMs, 'NX')) === 'OK';
    } catch (err) {
      countRedisError('alert_latch');
      throw new BourseError('redis_unavailable', `alert latch: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {}
}

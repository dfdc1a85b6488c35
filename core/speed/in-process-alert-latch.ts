import { systemClock, type Clock } from '../clock.js';
import { checkClaim, type AlertLatch } from './alert-latch.js';

/**
 * The AlertLatch in this thread's memory, on the injected clock: once-only
 * within one process (the alert engine's thread) and until the TTL. It does
 * not survive a restart: the alerts outbox must carry that (docs/redis.md).
 */
export class InProcessAlertLatch implements AlertLatch {
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #claims = new Map<string, number>(); // key → expiry
  #sweptAt: number;

  constructor(o: { readonly ttlMs: number; readonly clock?: Clock }) {
    this.#ttlMs = o.ttlMs;
    this.#clock = o.clock ?? systemClock;
    this.#sweptAt = this.#clock.now();
  }

  async claim(alertId: string | number, fireSeq: number): Promise<boolean> {
    checkClaim(alertId, fireSeq);
    const now = this.#clock.now();
    if (now - this.#sweptAt >= Math.min(this.#ttlMs, 60_000)) {
      this.#sweptAt = now;
      for (const [k, exp] of this.#claims) if (exp <= now) this.#claims.delete(k);
    }
    const key = `${alertId}:${fireSeq}`;
    const exp = this.#claims.get(key);
    if (exp !== undefined && exp > now) return false;
    this.#claims.set(key, now + this.#ttlMs);
    return true;
  }

  async close(): Promise<void> {
    this.#claims.clear();
  }
}

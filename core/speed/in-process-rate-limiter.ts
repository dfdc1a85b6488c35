import { systemClock, type Clock } from '../clock.js';
import { checkLimit, slidingWindowDecision, windowAt, type RateLimitResult, type RateLimiter } from './rate-limiter.js';

interface Counts {
  index: number;
  current: number;
  previous: number;
  windowMs: number;
}

/** Keys idle this many of their windows are swept. */
const SWEEP_AFTER_WINDOWS = 2;

/**
 * The sliding-window limiter in this thread's memory, on the injected clock:
 * single-node runs, and the fallback of the Redis limiter. With G gateway
 * threads a client can get up to G × limit (its requests spread over threads);
 * the Redis limiter is exact across threads and nodes. Memory: one small
 * entry per key seen in the last two windows (swept at most once a second).
 */
export class InProcessRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #keys = new Map<string, Counts>();
  #sweptAt: number;

  constructor(o: { readonly clock?: Clock } = {}) {
    this.#clock = o.clock ?? systemClock;
    this.#sweptAt = this.#clock.now();
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    return this.hitSync(key, limit, windowMs);
  }

  /** hit() without the promise (benches). */
  hitSync(key: string, limit: number, windowMs: number): RateLimitResult {
    checkLimit(limit, windowMs);
    const now = this.#clock.now();
    if (now - this.#sweptAt >= 1000) this.#sweep(now);
    const { index, elapsed } = windowAt(now, windowMs);
    let c = this.#keys.get(key);
    if (!c || c.windowMs !== windowMs) this.#keys.set(key, (c = { index, current: 0, previous: 0, windowMs }));
    if (c.index !== index) {
      c.previous = c.index === index - 1 ? c.current : 0;
      c.current = 0;
      c.index = index;
    }
    const r = slidingWindowDecision(limit, windowMs, elapsed, c.current, c.previous);
    if (r.allowed) c.current++;
    return r;
  }

  async close(): Promise<void> {
    this.#keys.clear();
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [k, c] of this.#keys) if (Math.floor(now / c.windowMs) - c.index >= SWEEP_AFTER_WINDOWS) this.#keys.delete(k);
  }
}

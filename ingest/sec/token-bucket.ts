import type { Clock } from '../../core/clock.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort?: () => void;
}

/**
 * A token bucket on an injected clock: `ratePerSecond` tokens a second, at
 * most `burst` saved up. take() resolves when a token is available, in call
 * order (FIFO), so concurrent callers share the rate fairly.
 *
 * For the SEC's "no more than 10 requests per second" use burst 1 (the
 * default): requests then start at least 100 ms apart, so no one-second window
 * ever holds more than 10. A larger burst lets a full bucket's worth go at
 * once and then the refill rate follow it, which can put up to 2·burst − 1
 * requests in one second.
 */
export class TokenBucket {
  readonly #clock: Pick<Clock, 'now' | 'after'>;
  readonly #intervalMs: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;
  readonly #waiters: Waiter[] = [];
  #cancelTimer: (() => void) | undefined;

  constructor(ratePerSecond: number, clock: Pick<Clock, 'now' | 'after'>, burst = 1) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer, got ${burst}`);
    this.#clock = clock;
    this.#intervalMs = 1000 / ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#refilledAt = clock.now();
  }

  /** Callers waiting for a token. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once a token is taken; rejects with the signal's reason if aborted first. */
  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    const earned = (now - this.#refilledAt) / this.#intervalMs;
    if (earned <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#refilledAt = now;
  }

  #schedule(): void {
    if (this.#cancelTimer || this.#waiters.length === 0) return;
    const wait = Math.max(0, (1 - this.#tokens) * this.#intervalMs);
    this.#cancelTimer = this.#clock.after(wait, () => {
      this.#cancelTimer = undefined;
      this.#refill();
      // Floating-point crumbs: a token that is 1e-12 short after exactly one interval counts as whole.
      while (this.#waiters.length > 0 && this.#tokens >= 1 - 1e-9) {
        this.#tokens = Math.max(0, this.#tokens - 1);
        const w = this.#waiters.shift()!;
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        w.resolve();
      }
      this.#schedule();
    });
  }
}

/**
 * Time is injected: debounce timers, bar boundaries and deadlines read a Clock,
 * so tests can drive time instead of sleeping.
 */
export interface Clock {
  /** Wall-clock time in ms since the epoch, sub-millisecond precision. */
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms` unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

const origin = performance.timeOrigin;

/** The process clock: performance.now() anchored to the epoch, real timers. */
export const systemClock: Clock = {
  now: () => origin + performance.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

interface Timer {
  at: number;
  readonly every: number; // 0 = one-shot
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 5, 14, 30)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, fn: () => void): () => void {
    return this.#add(ms, ms, fn);
  }

  after(ms: number, fn: () => void): () => void {
    return this.#add(ms, 0, fn);
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers) if (!t.cancelled && t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.#now = next.at;
      if (next.every > 0) next.at += next.every;
      else next.cancelled = true;
      next.fn();
    }
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    this.#now = end;
  }

  #add(ms: number, every: number, fn: () => void): () => void {
    const t: Timer = { at: this.#now + ms, every, fn, cancelled: false };
    this.#timers.push(t);
    return () => {
      t.cancelled = true;
    };
  }
}

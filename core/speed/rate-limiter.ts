/** The answer to one hit. */
export interface RateLimitResult {
  readonly allowed: boolean;
  /** When refused: ms until a hit would be allowed (if no other hit comes first); 0 when allowed. */
  readonly retryAfterMs: number;
  /** Hits still allowed right now after this one (0 when refused). */
  readonly remaining: number;
}

/**
 * Port: a sliding-window rate limit per key (an investor, an IP, an email).
 *
 * Algorithm (the same in every adapter, so they agree to the hit): time is
 * cut into fixed windows of `windowMs` aligned to the epoch; a key counts its
 * hits in the current window and remembers the previous window's count. A hit
 * at `e` ms into the current window sees
 *     used = previous × (windowMs − e) / windowMs + current
 * and is allowed when used + 1 ≤ limit, in which case it counts. This is the
 * sliding window *counter*: two integers per key whatever the limit, exact
 * when the previous window's hits were spread evenly (an approximation of the
 * sliding log otherwise, never letting through more than 2 × limit in any
 * window-long span and usually close to limit). Refused hits do not count.
 *
 * Contract: hit() is atomic per key (the Redis adapter runs one Lua script;
 * the in-process one is single-threaded). It never rejects: an adapter that
 * cannot reach its store answers from a fallback (see RedisRateLimiter).
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** Releases what the limiter holds (a connection stays with whoever opened it). */
  close(): Promise<void>;
}

/**
 * The decision for counts read at `elapsed` ms into the current window
 * (shared by every adapter). `current` and `previous` are counts before this hit.
 */
export function slidingWindowDecision(limit: number, windowMs: number, elapsed: number, current: number, previous: number): RateLimitResult {
  const used = (previous * (windowMs - elapsed)) / windowMs + current;
  if (used + 1 <= limit) return { allowed: true, retryAfterMs: 0, remaining: Math.max(0, Math.floor(limit - used - 1)) };
  let wait: number;
  if (current + 1 > limit) {
    // The current window alone is full: wait into the next one, where it becomes
    // `previous` and must have faded to limit − 1: current × (W − e′)/W ≤ limit − 1.
    const e2 = current > 0 ? windowMs * (1 - (limit - 1) / current) : 0;
    wait = windowMs - elapsed + Math.max(0, e2);
  } else {
    // The previous window's share must fade: previous × (W − e′)/W + current + 1 ≤ limit.
    const e2 = windowMs - ((limit - current - 1) * windowMs) / previous;
    wait = e2 - elapsed;
  }
  // (− 1e-6: float noise such as 239.00000000003 must not round up a whole ms.)
  return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(wait - 1e-6)), remaining: 0 };
}

/** Index of the window holding `now` and how far into it `now` is. */
export function windowAt(now: number, windowMs: number): { readonly index: number; readonly elapsed: number } {
  const index = Math.floor(now / windowMs);
  return { index, elapsed: now - index * windowMs };
}

/** Validates hit() arguments (programming errors, not client input). */
export function checkLimit(limit: number, windowMs: number): void {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!(Number.isInteger(windowMs) && windowMs >= 1)) throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
}

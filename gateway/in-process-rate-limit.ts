/**
 * A fixed-window counter per key in this thread's memory: the fallback when
 * no shared limiter (Redis) is configured. With G gateway threads a client can
 * get up to G × limit per window (connections spread over threads); the Redis
 * limiter is exact across threads and nodes.
 */
export function inProcessRateLimit(now: () => number = Date.now): (key: string, limit: number, windowMs: number) => Promise<{ allowed: boolean; retryAfterMs: number }> {
  const windows = new Map<string, { start: number; count: number }>();
  let sweptAt = now();
  return async (key, limit, windowMs) => {
    const t = now();
    if (t - sweptAt > 60_000) {
      for (const [k, w] of windows) if (t - w.start >= windowMs) windows.delete(k);
      sweptAt = t;
    }
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) windows.set(key, (w = { start: t, count: 0 }));
    if (w.count >= limit) return { allowed: false, retryAfterMs: w.start + windowMs - t };
    w.count++;
    return { allowed: true, retryAfterMs: 0 };
  };
}

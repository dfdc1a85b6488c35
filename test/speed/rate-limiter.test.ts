import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, ThreadMetrics, createLogger, hasCode, setThreadMetrics } from '../../core/index.js';
import { InProcessRateLimiter, RedisConnection, RedisRateLimiter, SKIP_AFTER_FAILURE_MS, slidingWindowDecision, type RateLimiter } from '../../core/speed/index.js';
import { redisSuite, startRedisServer } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const log = createLogger('silent', { thread: 'test' });
const W = 1000;

/** A clock at the start of a window (window index aligned to the epoch). */
const alignedClock = (): ManualClock => new ManualClock(Math.ceil(Date.UTC(2026, 0, 5, 14, 30) / W) * W + 1000 * W);

const redis = redisSuite('test-rl');

const adapters: [string, (clock: ManualClock) => RateLimiter][] = [
  ['in-process', (clock) => new InProcessRateLimiter({ clock })],
  ['redis', (clock) => new RedisRateLimiter({ redis: redis.conn, prefix: `${redis.fx.prefix}${Math.random().toString(36).slice(2)}:`, clock })],
];

for (const [name, make] of adapters) {
  describe(`RateLimiter contract: ${name}`, () => {
    test('a full window refuses the next hit, with the retry-after the sliding window implies', async () => {
      const clock = alignedClock();
      const rl = make(clock);
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await rl.hit('k', 5, W);
        assert.equal(r.allowed, true, `hit ${i + 1}`);
        remaining.push(r.remaining);
      }
      assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
      const refused = await rl.hit('k', 5, W);
      assert.deepEqual(refused, { allowed: false, retryAfterMs: 1200, remaining: 0 });
      // Refused hits do not count: one more refusal says the same.
      assert.equal((await rl.hit('k', 5, W)).retryAfterMs, 1200);
    });

    test('the previous window fades linearly: at 20% into the next window 4 of its 5 hits still count', async () => {
      const clock = alignedClock();
      const rl = make(clock);
      for (let i = 0; i < 5; i++) await rl.hit('k', 5, W);
      clock.advance(1199);
      assert.equal((await rl.hit('k', 5, W)).allowed, false, '1 ms early');
      clock.advance(1);
      const r = await rl.hit('k', 5, W);
      assert.equal(r.allowed, true, 'at retry-after');
      assert.equal(r.remaining, 0);
      const again = await rl.hit('k', 5, W);
      assert.equal(again.allowed, false);
      // used = 5 × (1 − 0.2) + 1 = 5; allowed again once 5 × (W − e)/W + 1 + 1 ≤ 5 → e ≥ 400.
      assert.equal(again.retryAfterMs, 200);
      clock.advance(200);
      assert.equal((await rl.hit('k', 5, W)).allowed, true);
    });

    test('after two quiet windows a key starts fresh; keys and windows do not share counts', async () => {
      const clock = alignedClock();
      const rl = make(clock);
      for (let i = 0; i < 3; i++) await rl.hit('a', 3, W);
      assert.equal((await rl.hit('a', 3, W)).allowed, false);
      assert.equal((await rl.hit('b', 3, W)).allowed, true, 'another key');
      assert.equal((await rl.hit('a', 3, 2 * W)).allowed, true, 'the same key with another window');
      clock.advance(2 * W);
      const r = await rl.hit('a', 3, W);
      assert.deepEqual(r, { allowed: true, retryAfterMs: 0, remaining: 2 });
    });

    test('limit 1: a refused hit waits for the window after next', async () => {
      const clock = alignedClock();
      const rl = make(clock);
      clock.advance(300);
      assert.equal((await rl.hit('one', 1, W)).allowed, true);
      const r = await rl.hit('one', 1, W);
      assert.deepEqual(r, { allowed: false, retryAfterMs: 700 + W, remaining: 0 });
      clock.advance(700 + W - 1);
      assert.equal((await rl.hit('one', 1, W)).allowed, false);
      clock.advance(1);
      assert.equal((await rl.hit('one', 1, W)).allowed, true);
    });
  });
}

test('slidingWindowDecision: retry-after is the earliest time a hit is allowed', () => {
  // Brute force: for random states, stepping the model forward by retryAfterMs − 1 refuses and by retryAfterMs allows.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    const limit = 1 + Math.floor(rnd() * 20);
    const current = Math.floor(rnd() * (limit + 1));
    const previous = Math.floor(rnd() * (2 * limit));
    const elapsed = Math.floor(rnd() * W);
    const r = slidingWindowDecision(limit, W, elapsed, current, previous);
    if (r.allowed) continue;
    const at = (t: number) => {
      const e = elapsed + t;
      if (e < W) return slidingWindowDecision(limit, W, e, current, previous).allowed;
      if (e < 2 * W) return slidingWindowDecision(limit, W, e - W, 0, current).allowed;
      return true;
    };
    assert.equal(at(r.retryAfterMs), true, `allowed after ${r.retryAfterMs} (limit ${limit}, cur ${current}, prev ${previous}, e ${elapsed})`);
    assert.equal(at(r.retryAfterMs - 1), r.retryAfterMs === 1 ? at(0) : false, 'not earlier');
  }
});

test('redis: two limiters (two gateways or nodes) share one count per key, exactly', async () => {
  const clock = alignedClock();
  const prefix = `${redis.fx.prefix}shared:`;
  const a = new RedisRateLimiter({ redis: redis.conn, prefix, clock });
  const b = new RedisRateLimiter({ redis: redis.conn, prefix, clock });
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('investor:1', 25, W)));
  assert.equal(results.filter((r) => r.allowed).length, 25, 'exactly the limit, however the hits interleave');
  const keys = await redis.fx.keys('shared:rl:*');
  assert.equal(keys.length, 1, 'one counter for the current window');
  const ttl = await redis.fx.client.pttl(keys[0]);
  assert.ok(ttl > 0 && ttl <= 2 * W, `counter expires within two windows (${ttl} ms)`);
});

test('redis away: hits fall back to the in-process limiter (counted) or reject with redis_unavailable; Redis back, they go to Redis again', async () => {
  const server = await startRedisServer();
  const c = new RedisConnection({ url: server.url, name: 'test-rl-away', log });
  try {
    assert.ok(await c.waitReady(5000));
    // A fresh server has no scripts: the first hit takes the NOSCRIPT → EVAL path.
    const clock = alignedClock();
    const fallback = new InProcessRateLimiter({ clock });
    const rl = new RedisRateLimiter({ redis: c, prefix: 'p:', clock, fallback });
    const bare = new RedisRateLimiter({ redis: c, prefix: 'p:', clock });
    assert.equal((await rl.hit('k', 2, W)).allowed, true);
    assert.equal(rl.stats.fallbacks, 0);
    await server.kill();
    await until(() => !c.ready, 5000, 'connection seen down');
    assert.equal((await rl.hit('k', 2, W)).allowed, true, 'fallback counts on its own');
    assert.equal((await rl.hit('k', 2, W)).allowed, true);
    assert.equal((await rl.hit('k', 2, W)).allowed, false, 'and still limits');
    assert.equal(rl.stats.fallbacks, 3);
    await assert.rejects(bare.hit('k', 2, W), (err) => hasCode(err, 'redis_unavailable'));
    await server.restart();
    assert.ok(await c.waitReady(5000), 'reconnected');
    assert.equal((await rl.hit('k', 2, W)).allowed, true, 'a fresh Redis: counts start again');
    assert.equal(rl.stats.fallbacks, 3, 'no fallback once Redis is back');
  } finally {
    await c.close();
    await server.stop();
  }
});

test('redis hung (SIGSTOP): a hit asks Redis and fails on the command timeout, then hits skip Redis for SKIP_AFTER_FAILURE_MS on the limiter\'s clock; answering again, Redis is used again', async () => {
  const server = await startRedisServer();
  const c = new RedisConnection({ url: server.url, name: 'test-rl-hung', log });
  // The limiter counts every failed Redis call in this thread's registry: how often it asked Redis and failed.
  const metrics = new ThreadMetrics('t_', 'test');
  setThreadMetrics(metrics);
  const failedCalls = async (): Promise<number> => (await metrics.json()).find((m) => m.name === 't_redis_errors_total')?.values.find((v) => v.labels.operation === 'rate_limit')?.value ?? 0;
  try {
    assert.ok(await c.waitReady(5000));
    const clock = alignedClock();
    const rl = new RedisRateLimiter({ redis: c, prefix: 'h:', clock, fallback: new InProcessRateLimiter({ clock }) });
    assert.equal((await rl.hit('k', 100, W)).allowed, true);
    server.signal('SIGSTOP');
    assert.equal((await rl.hit('k', 100, W)).allowed, true);
    assert.equal(await failedCalls(), 1, 'the first hit asked the hung Redis and gave up on the command timeout');
    for (let i = 0; i < 20; i++) await rl.hit('k', 100, W);
    assert.equal(await failedCalls(), 1, 'later hits within the skip window did not ask Redis');
    assert.equal(rl.stats.fallbacks, 21);
    server.signal('SIGCONT');
    clock.advance(SKIP_AFTER_FAILURE_MS);
    // The reply to the timed-out script may still arrive; the connection stays usable.
    assert.equal((await rl.hit('k', 100, W)).allowed, true);
    assert.equal(rl.stats.fallbacks, 21, 'back on Redis');
    assert.equal(await failedCalls(), 1);
  } finally {
    server.signal('SIGCONT');
    await c.close();
    await server.stop();
  }
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { QuoteMessage } from '../../core/index.js';
import { quoteKey } from '../../core/speed/index.js';
import { redisFixture, startRedisServer } from '../helpers/redis.js';
import { injectTrades, startTestServer, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { Redis } from 'ioredis';

interface Readyz {
  status: string;
  threads: Record<string, string>;
  degraded: string[];
}
const readyz = async (port: number): Promise<{ code: number; body: Readyz }> => {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { code: res.status, body: (await res.json()) as Readyz };
};
const quote = async (port: number, symbol: string): Promise<Record<string, number | string | null>> => (await (await fetch(`http://127.0.0.1:${port}/v1/quotes/${symbol}`)).json()) as Record<string, number>;

test('REDIS_URL set: shards write last quotes to Redis after each flush; a new server starts warm from them before any tick', async () => {
  const fx = await redisFixture();
  const env = { REDIS_URL: fx.url, REDIS_KEY_PREFIX: fx.prefix, QUOTE_CACHE_TTL_S: '600' };
  try {
    const first = await startTestServer(env);
    try {
      const ready = await readyz(first.port);
      assert.equal(ready.code, 200);
      assert.deepEqual(ready.body.degraded, []);
      injectTrades(first, ['AAPL', 'MSFT'], 187.5, 300);
      injectTrades(first, ['AAPL'], 188.25, 200);
      const key = quoteKey(fx.prefix, 'AAPL');
      let hash: Record<string, string> = {};
      await until(async () => (hash = await fx.client.hgetall(key)).last === '188.25', 5000, 'AAPL written to Redis');
      assert.equal(hash.last, '188.25', 'written after the flush');
      assert.equal(hash.volume, '500');
      assert.ok((await fx.client.pttl(key)) > 590_000, 'with the configured TTL');
      assert.equal((await readyz(first.port)).body.threads.redis, 'ready');
      assert.equal((await readyz(first.port)).body.status, 'ready');
    } finally {
      await first.stop();
    }
    const cachedSeq = Number((await fx.client.hgetall(quoteKey(fx.prefix, 'AAPL'))).seq);
    assert.ok(cachedSeq >= 1);

    const second = await startTestServer(env);
    try {
      // No tick yet: REST and the stream's snapshot already serve the cached state.
      const q = await quote(second.port, 'AAPL');
      assert.equal(q.last, 188.25, 'warm before any tick');
      assert.equal(q.volume, 500);
      assert.equal(q.seq, cachedSeq);
      assert.equal((await quote(second.port, 'MSFT')).last, 187.5);
      assert.equal((await quote(second.port, 'NVDA')).seq, 0, 'never traded: nothing cached, nothing published');
      const c = await TestClient.connect(second.port);
      c.send({ op: 'subscribe', symbols: ['AAPL'] });
      const snap = await c.next((m) => m.type === 'snapshot');
      assert.equal((snap as unknown as { last: number }).last, 188.25);
      // The warm actor carries on: seq keeps increasing, the day's volume adds up.
      injectTrades(second, ['AAPL'], 189, 100);
      const live = await c.next<QuoteMessage>((m) => m.type === 'quote' && (m as QuoteMessage).last === 189);
      assert.ok(live.seq > cachedSeq, `seq carries on from ${cachedSeq}: ${live.seq}`); // +1, or +2 when the warm bar closed at a minute boundary first
      assert.equal(live.volume, 600);
      c.close();
    } finally {
      await second.stop();
    }
  } finally {
    await fx.close();
  }
});

/** A request on a fresh TCP connection each time, so requests spread over the gateway threads; `body` is sent as JSON. Resolves with the status. */
function freshRequest(port: number, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data === undefined ? { connection: 'close' } : { connection: 'close', 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('REDIS_URL set: API rate limits are shared by every gateway thread (exact), with keys under the prefix', async () => {
  const fx = await redisFixture();
  try {
    const server = await startTestServer({ REDIS_URL: fx.url, REDIS_KEY_PREFIX: fx.prefix, API_RATE_LIMIT: '5', GATEWAY_THREADS: '2' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) codes.push(await freshRequest(server.port, 'GET', '/v1/bars/AAPL'));
      assert.equal(codes.filter((c) => c === 429).length, 7, `5 of 12 allowed across both gateways: ${codes.join(',')}`);
      assert.ok(codes.slice(0, 5).every((c) => c !== 429));
      const keys = await fx.keys('rl:*');
      assert.equal(keys.length >= 1 && keys.every((k) => k.startsWith(`${fx.prefix}rl:{api:ip:`)), true, keys.join(','));
    } finally {
      await server.stop();
    }
  } finally {
    await fx.close();
  }
});

test('REDIS_URL set: login attempts per email are limited across gateway threads', async () => {
  const fx = await redisFixture();
  try {
    const server = await startTestServer({ REDIS_URL: fx.url, REDIS_KEY_PREFIX: fx.prefix, LOGIN_RATE_LIMIT: '3', GATEWAY_THREADS: '2' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push(await freshRequest(server.port, 'POST', '/v1/auth/login', { email: 'nobody@example.com', password: 'wrong-password-123' }));
      assert.deepEqual(codes, [401, 401, 401, 429, 429, 429], 'three wrong attempts, then limited');
      assert.ok((await fx.keys('rl:{login:email:*')).length >= 1);
    } finally {
      await server.stop();
    }
  } finally {
    await fx.close();
  }
});

test('Redis goes away mid-stream: streaming goes on, /readyz says degraded (still 200), writes wait bounded; Redis back: ready again and the cache catches up', async () => {
  const redis = await startRedisServer();
  const prefix = 'bourse-t-away:';
  const server = await startTestServer({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, API_RATE_LIMIT: '1000' });
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  try {
    await until(async () => (await readyz(server.port)).body.threads.redis === 'ready', 5000, 'redis ready');
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['AAPL'] });
    await c.sync();
    injectTrades(server, ['AAPL'], 100);
    await c.next<QuoteMessage>((m) => m.type === 'quote' && (m as QuoteMessage).last === 100);

    await redis.kill();
    let r = await readyz(server.port);
    await until(async () => (r = await readyz(server.port)).body.status === 'degraded', 5000, () => `degraded (last: ${JSON.stringify(r.body)})`);
    assert.equal(r.code, 200, 'degraded is still ready: Redis is optional');
    assert.deepEqual(r.body.degraded, ['redis']);
    assert.equal(r.body.threads.redis, 'down');

    // Streaming goes on while Redis is away, and REST answers (rate limits fall back in-process).
    for (let i = 1; i <= 20; i++) {
      injectTrades(server, ['AAPL'], 100 + i);
      await c.next<QuoteMessage>((m) => m.type === 'quote' && (m as QuoteMessage).last === 100 + i);
    }
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/v1/bars/AAPL`)).status, 200);
    assert.equal((await quote(server.port, 'AAPL')).last, 120);

    await redis.restart();
    await until(async () => (r = await readyz(server.port)).body.status === 'ready', 10_000, () => `ready again (last: ${JSON.stringify(r.body)})`);
    assert.deepEqual(r.body.degraded, []);
    // The restarted Redis is empty: the quote that changed while it was away is written once it is back, without a new tick.
    await probe.connect();
    let last: string | null = null;
    await until(async () => (last = await probe.hget(quoteKey(prefix, 'AAPL'), 'last')) === '120', 10_000, 'the cached AAPL quote at 120');
    assert.equal(last, '120', 'the cache caught up after the outage');
    injectTrades(server, ['AAPL'], 130);
    await c.next<QuoteMessage>((m) => m.type === 'quote' && (m as QuoteMessage).last === 130);
    c.close();
  } finally {
    probe.disconnect();
    await server.stop();
    await redis.stop();
  }
});

test('Redis unreachable at start: the server starts anyway, cold, serves degraded and streams', async () => {
  const redis = await startRedisServer();
  await redis.kill(); // a port where nothing answers
  // Each shard waits up to QUOTE_CACHE_WARM_MS for Redis, then starts cold.
  const server = await startTestServer({ REDIS_URL: redis.url, QUOTE_CACHE_WARM_MS: '300', API_RATE_LIMIT: '1000' });
  try {
    assert.equal((await quote(server.port, 'MSFT')).seq, 0, 'cold: no quote before the first tick');
    const r = await readyz(server.port);
    assert.equal(r.code, 200);
    assert.equal(r.body.status, 'degraded');
    assert.notEqual(r.body.threads.redis, 'ready');
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['MSFT'] });
    await c.sync();
    injectTrades(server, ['MSFT'], 411);
    await c.next<QuoteMessage>((m) => m.type === 'quote' && (m as QuoteMessage).last === 411);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/v1/bars/MSFT`)).status, 200, 'rate limits fall back in-process');
    c.close();
  } finally {
    await server.stop();
    await redis.stop();
  }
});

test('every thread opens its own named connection, and a graceful stop closes them all', async () => {
  const redis = await startRedisServer();
  const probe = new Redis(redis.url);
  const names = async (): Promise<string[]> =>
    ((await probe.client('LIST')) as string)
      .split('\n')
      .map((l) => /name=(\S*)/.exec(l)?.[1] ?? '')
      .filter((n) => n.startsWith('bourse:'))
      .sort();
  try {
    const server = await startTestServer({ REDIS_URL: redis.url, GATEWAY_THREADS: '2', SHARDS: '2' });
    try {
      await until(async () => (await names()).length >= 5, 5000, 'five named connections');
      assert.deepEqual(await names(), ['bourse:gateway-0', 'bourse:gateway-1', 'bourse:monitor', 'bourse:shard-0', 'bourse:shard-1']);
    } finally {
      await server.stop();
    }
    await until(async () => (await names()).length === 0, 3000, 'every connection closed');
    assert.deepEqual(await names(), [], 'no connection left open');
  } finally {
    probe.disconnect();
    await redis.stop();
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, createLogger, hasCode } from '../../core/index.js';
import { InProcessAlertLatch, RedisAlertLatch, RedisConnection, latchKey, type AlertLatch } from '../../core/speed/index.js';
import { redisSuite, startRedisServer } from '../helpers/redis.js';
import { sleep, until } from '../helpers/wait.js';

const log = createLogger('silent', { thread: 'test' });

const redis = redisSuite('test-latch-1', 'test-latch-2');

const adapters: [string, () => [AlertLatch, AlertLatch]][] = [
  [
    'in-process',
    () => {
      const l = new InProcessAlertLatch({ ttlMs: 60_000 });
      return [l, l]; // one process: one latch shared by its callers
    },
  ],
  [
    'redis',
    () => {
      const prefix = `${redis.fx.prefix}${Math.random().toString(36).slice(2)}:`;
      return [new RedisAlertLatch({ redis: redis.conn, prefix, ttlMs: 60_000, owner: 'node-a' }), new RedisAlertLatch({ redis: redis.connections[1], prefix, ttlMs: 60_000, owner: 'node-b' })];
    },
  ],
];

for (const [name, make] of adapters) {
  describe(`AlertLatch contract: ${name}`, () => {
    test('a firing is claimed once; the next firing of the rule is its own claim', async () => {
      const [a, b] = make();
      assert.equal(await a.claim('alert-1', 1), true);
      assert.equal(await a.claim('alert-1', 1), false, 'same caller again');
      assert.equal(await b.claim('alert-1', 1), false, 'another caller');
      assert.equal(await b.claim('alert-1', 2), true, 're-armed: fireSeq 2');
      assert.equal(await a.claim(77, 1), true, 'numeric ids');
    });

    test('racing claimants: exactly one wins', async () => {
      const [a, b] = make();
      const wins = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim('race', 9)));
      assert.equal(wins.filter(Boolean).length, 1);
    });

    test('bad arguments are programming errors', async () => {
      const [a] = make();
      await assert.rejects(a.claim('', 1), RangeError);
      await assert.rejects(a.claim('x', -1), RangeError);
      await assert.rejects(a.claim('x', 1.5), RangeError);
    });
  });
}

test('redis: the latch is SET NX with a TTL, valued with its owner, and forgotten after the TTL', async () => {
  const prefix = `${redis.fx.prefix}ttl:`;
  const latch = new RedisAlertLatch({ redis: redis.conn, prefix, ttlMs: 150, owner: 'node-a:store' });
  assert.equal(await latch.claim('a1', 3), true);
  const key = latchKey(prefix, 'a1', 3);
  assert.equal(await redis.fx.client.get(key), 'node-a:store');
  const ttl = await redis.fx.client.pttl(key);
  assert.ok(ttl > 0 && ttl <= 150, `TTL ${ttl}`);
  assert.equal(await latch.claim('a1', 3), false);
  await sleep(200);
  assert.equal(await latch.claim('a1', 3), true, 'claimable again after the TTL');
});

test('in-process: forgotten after the TTL on the injected clock', async () => {
  const clock = new ManualClock();
  const latch = new InProcessAlertLatch({ ttlMs: 1000, clock });
  assert.equal(await latch.claim('a', 1), true);
  clock.advance(999);
  assert.equal(await latch.claim('a', 1), false);
  clock.advance(1);
  assert.equal(await latch.claim('a', 1), true);
});

test('redis away: claim rejects with redis_unavailable (the caller decides); back: claims work again', async () => {
  const server = await startRedisServer();
  const c = new RedisConnection({ url: server.url, name: 'test-latch-away', log });
  try {
    assert.ok(await c.waitReady(5000));
    const latch = new RedisAlertLatch({ redis: c, prefix: 'l:', ttlMs: 60_000, owner: 'x' });
    assert.equal(await latch.claim('a', 1), true);
    await server.kill();
    await until(() => !c.ready, 5000, 'connection seen down');
    await assert.rejects(latch.claim('a', 2), (err) => hasCode(err, 'redis_unavailable'));
    await server.restart();
    assert.ok(await c.waitReady(5000));
    assert.equal(await latch.claim('a', 2), true);
  } finally {
    await c.close();
    await server.stop();
  }
});

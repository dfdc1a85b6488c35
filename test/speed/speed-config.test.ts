import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, loadConfig } from '../../core/index.js';
import { InProcessAlertLatch, InProcessRateLimiter, RedisAlertLatch, RedisRateLimiter } from '../../core/speed/index.js';
import { openAlertLatch, openQuoteCache, openRateLimiter } from '../../core/speed/speed-layer.js';
import { REDIS_URL } from '../helpers/redis.js';

const log = createLogger('silent', { thread: 'test' });

test('REDIS_* settings: unset means in-process; the URL is validated and never echoed; the prefix is validated', () => {
  const c = loadConfig({}, 2);
  assert.equal(c.redisUrl, undefined);
  assert.equal(c.redisKeyPrefix, 'bourse:');
  assert.equal(c.quoteCacheTtlS, 4 * 86_400);
  assert.equal(c.quoteCacheWarmMs, 2000);
  assert.equal(loadConfig({ REDIS_URL: 'rediss://u:p@h:6380/2' }, 2).redisUrl, 'rediss://u:p@h:6380/2');
  assert.throws(() => loadConfig({ REDIS_URL: 'http://u:hunter2@h' }, 2), (err: Error) => err.message.startsWith('REDIS_URL=') && !err.message.includes('hunter2'));
  assert.throws(() => loadConfig({ REDIS_KEY_PREFIX: 'has space' }, 2), /REDIS_KEY_PREFIX=/);
  assert.throws(() => loadConfig({ QUOTE_CACHE_TTL_S: '0' }, 2), /QUOTE_CACHE_TTL_S=/);
  assert.throws(() => loadConfig({ QUOTE_CACHE_WARM_MS: '-1' }, 2), /QUOTE_CACHE_WARM_MS=/);
});

test('factories: in-process adapters without REDIS_URL (no connection), Redis ones with it; close() closes the connection', async () => {
  const none = loadConfig({}, 2);
  assert.equal(await openQuoteCache(none, { name: 't', log }), undefined, 'a single node needs no quote cache');
  const rl = await openRateLimiter(none, { name: 't', log });
  assert.ok(rl.port instanceof InProcessRateLimiter);
  assert.equal(rl.redis, undefined);
  const latch = await openAlertLatch(none, { name: 't', log, ttlMs: 1000 });
  assert.ok(latch.port instanceof InProcessAlertLatch);
  await rl.close();
  await latch.close();

  const withRedis = loadConfig({ REDIS_URL }, 2);
  const rrl = await openRateLimiter(withRedis, { name: 't', log });
  const rlatch = await openAlertLatch(withRedis, { name: 't', log, ttlMs: 1000 });
  const cache = (await openQuoteCache(withRedis, { name: 't', log }))!;
  try {
    assert.ok(rrl.port instanceof RedisRateLimiter);
    assert.ok(rlatch.port instanceof RedisAlertLatch);
    for (const o of [rrl, rlatch, cache]) assert.ok(await o.redis!.waitReady(5000));
  } finally {
    for (const o of [rrl, rlatch, cache]) await o.close();
  }
  for (const o of [rrl, rlatch, cache]) assert.equal(o.redis!.state, 'closed');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, QUOTE_FIELDS, QuoteField as Q, createLogger, emptyQuoteRecord, hasCode } from '../../core/index.js';
import { InProcessQuoteCache, QUOTE_REC_BYTES, RedisConnection, RedisQuoteCache, decodeQuoteHash, quoteHashArgs, quoteKey } from '../../core/speed/index.js';
import { redisSuite, startRedisServer } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const log = createLogger('silent', { thread: 'test' });

const redis = redisSuite('test-qc');

function record(seq: number, last: number): Float64Array {
  const r = emptyQuoteRecord();
  r[Q.seq] = seq;
  r[Q.ts] = 1_767_600_000_000 + seq;
  r[Q.last] = last;
  r[Q.lastSize] = 100;
  r[Q.volume] = 100 * seq;
  r[Q.trades] = seq;
  r[Q.arrival] = 123.5;
  r[Q.sourceSeq] = 42;
  return r;
}

test('hash layout: the packed record round-trips (NaN included, arrival dropped), text fields beside it; bad hashes are refused, not thrown', () => {
  const r = record(7, 187.25);
  const args = quoteHashArgs(r);
  const hash: Record<string, string | Buffer> = {};
  for (let i = 0; i < args.length; i += 2) hash[String(args[i])] = args[i + 1];
  assert.deepEqual(Object.keys(hash), ['v', 'rec', 'seq', 'ts', 'last', 'bid', 'ask', 'volume']);
  assert.equal(hash.v, '1');
  assert.equal((hash.rec as Buffer).length, QUOTE_REC_BYTES);
  assert.deepEqual([hash.seq, hash.last, hash.bid, hash.volume], ['7', '187.25', 'NaN', '700'], 'readable without Bourse');
  const back = decodeQuoteHash({ ...hash, v: Buffer.from('1') })!;
  for (let i = 0; i < QUOTE_FIELDS; i++) {
    if (i === Q.arrival) assert.ok(Number.isNaN(back[i]), 'arrival is not cached');
    else assert.ok(Object.is(back[i], r[i]), `field ${i}`);
  }
  assert.equal(decodeQuoteHash(null), null);
  assert.equal(decodeQuoteHash({}), null);
  assert.equal(decodeQuoteHash({ ...hash, v: '2' }), null, 'another layout version');
  assert.equal(decodeQuoteHash({ ...hash, rec: (hash.rec as Buffer).subarray(8) }), null, 'truncated');
  assert.equal(decodeQuoteHash({ ...hash, rec: 'text' }), null);
  const unpublished = Buffer.from(hash.rec as Buffer);
  unpublished.writeDoubleLE(0, Q.seq * 8);
  assert.equal(decodeQuoteHash({ ...hash, rec: unpublished }), null, 'never published');
  const odd = Buffer.from(hash.rec as Buffer);
  odd.writeDoubleLE(Number.POSITIVE_INFINITY, Q.high * 8);
  assert.ok(Number.isNaN(decodeQuoteHash({ ...hash, rec: odd })![Q.high]), 'non-finite numbers read as unknown');
});

test('redis: one round trip per flush, one write per symbol, hashes with a TTL, readable by another client', async () => {
  const prefix = `${redis.fx.prefix}a:`;
  const cache = new RedisQuoteCache({ redis: redis.conn, prefix, ttlMs: 60_000 });
  cache.put('AAPL', record(1, 100));
  cache.put('AAPL', record(2, 101)); // superseded before the flush: dropped and counted
  cache.put('MSFT', record(5, 400));
  assert.equal(cache.pending, 2);
  await cache.flush();
  assert.deepEqual({ ...cache.stats }, { puts: 3, written: 2, batches: 1, dropped: 1, failedBatches: 0 });
  assert.deepEqual(await redis.fx.keys('a:*'), [quoteKey(prefix, 'AAPL'), quoteKey(prefix, 'MSFT')]);
  const hash = await redis.fx.client.hgetall(quoteKey(prefix, 'AAPL'));
  assert.equal(hash.last, '101');
  assert.equal(hash.seq, '2');
  assert.equal(hash.bid, 'NaN');
  assert.equal(hash.ts, String(record(2, 101)[Q.ts]));
  const raw = await redis.fx.client.hgetallBuffer(quoteKey(prefix, 'AAPL'));
  assert.deepEqual(raw.rec, quoteHashArgs(record(2, 101))[3], 'rec is the packed record, byte for byte');
  const ttl = await redis.fx.client.pttl(quoteKey(prefix, 'AAPL'));
  assert.ok(ttl > 55_000 && ttl <= 60_000, `TTL set (${ttl} ms)`);
  // Any reader (another node): load() through a second cache object.
  const reader = new RedisQuoteCache({ redis: redis.conn, prefix, ttlMs: 60_000 });
  const loaded = await reader.load(['AAPL', 'MSFT', 'NVDA']);
  assert.deepEqual([...loaded.keys()].sort(), ['AAPL', 'MSFT'], 'never written: absent');
  assert.equal(loaded.get('MSFT')![Q.last], 400);
  assert.equal(loaded.get('AAPL')![Q.volume], 200);
});

test('redis: the script writes text fields that read back as exactly the same numbers', async () => {
  const prefix = `${redis.fx.prefix}t:`;
  const cache = new RedisQuoteCache({ redis: redis.conn, prefix, ttlMs: 60_000 });
  const values = [187.25, 0.1 + 0.2, 1 / 3, 123456789.123, 1e-7, 5e21, 0];
  values.forEach((v, i) => cache.put(`T${i}`, record(1, v)));
  await cache.flush();
  for (const [i, v] of values.entries()) {
    const last = await redis.fx.client.hget(quoteKey(prefix, `T${i}`), 'last');
    assert.equal(Number(last), v, `${v} as ${last}`);
  }
  assert.equal(await redis.fx.client.hget(quoteKey(prefix, 'T0'), 'last'), '187.25', 'short when short is exact');
});

test('redis: at most one batch in flight; what is put meanwhile goes in the next', async () => {
  const prefix = `${redis.fx.prefix}b:`;
  const cache = new RedisQuoteCache({ redis: redis.conn, prefix, ttlMs: 60_000 });
  for (let i = 0; i < 300; i++) cache.put(`S${i}`, record(1, i));
  const first = cache.flush();
  assert.equal(cache.flush(), first, 'a flush during a batch joins it');
  cache.put('S0', record(2, 999));
  assert.equal(cache.pending, 1);
  await first;
  assert.equal(cache.stats.batches, 1);
  await cache.close();
  assert.equal(cache.stats.batches, 2);
  assert.equal(cache.stats.written, 301);
  assert.equal(cache.stats.dropped, 0);
  assert.equal(await redis.fx.client.hget(quoteKey(prefix, 'S0'), 'last'), '999');
});

test('redis: load skips entries of another shape (outside input) and reads the rest', async () => {
  const prefix = `${redis.fx.prefix}c:`;
  await redis.fx.client.hset(quoteKey(prefix, 'BAD1'), 'v', '9', 'seq', '3');
  await redis.fx.client.set(quoteKey(prefix, 'BAD2'), 'not a hash');
  const cache = new RedisQuoteCache({ redis: redis.conn, prefix, ttlMs: 60_000 });
  cache.put('GOOD', record(3, 10));
  await cache.flush();
  const loaded = await cache.load(['BAD1', 'BAD2', 'GOOD']);
  assert.deepEqual([...loaded.keys()], ['GOOD']);
  // A write Redis refuses (WRONGTYPE) is dropped and counted, not retried forever.
  cache.put('BAD2', record(1, 1));
  cache.put('GOOD', record(4, 11));
  await cache.flush();
  assert.equal(cache.stats.failedBatches, 1);
  assert.equal(cache.stats.dropped, 1);
  assert.equal(cache.pending, 0);
  assert.match(cache.lastError, /refused 1/);
  assert.equal(await redis.fx.client.hget(quoteKey(prefix, 'GOOD'), 'seq'), '4', 'the rest of the batch was written');
});

test('redis away: nothing throws, records wait newest-per-symbol (bounded, superseded ones counted), load rejects; back: one batch catches up', async () => {
  const server = await startRedisServer();
  const c = new RedisConnection({ url: server.url, name: 'test-qc-away', log });
  try {
    assert.ok(await c.waitReady(5000));
    const cache = new RedisQuoteCache({ redis: c, prefix: 'q:', ttlMs: 60_000 });
    cache.put('AAPL', record(1, 100));
    await cache.flush();
    assert.equal(cache.stats.written, 1);
    await server.kill();
    await until(() => !c.ready, 5000, 'connection seen down');
    for (let seq = 2; seq <= 50; seq++) {
      cache.put('AAPL', record(seq, 100 + seq));
      cache.put('MSFT', record(seq, 400 + seq));
      await cache.flush();
    }
    assert.equal(cache.pending, 2, 'one waiting record per symbol, however long Redis is away');
    assert.equal(cache.stats.dropped, 2 * 49 - 2);
    await assert.rejects(cache.load(['AAPL']), (err) => hasCode(err, 'redis_unavailable'));
    await server.restart();
    assert.ok(await c.waitReady(5000), 'reconnected');
    await cache.flush();
    assert.equal(cache.pending, 0);
    const loaded = await cache.load(['AAPL', 'MSFT']);
    assert.equal(loaded.get('AAPL')![Q.last], 150, 'the newest record reached the new Redis');
    assert.equal(loaded.get('MSFT')![Q.seq], 50);
  } finally {
    await c.close();
    await server.stop();
  }
});

test('in-process: same contract, entries expire on the injected clock', async () => {
  const clock = new ManualClock();
  const cache = new InProcessQuoteCache({ ttlMs: 1000, clock });
  cache.put('AAPL', record(1, 100));
  cache.put('AAPL', record(2, 101));
  assert.deepEqual([...(await cache.load(['AAPL'])).keys()], [], 'nothing before a flush');
  await cache.flush();
  assert.deepEqual({ ...cache.stats }, { puts: 2, written: 1, batches: 1, dropped: 1, failedBatches: 0 });
  const got = (await cache.load(['AAPL'])).get('AAPL')!;
  got[Q.last] = -1; // a copy
  assert.equal((await cache.load(['AAPL'])).get('AAPL')![Q.last], 101);
  clock.advance(999);
  assert.equal((await cache.load(['AAPL'])).size, 1);
  clock.advance(1);
  assert.equal((await cache.load(['AAPL'])).size, 0, 'expired');
});

test('redis hung (SIGSTOP): a batch that times out waits for the next one instead of being dropped', async () => {
  const server = await startRedisServer();
  const c = new RedisConnection({ url: server.url, name: 'test-qc-hung', log });
  try {
    assert.ok(await c.waitReady(5000));
    const cache = new RedisQuoteCache({ redis: c, prefix: 'h:', ttlMs: 60_000 });
    cache.put('AAPL', record(1, 100));
    await cache.flush();
    server.signal('SIGSTOP');
    cache.put('AAPL', record(2, 101));
    await cache.flush(); // times out after the command timeout
    assert.equal(cache.stats.failedBatches, 1);
    assert.equal(cache.pending, 1, 'waits again');
    assert.equal(cache.stats.dropped, 0);
    server.signal('SIGCONT');
    await cache.flush();
    assert.equal(cache.stats.written, 2);
    assert.equal((await cache.load(['AAPL'])).get('AAPL')![Q.last], 101);
  } finally {
    server.signal('SIGCONT');
    await c.close();
    await server.stop();
  }
});

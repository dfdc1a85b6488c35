import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisConnection, RedisMonitor, RedisQuoteCache } from '../../core/speed/index.js';
import { createLogger, emptyQuoteRecord, type Logger } from '../../core/index.js';
import { startRedisServer } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

/** A logger that keeps its lines (one JSON line per write). */
function capture(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { log: createLogger('info', { thread: 'test' }, { write: (line) => void lines.push(JSON.parse(line)) }), lines };
}

test('a connection logs once per state change, not per failed write, and recovers by itself', async () => {
  const server = await startRedisServer();
  const { log, lines } = capture();
  const conn = new RedisConnection({ url: server.url, name: 'shard-9', log });
  try {
    assert.ok(await conn.waitReady(5000));
    const cache = new RedisQuoteCache({ redis: conn, prefix: 'x:', ttlMs: 1000 });
    await server.kill();
    await until(() => conn.state === 'down', 5000, 'down');
    const rec = emptyQuoteRecord();
    rec[0] = 1;
    // Many flush windows and reconnect attempts while Redis is away.
    for (let i = 0; i < 100; i++) {
      cache.put('AAPL', rec);
      await cache.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
    await server.restart();
    assert.ok(await conn.waitReady(5000));
    await new Promise((r) => setTimeout(r, 50));
    const msgs = lines.map((l) => l.msg);
    assert.deepEqual(msgs, ['redis connected', 'redis unavailable; degrading until it is back', 'redis back']);
    assert.equal(lines[1].level, 40, 'a warning');
    await cache.flush();
    assert.equal(cache.stats.written, 1, 'the newest record went out once Redis was back');
  } finally {
    await conn.close();
    await server.stop();
  }
});

test('the monitor reports up, down (lost server) and up again; a closed monitor reports nothing more', async () => {
  const server = await startRedisServer();
  const { log } = capture();
  const seen: boolean[] = [];
  const monitor = new RedisMonitor({ url: server.url, log, onChange: (up) => seen.push(up), pingMs: 100 });
  try {
    await until(() => seen.length === 1, 5000, 'first state');
    assert.deepEqual(seen, [true]);
    await server.kill();
    await until(() => seen.length === 2, 5000, 'down');
    await server.restart();
    await until(() => seen.length === 3, 10_000, 'up again');
    assert.deepEqual(seen, [true, false, true]);
    assert.equal(monitor.up, true);
  } finally {
    await monitor.close();
    await server.stop();
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(seen.length, 3);
});

test('the monitor counts a server that stops answering (SIGSTOP) as down, and up when it answers again', async () => {
  const server = await startRedisServer();
  const { log } = capture();
  const seen: boolean[] = [];
  const monitor = new RedisMonitor({ url: server.url, log, onChange: (up) => seen.push(up), pingMs: 100 });
  try {
    await until(() => seen.length === 1, 5000, 'first state');
    server.signal('SIGSTOP');
    await until(() => seen.length === 2, 5000, 'hung server seen down');
    server.signal('SIGCONT');
    await until(() => seen.length === 3, 10_000, 'up again');
    assert.deepEqual(seen, [true, false, true]);
  } finally {
    server.signal('SIGCONT');
    await monitor.close();
    await server.stop();
  }
});

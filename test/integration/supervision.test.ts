import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QuoteMessage, SnapshotMessage } from '../../core/index.js';
import { SymbolDirectory } from '../../core/index.js';
import { injectTrades, startTestServer, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

test('a crashed shard is restarted with its state: seq keeps increasing and clients keep streaming', async () => {
  const server = await startTestServer({ RESTART_BACKOFF_MS: '50' });
  try {
    const directory = new SymbolDirectory(server.universe, 2);
    const symbol = 'AAPL';
    const shard = `shard-${directory.shardOf[server.universe.id(symbol)]}`;
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: [symbol] });
    await c.next((m) => m.type === 'snapshot');
    injectTrades(server, [symbol], 120, 500);
    const before = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.last === 120);

    server.worker(shard)!.postMessage({ type: 'fault' });
    await until(() => server.restarts()[shard] === 1, 5000, 'restart counted');
    await until(() => server.threads()[shard] === 'ready', 5000, 'shard ready again');
    const ready = (await (await fetch(`http://127.0.0.1:${server.port}/readyz`)).json()) as { restarts: Record<string, number> };
    assert.equal(ready.restarts[shard], 1, '/readyz reports the restart');

    injectTrades(server, [symbol], 121, 1);
    const after = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.last === 121);
    assert.equal(after.seq, before.seq + 1, 'the restarted actor resumed from the shared quote table');
    assert.equal(after.volume, before.volume + 1, 'day volume survived the restart');
    assert.equal(c.ws.readyState, c.ws.OPEN, 'the client never noticed');
    c.close();
  } finally {
    await server.stop();
  }
});

test('a crashed gateway closes its sockets, is restarted, and clients reconnect and resume', async () => {
  const server = await startTestServer({ RESTART_BACKOFF_MS: '50', GATEWAY_THREADS: '1' });
  try {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['MSFT'] });
    const snap = await c.next<SnapshotMessage>((m) => m.type === 'snapshot');
    server.worker('gateway-0')!.postMessage({ type: 'fault' });
    const closed = await c.closed;
    assert.equal(closed.code, 1006, 'abrupt close: the thread died');
    await until(() => server.restarts()['gateway-0'] === 1, 5000, 'restart counted');
    await until(() => server.threads()['gateway-0'] === 'ready', 5000, 'gateway ready again');
    const again = await TestClient.connect(server.port);
    again.send({ op: 'resume', seqs: { MSFT: snap.seq } });
    injectTrades(server, ['MSFT'], 333);
    await again.next((m) => m.type === 'quote' && m.last === 333);
    again.close();
  } finally {
    await server.stop();
  }
});

test('graceful stop: clients get 4000 with a jittered reconnect hint, every thread ends', async () => {
  const server = await startTestServer({ RECONNECT_HINT_MS: '3000' });
  const clients = await Promise.all(Array.from({ length: 6 }, () => TestClient.connect(server.port)));
  for (const c of clients) c.send({ op: 'subscribe', symbols: ['AAPL'] });
  await Promise.all(clients.map((c) => c.next((m) => m.type === 'snapshot')));
  const started = Date.now();
  await server.stop();
  assert.ok(Date.now() - started < 5000);
  const closes = await Promise.all(clients.map((c) => c.closed));
  for (const { code, reason } of closes) {
    assert.equal(code, 4000);
    const hint = JSON.parse(reason) as { code: string; retryInMs: number };
    assert.equal(hint.code, 'server_shutdown');
    assert.ok(hint.retryInMs >= 0 && hint.retryInMs < 3000);
  }
  assert.ok(new Set(closes.map((c) => c.reason)).size > 1, 'hints are jittered');
  assert.deepEqual(Object.values(server.threads()), ['down', 'down', 'down', 'down', 'down', 'down'], 'gateways, shards, ingest and store all ended');
});

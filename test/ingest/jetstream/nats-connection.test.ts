import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NatsConnection } from 'nats';
import { TickKind, Universe, type Tick } from '../../../core/index.js';
import { JetStreamPublisher } from '../../../ingest/jetstream/jetstream-publisher.js';
import { JetStreamQuarantineStore } from '../../../ingest/jetstream/jetstream-quarantine-store.js';
import { MarketConsumer } from '../../../ingest/jetstream/market-consumer.js';
import { NatsStatus, backoffDelay, connectNats } from '../../../ingest/jetstream/nats-connection.js';
import { eventually, startNatsServer, testStreams } from '../../helpers/nats.js';
import { tickRecords } from '../../helpers/server.js';
import { FakeShards } from './fake-shards.js';

const universe = new Universe(['AAPL', 'MSFT', 'NVDA'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));

test('backoff is jittered, exponential and capped', () => {
  assert.equal(backoffDelay(0, 100, 5000, () => 0), 100);
  assert.equal(backoffDelay(3, 100, 5000, () => 0.999), 799);
  assert.equal(backoffDelay(20, 100, 5000, () => 0.999), 4995);
  const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 100, 5000)));
  assert.ok(seen.size > 10, 'jitter spreads reconnects');
});

test('NatsStatus reports state changes with the last error', () => {
  const s = new NatsStatus(() => 1000);
  const seen: string[] = [];
  s.onChange((x) => seen.push(`${x.state}:${x.reconnects}`));
  s.update({ state: 'connected' });
  s.update({ state: 'reconnecting', lastError: 'ECONNREFUSED' });
  s.update({ state: 'connected', reconnected: true });
  assert.deepEqual(seen, ['connected:0', 'reconnecting:0', 'connected:1']);
  assert.equal(s.lastError, 'ECONNREFUSED');
});

async function publish(nc: NatsConnection, prefix: string, stream: string, n: number, from: number): Promise<void> {
  const pub = new JetStreamPublisher({ nc, universe, prefix, stream });
  pub.accept(tickRecords(Array.from({ length: n }, (_, i): Partial<Tick> => ({ symbol: i % 3, kind: TickKind.trade, price: from + i, size: 1 }))), n);
  await pub.close(10_000);
  assert.equal(pub.stats.acked, n, pub.stats.lastError);
}

test('a NATS restart is survived: status goes reconnecting then connected, the consumer resumes where it left off', async (t) => {
  const server = await startNatsServer();
  const handle = await connectNats({ servers: server.url, name: 'bourse-test', reconnectMinMs: 50, reconnectMaxMs: 300 });
  const stops: (() => unknown)[] = [() => server.stop(), () => handle.close()];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const states: string[] = [];
  handle.status.onChange((s) => states.push(s.state));
  const jsm = await handle.nc.jetstreamManager();
  const s = await testStreams(jsm);

  await publish(handle.nc, s.prefix, s.market, 100, 100);
  const shards = new FakeShards(1);
  shards.autoDrain(5);
  stops.push(() => shards.stop());
  const quarantine = await JetStreamQuarantineStore.create(handle.nc, { stream: s.quarantine, prefix: s.qprefix });
  const c = new MarketConsumer({ nc: handle.nc, stream: s.market, durable: s.durable, prefix: s.prefix, universe, sink: shards, tracker: shards, quarantine, fetchExpiresMs: 1000 });
  await c.start();
  stops.push(() => c.stop());
  await eventually(() => c.stats.acked === 100, 5000, 'first 100 acked');
  await handle.nc.flush();

  await server.kill();
  await eventually(() => handle.status.state === 'reconnecting', 5000, 'reconnecting');
  await server.restart();
  await eventually(() => handle.status.state === 'connected', 10_000, 'reconnected');
  assert.equal(handle.status.snapshot.reconnects, 1);

  await publish(handle.nc, s.prefix, s.market, 100, 1000);
  await eventually(async () => c.stats.acked >= 200 && (await jsm.consumers.info(s.market, s.durable)).num_ack_pending === 0, 15_000, 'second 100 acked');
  const prices = shards.all().map((x) => x.price);
  assert.equal(new Set(prices).size, 200, 'every tick applied; the first 100 were not redelivered');
  assert.deepEqual(states.slice(0, 2), ['reconnecting', 'connected']);
});

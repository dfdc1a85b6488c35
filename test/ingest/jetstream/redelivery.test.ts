import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickKind, Universe, type Tick } from '../../../core/index.js';
import { JetStreamPublisher } from '../../../ingest/jetstream/jetstream-publisher.js';
import { JetStreamQuarantineStore } from '../../../ingest/jetstream/jetstream-quarantine-store.js';
import { MarketConsumer, type MarketConsumerOptions } from '../../../ingest/jetstream/market-consumer.js';
import { eventually, natsSuite, type TestStreams } from '../../helpers/nats.js';
import { tickRecords } from '../../helpers/server.js';
import { FakeShards } from './fake-shards.js';

const universe = new Universe(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META', 'TSLA'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));

const suite = natsSuite();
const streams = (): Promise<TestStreams> => suite.streams();

async function consumer(s: TestStreams, o: Partial<MarketConsumerOptions> & Pick<MarketConsumerOptions, 'sink' | 'tracker'>): Promise<MarketConsumer> {
  const quarantine = await JetStreamQuarantineStore.create(suite.nats.nc, { stream: s.quarantine, prefix: s.qprefix });
  const c = new MarketConsumer({ nc: suite.nats.nc, stream: s.market, durable: s.durable, prefix: s.prefix, universe, quarantine, ackWaitMs: 1000, ...o });
  await c.start();
  suite.defer(() => c.stop());
  return c;
}

const key = (t: Tick): string => `${t.symbol}:${t.sourceSeq}:${t.price}`;

test('a consumer stopped mid-batch: its successor holds, then gets exactly the unacked messages back, same n, in order', async () => {
  const s = await streams();
  const pub = new JetStreamPublisher({ nc: suite.nats.nc, universe, prefix: s.prefix, stream: s.market });
  pub.accept(tickRecords(Array.from({ length: 300 }, (_, i): Partial<Tick> => ({ symbol: i % 6, kind: TickKind.trade, price: 100 + i, size: 1 }))), 300);
  await pub.close();

  // First run: shard 0 applies (so its messages are acked), shard 1 never does; then it stops without draining.
  const a = new FakeShards(2);
  const first = await consumer(s, { sink: a, tracker: a });
  await eventually(() => first.stats.routed === 300, 5000, 'first run routed all');
  a.drain(0);
  await eventually(() => first.stats.acked === a.applied[0].length, 5000, 'shard 0 acked');
  await first.stop();
  const ackedFirst = new Set(a.applied[0].map(key));
  a.drain(1);
  const unacked = a.applied[1];
  assert.equal((await suite.nats.jsm.consumers.info(s.market, s.durable)).num_ack_pending, unacked.length);

  // Second run on the same durable: it must not race ahead of the redeliveries.
  const b = new FakeShards(2);
  b.autoDrain(5);
  suite.defer(() => b.stop());
  const second = await consumer(s, { sink: b, tracker: b });
  assert.equal(second.holding, true);
  assert.equal(second.stats.holds, 1);
  await eventually(async () => (await suite.nats.jsm.consumers.info(s.market, s.durable)).num_ack_pending === 0, 8000, 'all acked');

  const again = b.all();
  assert.equal(second.stats.redelivered, unacked.length);
  assert.deepEqual(new Set(again.map(key)), new Set(unacked.map(key)), 'the unacked ones came back with the same source seq');
  for (const t of again) assert.ok(!ackedFirst.has(key(t)), 'an acked message was not redelivered');
  assert.deepEqual(b.applied[1].map(key), unacked.map(key), 'in the original order');
});

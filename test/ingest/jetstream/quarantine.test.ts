import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Packr } from 'msgpackr';
import { headers as natsHeaders } from 'nats';
import { TickKind, Universe, type Tick } from '../../../core/index.js';
import { JetStreamPublisher } from '../../../ingest/jetstream/jetstream-publisher.js';
import { JetStreamQuarantineStore } from '../../../ingest/jetstream/jetstream-quarantine-store.js';
import { MarketConsumer, type MarketConsumerOptions } from '../../../ingest/jetstream/market-consumer.js';
import { MemoryQuarantineStore, type QuarantineStore } from '../../../ingest/jetstream/quarantine.js';
import { encodeTick } from '../../../ingest/jetstream/tick-codec.js';
import { eventually, natsSuite, type TestStreams } from '../../helpers/nats.js';
import { tickRecords } from '../../helpers/server.js';
import { FakeShards } from './fake-shards.js';

const universe = new Universe(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'STUCK'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));
const packr = new Packr({ useRecords: false, variableMapSize: true });

const suite = natsSuite();
const streams = (): Promise<TestStreams> => suite.streams();

async function store(s: TestStreams): Promise<JetStreamQuarantineStore> {
  return JetStreamQuarantineStore.create(suite.nats.nc, { stream: s.quarantine, prefix: s.qprefix });
}

async function consumer(s: TestStreams, o: Partial<MarketConsumerOptions> & Pick<MarketConsumerOptions, 'sink' | 'tracker'>): Promise<MarketConsumer> {
  const c = new MarketConsumer({ nc: suite.nats.nc, stream: s.market, durable: s.durable, prefix: s.prefix, universe, quarantine: await store(s), ...o });
  await c.start();
  suite.defer(() => c.stop());
  return c;
}

/** Publishes `n` good trades over AAPL..AMZN through the real publisher. */
async function publishGood(s: TestStreams, n: number, price = 100): Promise<void> {
  const pub = new JetStreamPublisher({ nc: suite.nats.nc, universe, prefix: s.prefix, stream: s.market });
  pub.accept(tickRecords(Array.from({ length: n }, (_, i): Partial<Tick> => ({ symbol: i % 4, kind: TickKind.trade, price: price + i, size: 1 }))), n);
  await pub.close();
  assert.equal(pub.stats.acked, n, pub.stats.lastError);
}

const info = (s: TestStreams) => suite.nats.jsm.consumers.info(s.market, s.durable);
const good = { v: 1, s: 'AAPL', k: 't', p: 190.5, z: 100, t: 1767621000000, n: 1 };

test('poison pills of several kinds are quarantined and terminated while the good ticks behind them flow', async () => {
  const s = await streams();
  const js = suite.nats.nc.jetstream();
  const h = natsHeaders();
  h.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  const poison: [string, Uint8Array, string][] = [
    ['undecodable', Uint8Array.from([0xc1, 0xde, 0xad]), `${s.prefix}.trade.AAPL`],
    ['unknown_version', packr.pack({ ...good, v: 2 }), `${s.prefix}.trade.AAPL`],
    ['invalid_field', packr.pack({ ...good, p: undefined }), `${s.prefix}.trade.AAPL`],
    ['unknown_symbol', packr.pack({ ...good, s: 'ZZZZ' }), `${s.prefix}.trade.ZZZZ`],
    ['subject_mismatch', packr.pack(good), `${s.prefix}.trade.MSFT`],
  ];
  await publishGood(s, 40, 100);
  for (const [, bytes, subject] of poison) {
    await js.publish(subject, bytes, { headers: h });
    await publishGood(s, 40, 1000);
  }
  const shards = new FakeShards(2);
  shards.autoDrain(5);
  suite.defer(() => shards.stop());
  const c = await consumer(s, { sink: shards, tracker: shards });

  await eventually(async () => {
    const ci = await info(s);
    return ci.num_pending === 0 && ci.num_ack_pending === 0;
  }, 10_000, 'everything acked or terminated');
  assert.equal(shards.all().length, 240, 'every good tick applied');
  assert.equal(c.stats.quarantined, 5);

  const entries = await (await store(s)).list();
  assert.deepEqual(entries.map((e) => e.reason).sort(), poison.map(([r]) => r).sort());
  for (const e of entries) {
    const [, bytes, subject] = poison.find(([r]) => r === e.reason)!;
    assert.equal(e.subject, subject);
    assert.deepEqual([...e.payload], [...bytes]);
    assert.equal(e.deliveryCount, 1);
    assert.ok(e.streamSeq > 0);
    assert.ok(e.detail.length > 0);
    assert.deepEqual(e.headers, [['traceparent', h.get('traceparent')]]);
  }
});

test('a message never applied is redelivered up to max-deliver, then quarantined as max_deliveries; the rest flows', async () => {
  const s = await streams();
  const stuck = universe.id('STUCK');
  // STUCK has shard 1 to itself, so only it (and ticks behind it there) wait.
  const shards = new FakeShards(2, (id) => (id === stuck ? 1 : 0));
  shards.stallAt = (t) => t.symbol === stuck;
  shards.autoDrain(5);
  suite.defer(() => shards.stop());
  await publishGood(s, 20);
  const pub = new JetStreamPublisher({ nc: suite.nats.nc, universe, prefix: s.prefix, stream: s.market });
  pub.accept(tickRecords([{ symbol: stuck, kind: TickKind.trade, price: 777, size: 1 }]), 1);
  await pub.close();
  await publishGood(s, 20);
  const c = await consumer(s, { sink: shards, tracker: shards, ackWaitMs: 1000, maxDeliver: 3 });

  await eventually(() => shards.applied[0].length === 40, 5000, 'good ticks applied');
  await eventually(() => c.stats.quarantined === 1, 10_000, 'quarantined at max-deliver');
  const [e] = await (await store(s)).list();
  assert.equal(e.reason, 'max_deliveries');
  assert.equal(e.deliveryCount, 3);
  assert.equal(e.subject, `${s.prefix}.trade.STUCK`);
  assert.equal(c.stats.redelivered, 2);
  await eventually(async () => (await info(s)).num_ack_pending === 0, 5000, 'terminated');
});

test('JetStream quarantine store: list, show, replay into MARKET (consumed again), purge one and all', async () => {
  const s = await streams();
  const q = await store(s);
  const tick = encodeTick(tickRecords([{ symbol: 1, kind: TickKind.trade, price: 420, size: 3, sourceSeq: 77 }]), 0, 'MSFT');
  const subject = `${s.prefix}.trade.MSFT`;
  const headers: [string, string][] = [['traceparent', 'tp-1'], ['X-Feed', 'sim']];
  const ids = [
    await q.add({ subject, reason: 'undecodable', detail: 'first', deliveryCount: 1, streamSeq: 11, headers: [], payload: Uint8Array.from([1, 2]) }),
    await q.add({ subject, reason: 'max_deliveries', detail: 'second\r\nline', deliveryCount: 5, streamSeq: 12, headers, payload: tick }),
    await q.add({ subject, reason: 'unknown_symbol', detail: 'third', deliveryCount: 1, streamSeq: 13, headers: [], payload: Uint8Array.from([3]) }),
  ];
  assert.deepEqual((await q.list()).map((e) => e.id), ids);
  assert.deepEqual((await q.list({ afterId: ids[0], limit: 1 })).map((e) => e.id), [ids[1]]);
  const shown = await q.show(ids[1]);
  assert.ok(shown);
  assert.equal(shown.reason, 'max_deliveries');
  assert.equal(shown.detail, 'second line');
  assert.equal(shown.deliveryCount, 5);
  assert.equal(shown.streamSeq, 12);
  assert.deepEqual(shown.headers, headers);
  assert.deepEqual([...shown.payload], [...tick]);
  assert.ok(shown.quarantinedAt > Date.now() - 60_000);

  const shards = new FakeShards(1);
  shards.autoDrain(5);
  suite.defer(() => shards.stop());
  const c = await consumer(s, { sink: shards, tracker: shards });
  assert.equal(await q.replay(ids[1]), true);
  await eventually(() => shards.all().length === 1, 5000, 'replayed tick applied');
  assert.deepEqual([shards.all()[0].price, shards.all()[0].sourceSeq], [420, 77]);
  const inMarket = await suite.nats.jsm.streams.getMessage(s.market, { last_by_subj: subject });
  assert.equal(inMarket.header.get('traceparent'), 'tp-1');
  assert.equal(await q.show(ids[1]), undefined);
  assert.equal(await q.replay(ids[1]), false);
  assert.equal(c.stats.quarantined, 0);

  assert.equal(await q.purge(ids[0]), 1);
  assert.equal(await q.purge(ids[0]), 0);
  assert.deepEqual((await q.list()).map((e) => e.id), [ids[2]]);
  assert.equal(await q.purge(), 1);
  assert.deepEqual(await q.list(), []);
});

test('in-process quarantine store keeps the same contract', async () => {
  const replayed: [string, number[], (readonly [string, string])[]][] = [];
  const q: QuarantineStore = new MemoryQuarantineStore(async (subject, payload, headers) => void replayed.push([subject, [...payload], [...headers]]));
  const a = await q.add({ subject: 'md.trade.AAPL', reason: 'invalid_field', detail: 'p', deliveryCount: 1, streamSeq: 1, headers: [['k', 'v']], payload: Uint8Array.from([9]) });
  const b = await q.add({ subject: 'md.quote.AAPL', reason: 'undecodable', detail: 'x', deliveryCount: 1, streamSeq: 2, headers: [], payload: Uint8Array.from([8]) });
  assert.deepEqual((await q.list()).map((e) => e.id), [a, b]);
  assert.deepEqual((await q.list({ afterId: a })).map((e) => e.id), [b]);
  assert.equal((await q.show(a))?.reason, 'invalid_field');
  assert.equal(await q.replay(a), true);
  assert.deepEqual(replayed, [['md.trade.AAPL', [9], [['k', 'v']]]]);
  assert.equal(await q.replay(a), false);
  assert.equal(await q.purge(), 1);
  assert.deepEqual(await q.list(), []);
});

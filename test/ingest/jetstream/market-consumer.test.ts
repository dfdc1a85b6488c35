import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nanos } from 'nats';
import { SymbolDirectory, TickField, TickKind, Universe, systemClock, type Tick } from '../../../core/index.js';
import { TickRing } from '../../../actors/tick-ring.js';
import { TickRouter } from '../../../ingest/tick-router.js';
import { RingAppliedTracker } from '../../../ingest/jetstream/applied-tracker.js';
import { JetStreamPublisher } from '../../../ingest/jetstream/jetstream-publisher.js';
import { JetStreamQuarantineStore } from '../../../ingest/jetstream/jetstream-quarantine-store.js';
import { MarketConsumer, ensureMarketConsumer, type MarketConsumerOptions } from '../../../ingest/jetstream/market-consumer.js';
import { eventually, natsSuite, type TestStreams } from '../../helpers/nats.js';
import { sleep, tickRecords } from '../../helpers/server.js';
import { FakeShards } from './fake-shards.js';

const universe = new Universe([...Array.from({ length: 49 }, (_, i) => `S${i}`), 'BRK.B'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));

const suite = natsSuite();
const streams = (): Promise<TestStreams> => suite.streams();

/** Publishes `n` ticks round-robin over the universe (trades and quotes alternating, price rising with i). */
async function publish(s: TestStreams, n: number): Promise<void> {
  const pub = new JetStreamPublisher({ nc: suite.nats.nc, universe, prefix: s.prefix, stream: s.market });
  const ticks: Partial<Tick>[] = Array.from({ length: n }, (_, i) => ({
    symbol: i % universe.size,
    kind: i % 3 === 0 ? TickKind.quote : TickKind.trade,
    price: 100 + i / 1000,
    size: 10,
    bid: 99,
    ask: 101,
    bidSize: 5,
    askSize: 5,
  }));
  pub.accept(tickRecords(ticks), n);
  await pub.close(10_000);
  assert.equal(pub.stats.acked, n, pub.stats.lastError);
}

async function consumer(s: TestStreams, o: Partial<MarketConsumerOptions> & Pick<MarketConsumerOptions, 'sink' | 'tracker'>): Promise<MarketConsumer> {
  const quarantine = await JetStreamQuarantineStore.create(suite.nats.nc, { stream: s.quarantine, prefix: s.qprefix });
  const c = new MarketConsumer({ nc: suite.nats.nc, stream: s.market, durable: s.durable, prefix: s.prefix, universe, quarantine, ...o });
  await c.start();
  suite.defer(() => c.stop());
  return c;
}

const info = (s: TestStreams) => suite.nats.jsm.consumers.info(s.market, s.durable);

/** Per symbol, the source seqs must strictly increase in application order. */
function assertPerSymbolOrder(ticks: readonly Tick[]): void {
  const last = new Map<number, number>();
  for (const t of ticks) {
    assert.ok(t.sourceSeq > (last.get(t.symbol) ?? 0), `symbol ${t.symbol}: seq ${t.sourceSeq} after ${last.get(t.symbol)}`);
    last.set(t.symbol, t.sourceSeq);
  }
}

test('5,000 ticks reach the sink in per-symbol order and are acked only after their shard applied them', async () => {
  const s = await streams();
  await publish(s, 5000);
  const shards = new FakeShards(2);
  const c = await consumer(s, { sink: shards, tracker: shards, maxUnacked: 8192, batch: 1000 });

  await eventually(() => c.stats.routed === 5000, 10_000, 'all ticks routed');
  await sleep(50); // several ack sweeps
  let ci = await info(s);
  assert.equal(c.stats.acked, 0);
  assert.equal(ci.num_ack_pending, 5000, 'nothing acked while the shards have not applied');
  assert.equal(ci.ack_floor.stream_seq, 0);

  shards.drain();
  await eventually(async () => (await info(s)).num_ack_pending === 0, 10_000, 'all acked');
  ci = await info(s);
  assert.equal(ci.num_pending, 0);
  assert.equal(ci.ack_floor.stream_seq, 5000);
  assert.equal(c.stats.acked, 5000);
  const all = shards.all();
  assert.equal(all.length, 5000);
  assertPerSymbolOrder(shards.applied[0]);
  assertPerSymbolOrder(shards.applied[1]);
  assert.equal(new Set(all.map((t) => `${t.symbol}:${t.sourceSeq}`)).size, 5000);
  const brk = all.filter((t) => t.symbol === universe.id('BRK.B'));
  assert.equal(brk.length, 100, 'a dotted ticker travels as BRK_B and comes back');
  assert.equal(c.stats.positionMismatches, 0);
});

test('with the real TickRouter and a small TickRing, ticks deferred to the router backlog are acked only once drained', async () => {
  const s = await streams();
  await publish(s, 3000);
  const directory = new SymbolDirectory(universe, 1);
  const ring = new TickRing(TickRing.allocate(256));
  const router = new TickRouter(directory, [ring], systemClock);
  // One shard, so the router's total backlog is that shard's.
  const tracker = new RingAppliedTracker(directory.shardOf, [ring], () => router.backlog);
  const applied: number[] = [];
  const shard = setInterval(() => {
    router.flushBacklog();
    ring.drain((v, o) => void applied.push(v[o + TickField.sourceSeq]), 200);
  }, 2);
  suite.defer(() => clearInterval(shard));
  const c = await consumer(s, { sink: router, tracker, batch: 500 });

  await eventually(async () => c.stats.acked === 3000 && (await info(s)).num_ack_pending === 0, 15_000, 'all acked');
  assert.ok(router.stats.deferred > 0, 'the ring filled and the router deferred');
  assert.equal(router.stats.dropped, 0);
  assert.equal(applied.length, 3000);
  assert.ok(ring.stats.drained >= 3000);
  assert.equal(c.stats.positionMismatches, 0);
});

test('flow control: fetching stops at maxUnacked while shards are behind, and resumes as they catch up', async () => {
  const s = await streams();
  await publish(s, 2000);
  const shards = new FakeShards(2);
  const c = await consumer(s, { sink: shards, tracker: shards, maxUnacked: 400, batch: 100 });

  await eventually(() => c.stats.routed >= 400, 5000, '400 routed');
  await sleep(300);
  assert.ok(c.stats.routed <= 400, `routed ${c.stats.routed} > maxUnacked`);
  assert.ok(c.stats.paused > 0);
  assert.ok((await info(s)).num_ack_pending <= 400);

  shards.autoDrain(5);
  suite.defer(() => shards.stop());
  await eventually(async () => (await info(s)).num_ack_pending === 0 && c.stats.acked === 2000, 15_000, 'all acked');
  assert.equal(shards.all().length, 2000);
  assertPerSymbolOrder(shards.all());
});

test('ensureMarketConsumer creates the durable, leaves it alone when unchanged, updates ack-wait and max-deliver in place', async () => {
  const s = await streams();
  const o = { stream: s.market, durable: s.durable, ackWaitMs: 5000, maxDeliver: 4, maxUnacked: 1000, deliverFrom: 'all' as const };
  assert.equal(await ensureMarketConsumer(suite.nats.jsm, o), 'created');
  assert.equal(await ensureMarketConsumer(suite.nats.jsm, o), 'unchanged');
  assert.equal(await ensureMarketConsumer(suite.nats.jsm, { ...o, ackWaitMs: 7000, maxDeliver: 6 }), 'updated');
  const c = (await info(s)).config;
  assert.deepEqual([c.ack_wait, c.max_deliver, c.max_ack_pending, c.ack_policy], [nanos(7000), 6, 2000, 'explicit']);
});

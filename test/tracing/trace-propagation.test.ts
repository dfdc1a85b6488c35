import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InterestTable, ManualClock, SymbolDirectory, TickField, TickKind, TraceSlots, Universe, publishTraceHeaders, systemClock, type Tick } from '../../core/index.js';
import { ActorTracer } from '../../actors/actor-tracing.js';
import { QuoteTable } from '../../actors/quote-table.js';
import { Shard } from '../../actors/shard.js';
import { TickRing } from '../../actors/tick-ring.js';
import { RingAppliedTracker } from '../../ingest/jetstream/applied-tracker.js';
import { JetStreamPublisher } from '../../ingest/jetstream/jetstream-publisher.js';
import { JetStreamQuarantineStore } from '../../ingest/jetstream/jetstream-quarantine-store.js';
import { MarketConsumer } from '../../ingest/jetstream/market-consumer.js';
import { TickRouter } from '../../ingest/tick-router.js';
import { eventually, natsSuite } from '../helpers/nats.js';
import { tickRecords } from '../helpers/server.js';

const universe = new Universe(['AAPL', 'MSFT', 'NVDA', 'SPY'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));
const suite = natsSuite();

/** One tracer provider with an in-memory exporter: what every "thread" below exports into. */
function memoryTracer(sampleEvery?: number) {
  const exporter = new InMemorySpanExporter();
  let n = 0;
  // Roots: every sampleEvery-th is sampled; children follow their parent (as with parentbased_traceidratio).
  const sampler = sampleEvery
    ? new ParentBasedSampler({ root: { shouldSample: () => ({ decision: n++ % sampleEvery === 0 ? 2 : 0 }), toString: () => 'every-nth' } })
    : undefined;
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) });
  return { exporter, tracer: provider.getTracer('test'), provider };
}

/**
 * The whole tick path in this process, each part as the server wires it:
 * publisher (with trace headers) → MARKET → consumer (process spans, trace
 * slots) → router → one ring per shard → Shard.apply (actor spans).
 */
async function pipeline(tracer: ReturnType<typeof memoryTracer>['tracer'], withTracing = true) {
  const s = await suite.streams();
  const shards = 2;
  const directory = new SymbolDirectory(universe, shards);
  const rings = Array.from({ length: shards }, () => new TickRing(TickRing.allocate(1024)));
  const router = new TickRouter(directory, rings, systemClock);
  const slots = new TraceSlots(TraceSlots.allocate(64));
  const quarantine = await JetStreamQuarantineStore.create(suite.nats.nc, { stream: s.quarantine, prefix: s.qprefix });
  const consumer = new MarketConsumer({
    nc: suite.nats.nc,
    stream: s.market,
    durable: s.durable,
    prefix: s.prefix,
    universe,
    sink: router,
    tracker: new RingAppliedTracker(directory.shardOf, rings, (x) => router.backlogOf(x)),
    quarantine,
    tracer: withTracing ? tracer : undefined,
    traceSlots: withTracing ? slots : undefined,
  });
  await consumer.start();
  suite.defer(() => consumer.stop());
  const interest = new InterestTable(InterestTable.allocate(1, universe.size), 1, universe.size);
  const shardList = directory.symbolsOf.map(
    (ids, i) =>
      new Shard({
        shard: i,
        universe,
        directory,
        table: new QuoteTable(QuoteTable.allocate(ids.length)),
        interest,
        clock: new ManualClock(),
        indicatorWindow: 5,
        tracing: withTracing ? new ActorTracer(tracer, slots, universe) : undefined,
      }),
  );
  const publisher = new JetStreamPublisher({
    nc: suite.nats.nc,
    universe,
    prefix: s.prefix,
    stream: s.market,
    headers: withTracing ? publishTraceHeaders(tracer) : undefined,
  });
  /** The trace slot token of every record the shards applied (0 = not traced), in drain order. */
  const tokens: number[] = [];
  /** Drains every ring into its shard (what each shard thread's pump does). */
  const drain = () =>
    rings.forEach((r, i) =>
      r.drain((view, offset) => {
        tokens.push(view[offset + TickField.reserved]);
        shardList[i].apply(view, offset);
      }),
    );
  return { s, publisher, consumer, drain, shards: shardList, directory, slots, tokens };
}

const trades = (ticks: Partial<Tick>[]) => tickRecords(ticks.map((t) => ({ kind: TickKind.trade, price: 100, size: 10, ...t })));

test('trace spans link publish → ingest (process) → actor (apply) in one trace per tick, across NATS headers and the tick ring', async () => {
  const { exporter, tracer } = memoryTracer();
  const p = await pipeline(tracer);
  const ids = [0, 1, 2, 3];
  p.publisher.accept(trades(ids.map((symbol) => ({ symbol }))), ids.length);
  await p.publisher.close();
  const applied = () => p.shards.reduce((a, s) => a + s.stats.ticks, 0);
  await eventually(() => {
    p.drain();
    return applied() === ids.length && p.consumer.stats.acked === ids.length;
  }, 10_000, 'every tick applied and acked');

  const spans = exporter.getFinishedSpans();
  const byName = (prefix: string) => spans.filter((x) => x.name.startsWith(prefix));
  const publishes = byName('publish ');
  const processes = byName('process ');
  const applies = byName('actor.apply');
  assert.equal(publishes.length, 4);
  assert.equal(processes.length, 4);
  assert.equal(applies.length, 4);
  const parentOf = (x: ReadableSpan) => x.parentSpanContext?.spanId;
  for (const symbol of universe.companies.map((c) => c.symbol)) {
    const pub = publishes.find((x) => x.attributes['bourse.symbol'] === symbol)!;
    assert.equal(pub.kind, SpanKind.PRODUCER);
    assert.equal(pub.name, `publish ${p.s.prefix}.trade.${symbol}`);
    const traceId = pub.spanContext().traceId;
    const proc = processes.find((x) => x.spanContext().traceId === traceId);
    assert.ok(proc, `a process span in ${symbol}'s trace`);
    assert.equal(proc.kind, SpanKind.CONSUMER);
    assert.equal(parentOf(proc), pub.spanContext().spanId, 'process is a child of publish (traceparent header)');
    assert.equal(proc.attributes['messaging.destination.name'], `${p.s.prefix}.trade.${symbol}`);
    const apply = applies.find((x) => x.spanContext().traceId === traceId);
    assert.ok(apply, `an actor span in ${symbol}'s trace`);
    assert.equal(parentOf(apply), proc.spanContext().spanId, 'apply is a child of process (trace slot through the ring)');
    assert.equal(apply.attributes['bourse.symbol'], symbol);
    assert.equal(apply.attributes['bourse.shard'], p.directory.shardOf[universe.id(symbol)]);
  }
});

test('unsampled publishes stay unsampled downstream: no process or actor spans, and no trace slot is used', async () => {
  const { exporter, tracer } = memoryTracer(2); // every other root is sampled
  const p = await pipeline(tracer);
  p.publisher.accept(trades([0, 1, 2, 3].map((symbol) => ({ symbol }))), 4);
  await p.publisher.close();
  await eventually(() => {
    p.drain();
    return p.tokens.length === 4 && p.consumer.stats.acked === 4;
  }, 10_000, 'every tick applied and acked');
  const spans = exporter.getFinishedSpans();
  const publishes = spans.filter((x) => x.name.startsWith('publish '));
  assert.equal(publishes.length, 2, 'half the roots sampled');
  const traces = new Set(publishes.map((x) => x.spanContext().traceId));
  const rest = spans.filter((x) => !x.name.startsWith('publish '));
  assert.equal(rest.length, 4, 'a process and an apply span per sampled tick only');
  assert.ok(rest.every((x) => traces.has(x.spanContext().traceId)));
  // Slots: the two sampled ticks took tokens 1 and 2 and hold their own traces; nothing was put after them.
  assert.deepEqual(p.tokens.filter((t) => t !== 0).sort((a, b) => a - b), [1, 2], 'the unsampled ticks carry no token');
  for (const token of [1, 2]) assert.ok(traces.has(p.slots.get(token)?.traceId ?? ''), `slot ${token} holds a sampled trace`);
  assert.equal(p.slots.get(3), undefined, 'no third slot was put');
});

test('tracing off: no spans, no headers, the tick records carry no trace token', async () => {
  const { exporter, tracer } = memoryTracer();
  const p = await pipeline(tracer, false);
  p.publisher.accept(trades([{ symbol: 0 }, { symbol: 1 }]), 2);
  await p.publisher.close();
  await eventually(() => {
    p.drain();
    return p.tokens.length === 2 && p.consumer.stats.acked === 2;
  }, 10_000, 'every tick applied and acked');
  assert.equal(exporter.getFinishedSpans().length, 0);
  assert.deepEqual(p.tokens, [0, 0], 'no trace token in the applied records');
  const msg = await suite.nats.jsm.streams.getMessage(p.s.market, { seq: 1 });
  assert.equal(msg.header?.get('traceparent') ?? '', '');
});

test('TraceSlots: a token reads back its context until its slot is reused, then reads nothing', () => {
  const sab = TraceSlots.allocate(4);
  const slots = new TraceSlots(sab);
  const ctx = (n: number) => ({ traceId: n.toString(16).padStart(32, 'a'), spanId: n.toString(16).padStart(16, 'b'), traceFlags: 1 });
  const t1 = slots.put(ctx(1));
  assert.deepEqual(slots.get(t1), { ...ctx(1), isRemote: true });
  for (let i = 2; i <= 4; i++) slots.put(ctx(i));
  assert.equal(slots.get(t1)?.traceId, ctx(1).traceId);
  const t5 = slots.put(ctx(5)); // wraps onto t1's slot
  assert.equal(slots.get(t1), undefined);
  assert.equal(slots.get(t5)?.spanId, ctx(5).spanId);
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) assert.equal(slots.get(bad), undefined);
  // Another view of the same memory (as a shard thread has) reads the same.
  assert.deepEqual(new TraceSlots(sab).get(t5), slots.get(t5));
  assert.throws(() => new TraceSlots(new SharedArrayBuffer(16)), RangeError);
});

import type { Tracer } from '@opentelemetry/api';
import {
  ThreadState,
  publishTraceHeaders,
  systemClock,
  type TraceSlots,
  type Config,
  type Logger,
  type SymbolDirectory,
  type ThreadStatus,
  type TickSink,
  type Universe,
} from '../core/index.js';
import type { TickRing } from '../actors/tick-ring.js';
import {
  JetStreamPublisher,
  JetStreamQuarantineStore,
  MarketConsumer,
  RingAppliedTracker,
  connectNats,
  ensureStreams,
  type MarketStreamsConfig,
  type NatsHandle,
  type NatsState,
  type QuarantineStore,
} from './jetstream/index.js';
import type { TickRouter } from './tick-router.js';
import type { RpcClient } from '../core/rpc.js';
import { MirroredQuarantineStore } from './jetstream/mirrored-quarantine-store.js';
import { storeOffsets, storeQuarantineMirror } from './store-link.js';

export interface JetStreamPipelineOptions {
  readonly config: Config;
  readonly universe: Universe;
  readonly directory: SymbolDirectory;
  readonly router: TickRouter;
  /** The same ring instances the router pushes into (their counters tell what shards applied). */
  readonly rings: readonly TickRing[];
  readonly status: ThreadStatus;
  readonly log: Logger;
  /** Name of this connection as the NATS server shows it. */
  readonly name: string;
  /** The store thread: quarantine rows and the consumer's saved offset. Without it, neither is persisted. */
  readonly store?: RpcClient;
  /** Tracing (absent = off): publish spans with `traceparent` headers, process spans, trace slots to the shards. */
  readonly tracer?: Tracer;
  readonly traceSlots?: TraceSlots;
}

/** The durable path: a feed publishes into MARKET; the consumer routes to shards and acks once applied. */
export interface JetStreamPipeline {
  /** Where a feed running in this process publishes (JetStream, not the router). */
  readonly publisher: TickSink;
  readonly nats: NatsHandle;
  readonly consumer: MarketConsumer;
  readonly quarantine: QuarantineStore;
  stats(): Record<string, unknown>;
  /** Stops publishing, drains acks for what shards already applied, closes the connection. */
  stop(): Promise<void>;
}

/** The streams named by the configuration. */
export function streamsConfig(config: Config): MarketStreamsConfig {
  return {
    market: { name: config.natsMarketStream, prefix: config.natsSubjectPrefix, maxAgeMs: config.natsMarketMaxAgeS * 1000, maxBytes: config.natsMarketMaxBytes },
    quarantine: { name: config.natsQuarantineStream, prefix: config.natsQuarantinePrefix, maxAgeMs: 30 * 86_400_000, maxBytes: 1024 ** 3 },
  };
}

const READINESS: Record<NatsState, (typeof ThreadState)[keyof typeof ThreadState]> = {
  connecting: ThreadState.starting,
  connected: ThreadState.ready,
  reconnecting: ThreadState.starting,
  closed: ThreadState.down,
};

/**
 * Connects to NATS, ensures MARKET and QUARANTINE, and starts the durable
 * consumer feeding the router. The NATS state is mirrored into the status
 * table (slot `nats`), so /readyz says when the connection is down.
 */
export async function startJetStreamPipeline(o: JetStreamPipelineOptions): Promise<JetStreamPipeline> {
  const { config, universe, directory, router, rings, status, log } = o;
  const nats = await connectNats({ servers: config.natsUrl!.split(',').map((s) => s.trim()), name: o.name });
  const mirror = (state: NatsState) => status.set('nats', READINESS[state]);
  mirror(nats.status.state);
  nats.status.onChange((s) => {
    mirror(s.state);
    log.warn({ nats: s }, 'NATS connection state changed');
  });
  const streams = streamsConfig(config);
  const ensured = await ensureStreams(await nats.nc.jetstreamManager(), streams);
  log.info({ ensured, market: streams.market.name, quarantine: streams.quarantine.name }, 'JetStream streams ready');
  const primary = await JetStreamQuarantineStore.create(nats.nc, { stream: streams.quarantine.name, prefix: streams.quarantine.prefix });
  const quarantine = o.store ? new MirroredQuarantineStore(primary, storeQuarantineMirror(o.store, streams.market.name), log) : primary;
  const consumer = new MarketConsumer({
    nc: nats.nc,
    stream: streams.market.name,
    durable: config.natsDurable,
    prefix: streams.market.prefix,
    universe,
    sink: router,
    tracker: new RingAppliedTracker(directory.shardOf, rings, (s) => router.backlogOf(s)),
    quarantine,
    clock: systemClock,
    log,
    ackWaitMs: config.natsAckWaitMs,
    maxDeliver: config.natsMaxDeliver,
    batch: config.natsFetchBatch,
    maxUnacked: config.natsMaxUnacked,
    offsets: o.store ? storeOffsets(o.store) : undefined,
    tracer: o.tracer,
    traceSlots: o.traceSlots,
  });
  await consumer.start();
  const publisher = new JetStreamPublisher({ nc: nats.nc, universe, prefix: streams.market.prefix, stream: streams.market.name, clock: systemClock, headers: o.tracer ? publishTraceHeaders(o.tracer) : undefined });
  return {
    publisher,
    nats,
    consumer,
    quarantine,
    stats: () => ({ publisher: publisher.stats, consumer: consumer.stats, unacked: consumer.unacked, nats: nats.status.snapshot }),
    async stop() {
      await publisher.close();
      await consumer.stop({ drainMs: 2000 });
      await nats.close();
      status.set('nats', ThreadState.down);
    },
  };
}

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { RpcClient } from '../core/rpc.js';
import { ThreadState, TraceSlots, applyUniverse, serveThreadAdmin, startTracing, serveMetrics, systemClock, workerContext, type FeedSource, type UniverseMessage, type WorkerBaseData } from '../core/index.js';
import { TickRing } from '../actors/tick-ring.js';
import { startJetStreamPipeline, type JetStreamPipeline } from './jetstream-pipeline.js';
import { feedSettings } from './feed-settings.js';
import { handleQuarantineRequest, type QuarantineRequest } from './quarantine-admin.js';
import { createFeedSource } from './feeds/index.js';
import { TickRouter } from './tick-router.js';
import { IngestMetrics } from './metrics.js';

/** What the supervisor hands the ingest thread. */
export interface IngestWorkerData extends WorkerBaseData {
  /** One tick ring per shard, in shard order. */
  readonly rings: readonly SharedArrayBuffer[];
  /** Trace slot table shared with the shards (present when tracing is on). */
  readonly traceSlots?: SharedArrayBuffer;
}

/** Supervisor → ingest messages. `inject` feeds tick records as if a feed had produced them (tests, tools). */
export type IngestCommand =
  | { readonly type: 'inject'; readonly records: Float64Array; readonly count: number }
  | { readonly type: 'stop' }
  | { readonly type: 'fault' }
  | { readonly type: 'quarantine'; readonly id: number; readonly request: QuarantineRequest }
  | { readonly type: 'attach-store'; readonly port: MessagePort }
  | UniverseMessage;

const data = workerData as IngestWorkerData;
const { config, log, universe, directory, status } = workerContext(data, 'ingest');
const rings = data.rings.map((sab) => new TickRing(sab));
const tracing = await startTracing(config, { thread: 'ingest' });
const router = new TickRouter(directory, rings, systemClock);
/** The store thread (quarantine rows, consumer offsets); re-attached when it restarts. */
const store = new RpcClient({ timeoutMs: 5000 });
const metrics = new IngestMetrics(config.metricsPrefix, { router, shards: rings.length, pipeline: () => pipeline, storePending: () => store.pending });
serveMetrics(parentPort!, metrics.base);

const feed: FeedSource | undefined = config.feed === 'none' ? undefined : createFeedSource(config.feed, feedSettings(config, universe, log));
const stopBacklogTimer = systemClock.every(5, () => {
  if (router.backlog > 0) router.flushBacklog();
});

serveThreadAdmin(parentPort!);
parentPort!.on('message', (cmd: IngestCommand) => {
  switch (cmd.type) {
    case 'inject':
      router.accept(cmd.records, cmd.count);
      break;
    case 'attach-store':
      store.attach(cmd.port);
      break;
    case 'universe':
      applyUniverse({ universe, directory }, cmd);
      break;
    case 'stop':
      void stop();
      break;
    case 'quarantine':
      handleQuarantineRequest(pipeline?.quarantine, cmd.request).then(
        (response) => parentPort!.postMessage({ type: 'quarantine-reply', id: cmd.id, response }),
        (err: Error) => parentPort!.postMessage({ type: 'quarantine-reply', id: cmd.id, response: { status: 500, body: { error: { code: 'internal', message: err.message } } } }),
      );
      break;
    case 'fault':
      // Chaos hook for supervision tests: an uncaught error on this thread.
      setImmediate(() => {
        throw new Error('injected ingest fault');
      });
      break;
  }
});

async function stop(): Promise<void> {
  await feed?.stop();
  await pipeline?.stop();
  await tracing?.shutdown().catch(() => undefined);
  store.close();
  stopBacklogTimer();
  router.flushBacklog();
  status.set('ingest', ThreadState.down);
  log.info({ ...router.stats }, 'ingest stopped');
  parentPort!.close();
  // A NATS connect still pending (server unreachable) would keep this thread
  // alive; it holds no uWS sockets, so ending it outright is safe.
  process.exit(0);
}

// With NATS the feed publishes into MARKET and the durable consumer feeds the
// router (acking what shards applied); without it the feed feeds the router.
let pipeline: JetStreamPipeline | undefined;
if (config.natsUrl) pipeline = await startJetStreamPipeline({ config, universe, directory, router, rings, status, log, name: `bourse-ingest-${process.pid}`, store, tracer: tracing?.tracer, traceSlots: data.traceSlots && new TraceSlots(data.traceSlots) });
await feed?.start(pipeline ? pipeline.publisher : router);
status.set('ingest', ThreadState.ready);
log.info({ feed: feed?.name ?? 'none', rate: config.simRate, profile: config.simProfile, jetstream: Boolean(pipeline) }, 'ingest ready');
parentPort!.postMessage({ type: 'ready' });

import { parentPort, workerData } from 'node:worker_threads';
import { ThreadState, systemClock, workerContext, type FeedSource, type WorkerBaseData } from '../core/index.js';
import { TickRing } from '../actors/tick-ring.js';
import { SimulatorFeedSource } from './simulator-feed-source.js';
import { TickRouter } from './tick-router.js';

/** What the supervisor hands the ingest thread. */
export interface IngestWorkerData extends WorkerBaseData {
  /** One tick ring per shard, in shard order. */
  readonly rings: readonly SharedArrayBuffer[];
}

/** Supervisor → ingest messages. `inject` feeds tick records as if a feed had produced them (tests, tools). */
export type IngestCommand =
  | { readonly type: 'inject'; readonly records: Float64Array; readonly count: number }
  | { readonly type: 'stop' };

const data = workerData as IngestWorkerData;
const { config, log, universe, directory, status } = workerContext(data, 'ingest');
const router = new TickRouter(
  directory,
  data.rings.map((sab) => new TickRing(sab)),
  systemClock,
);

function createFeed(): FeedSource | undefined {
  switch (config.feed) {
    case 'simulator':
      return new SimulatorFeedSource({ universe, rate: config.simRate, profile: config.simProfile, seed: config.simSeed, clock: systemClock });
    case 'none':
      return undefined;
  }
}

const feed = createFeed();
const stopBacklogTimer = systemClock.every(5, () => {
  if (router.backlog > 0) router.flushBacklog();
});

parentPort!.on('message', (cmd: IngestCommand) => {
  switch (cmd.type) {
    case 'inject':
      router.accept(cmd.records, cmd.count);
      break;
    case 'stop':
      void stop();
      break;
  }
});

async function stop(): Promise<void> {
  stopBacklogTimer();
  await feed?.stop();
  router.flushBacklog();
  status.set('ingest', ThreadState.down);
  log.info({ ...router.stats }, 'ingest stopped');
  parentPort!.close();
}

await feed?.start(router);
status.set('ingest', ThreadState.ready);
log.info({ feed: feed?.name ?? 'none', rate: config.simRate, profile: config.simProfile }, 'ingest ready');
parentPort!.postMessage({ type: 'ready' });

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ThreadState, applyUniverse, dbSpanObserver, serveThreadAdmin, startTracing, observeAll, serveMetrics, systemClock, tracedRpcHandler, workerContext, type Tracing, type UniverseMessage, type WorkerBaseData } from '../core/index.js';
import { serveRpc, type RpcHandler, type RpcPush } from '../core/rpc.js';
import { migrateUp, openDatabase, pgliteDirOf } from '../core/store/database.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { storeModules, type StoreSecrets } from './modules.js';
import { StoreMetrics } from './metrics.js';

/** What the supervisor hands the store thread. */
export interface StoreWorkerData extends WorkerBaseData {
  readonly secrets: StoreSecrets;
}

/** Supervisor → store messages. */
export type StoreCommand =
  | { readonly type: 'attach-gateway'; readonly gateway: number; readonly port: MessagePort }
  | { readonly type: 'attach-shard'; readonly shard: number; readonly port: MessagePort }
  | { readonly type: 'attach-ingest'; readonly port: MessagePort }
  | UniverseMessage
  | { readonly type: 'stop' };

/** Store → supervisor messages. */
export type StoreEvent = { readonly type: 'ready'; readonly database: string } | { readonly type: 'failed'; readonly error: string };

const data = workerData as StoreWorkerData;
const { config, log, universe, directory, status } = workerContext(data, 'store');
const gateways = new Map<number, MessagePort>();
const shards = new Map<number, MessagePort>();
let ingestPort: MessagePort | undefined;
const post = (e: StoreEvent): void => parentPort!.postMessage(e);
const metrics = new StoreMetrics(config.metricsPrefix);
serveThreadAdmin(parentPort!);

let modules: StoreModule[] = [];
let stopping = false;
let tracing: Tracing | undefined;

try {
  tracing = await startTracing(config, { thread: 'store' });
  const store = await openDatabase({ url: config.databaseUrl, pgliteDir: config.databaseUrl ? undefined : pgliteDirOf(config.dataDir), poolSize: config.dbPoolSize, onQuery: observeAll(metrics.onQuery, tracing ? dbSpanObserver(tracing.tracer) : undefined) });
  if (config.migrateOnStart) {
    const r = await migrateUp(store.db);
    for (const m of r.results ?? []) log.info({ migration: m.migrationName, status: m.status }, 'migration applied');
  }
  const ctx: StoreContext = {
    db: store.db,
    config,
    universe,
    directory,
    clock: systemClock,
    log,
    pushToGateways: (p: RpcPush) => {
      for (const port of gateways.values()) port.postMessage(p);
    },
    sendToShard: (s, m) => shards.get(s)?.postMessage(m),
  };
  modules = storeModules(ctx, data.secrets);
  const handlers: Record<string, RpcHandler> = {};
  for (const m of modules) {
    for (const [method, h] of Object.entries(m.handlers ?? {})) {
      if (handlers[method]) throw new Error(`RPC method ${method} registered twice (${m.name})`);
      handlers[method] = metrics.timed(method, tracing ? tracedRpcHandler(tracing.tracer, method, h) : h);
    }
  }

  parentPort!.on('message', (cmd: StoreCommand) => {
    switch (cmd.type) {
      case 'attach-gateway':
        gateways.get(cmd.gateway)?.close();
        gateways.set(cmd.gateway, cmd.port);
        serveRpc(cmd.port, handlers, (err, method) => log.error({ err, method }, 'store RPC failed'));
        break;
      case 'attach-shard':
        shards.get(cmd.shard)?.close();
        shards.set(cmd.shard, cmd.port);
        cmd.port.on('message', (m: { type: string }) => {
          for (const mod of modules) mod.onShardMessage?.(cmd.shard, m);
        });
        for (const mod of modules) mod.onShardAttached?.(cmd.shard);
        break;
      case 'attach-ingest':
        ingestPort?.close();
        ingestPort = cmd.port;
        serveRpc(cmd.port, handlers, (err, method) => log.error({ err, method }, 'store RPC failed'));
        break;
      case 'universe':
        applyUniverse({ universe, directory }, cmd);
        break;
      case 'stop':
        void stop(store.close);
        break;
    }
  });
  serveMetrics(parentPort!, metrics.base);
  log.info({ database: store.kind }, 'store ready');
  post({ type: 'ready', database: store.kind });
} catch (err) {
  log.fatal({ err }, 'store failed to start');
  post({ type: 'failed', error: (err as Error).message });
  process.exit(1);
}

/** Flushes every module (bars, outbox), closes the database, ends the thread. */
async function stop(close: () => Promise<void>): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const m of modules) {
    try {
      await m.stop?.();
    } catch (err) {
      log.error({ err, module: m.name }, 'store module did not stop cleanly');
    }
  }
  for (const p of [...gateways.values(), ...shards.values()]) p.close();
  ingestPort?.close();
  await close();
  await tracing?.shutdown().catch(() => undefined);
  status.set('store', ThreadState.down);
  log.info('store stopped');
  process.exit(0);
}

process.on('unhandledRejection', (err) => {
  log.fatal({ err }, 'store crashed');
  process.exit(1);
});

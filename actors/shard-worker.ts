import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { InterestTable, ThreadState, TraceSlots, applyUniverse, serveMetrics, serveThreadAdmin, startTracing, systemClock, workerContext, type UniverseMessage, type WorkerBaseData } from '../core/index.js';
import { ActorTracer } from './actor-tracing.js';
import { ShardMetrics } from './metrics.js';
import { QuoteTable } from './quote-table.js';
import { Shard } from './shard.js';
import { openQuoteCache } from '../core/speed/speed-layer.js';
import { warmQuoteTable } from './quote-cache-warm.js';
import { TickRing } from './tick-ring.js';
import { AlertEngine } from './alert-engine.js';
import { StoreLink } from './store-link.js';

/** What the supervisor hands a shard thread. */
export interface ShardWorkerData extends WorkerBaseData {
  readonly shard: number;
  readonly quoteTable: SharedArrayBuffer;
  readonly ring: SharedArrayBuffer;
  readonly interest: SharedArrayBuffer;
  readonly prevClose: Float64Array;
  /** Trace slot table written by ingest (present when tracing is on). */
  readonly traceSlots?: SharedArrayBuffer;
}

/** Supervisor → shard messages. */
export type ShardCommand =
  | { readonly type: 'attach-gateway'; readonly gateway: number; readonly port: MessagePort }
  | { readonly type: 'attach-store'; readonly port: MessagePort }
  | { readonly type: 'stop' }
  | { readonly type: 'fault' }
  | UniverseMessage;

const data = workerData as ShardWorkerData;
const name = `shard-${data.shard}`;
const { config, log, universe, directory, status } = workerContext(data, name, data.shard);
const ring = new TickRing(data.ring);
const table = new QuoteTable(data.quoteTable);
// The supervisor starts a shard only after the previous thread for it has
// exited, so no other writer lives: close a write section a killed predecessor
// may have left open (the record it was copying, if any, is reset).
const recovered = table.recover();
if (recovered !== null) log.warn({ slot: recovered }, 'closed a write section left open by the previous shard thread');
const tracing = await startTracing(config, { thread: name, shard: data.shard });
// Redis speed layer (REDIS_URL set): warm the table from the symbols' last
// cached quotes before the actors are built, then write each flush's changed
// quotes to the cache (docs/redis.md).
const quoteCache = await openQuoteCache(config, { name, log });
if (quoteCache) {
  const symbols = Array.from(directory.symbolsOf[data.shard], (id) => universe.symbol(id));
  const warm = await warmQuoteTable({ cache: quoteCache.port, waitReady: (ms) => quoteCache.redis!.waitReady(ms), table, symbols, keepSourceSeq: config.natsUrl !== undefined, timeoutMs: config.quoteCacheWarmMs });
  if (warm.cold) log.warn({ ...warm }, 'starting cold: no cached quotes');
  else log.info({ ...warm }, 'warmed from cached quotes');
}
const alerts = new AlertEngine({ symbolId: (s) => universe.id(s), clock: systemClock, owns: (id) => directory.shardOf[id] === data.shard });
const storeLink = new StoreLink({ shard: data.shard, engine: alerts, log });
const shard = new Shard({
  alerts,
  tracing: tracing && data.traceSlots ? new ActorTracer(tracing.tracer, new TraceSlots(data.traceSlots), universe) : undefined,
  shard: data.shard,
  universe,
  directory,
  table,
  interest: new InterestTable(data.interest, config.gatewayThreads, directory.layout.capacity),
  clock: systemClock,
  indicatorWindow: config.indicatorWindow,
  prevClose: data.prevClose,
  onPublish: quoteCache ? (id, record) => quoteCache.port.put(universe.symbol(id), record) : undefined,
  onActorError: (symbolId, err) => {
    // Log the first few and then every thousandth, so a systematic bug is visible without flooding.
    const n = shard.stats.actorErrors;
    if (n <= 5 || n % 1000 === 0) log.error({ err, symbol: universe.symbol(symbolId), count: n }, 'actor failed on a tick; resumed');
  },
  // At-most-once to the store: bars closed while the store is away are not
  // resent (the live stream still carried them); see domain/bars.ts.
  onBarsClosed: (bars) => storeLink.send({ type: 'bars-closed', shard: data.shard, bars }),
});

const gateways = new Map<number, MessagePort>();
let running = true;
const metrics = new ShardMetrics(config.metricsPrefix, data.shard, shard);
serveMetrics(parentPort!, metrics.base);

parentPort!.on('message', (cmd: ShardCommand) => {
  switch (cmd.type) {
    case 'attach-gateway':
      gateways.get(cmd.gateway)?.close();
      gateways.set(cmd.gateway, cmd.port);
      break;
    case 'attach-store':
      storeLink.attach(cmd.port);
      break;
    case 'universe': {
      applyUniverse({ universe, directory }, cmd);
      const spawned = shard.spawnNew();
      log.info({ spawned, symbols: shard.actorCount }, 'universe extended');
      parentPort!.postMessage({ type: 'universe-applied', id: cmd.id });
      break;
    }
    case 'stop':
      stop();
      break;
    case 'fault':
      // Chaos hook for supervision tests: an uncaught error on this thread.
      setImmediate(() => {
        throw new Error('injected shard fault');
      });
      break;
  }
});

function flush(): void {
  const started = performance.now();
  ring.drain(shard.apply);
  const ports = [...gateways.values()];
  const batches = shard.flush(ports.length);
  for (let i = 0; i < batches.length; i++) ports[i].postMessage(batches[i], [batches[i]]);
  void quoteCache?.port.flush(); // never rejects; one batch in flight at most
  metrics.flushed(performance.now() - started, shard.stats.lastFlushFrames);
  storeLink.flush();
}

// Ticks are applied as soon as the ingest thread wakes us; frames leave on the flush timer.
async function pump(): Promise<void> {
  while (running) {
    await ring.waitForData(config.flushMs);
    ring.drain(shard.apply);
  }
}

// Flushes land on wall-clock multiples of FLUSH_MS in every shard, so a gateway
// receives all shards' batches of a window together and publishes them in one
// pass (one write per socket; see gateway/batch-gate.ts).
let flushTimer: NodeJS.Timeout | undefined;
function scheduleFlush(): void {
  const now = systemClock.now();
  const next = (Math.floor(now / config.flushMs) + 1) * config.flushMs;
  flushTimer = setTimeout(() => {
    flush();
    if (running) scheduleFlush();
  }, next - now);
}
scheduleFlush();

function stop(): void {
  if (!running) return;
  running = false;
  clearTimeout(flushTimer);
  flush();
  for (const p of gateways.values()) p.close();
  storeLink.close();
  status.set(name, ThreadState.down);
  log.info({ ticks: shard.stats.ticks, flushes: shard.stats.flushes, quoteCache: quoteCache?.port.stats }, 'shard stopped');
  void tracing?.shutdown().catch(() => undefined);
  // The last flush's quotes go to the cache before the connection closes.
  void (quoteCache?.close() ?? Promise.resolve()).finally(() => parentPort!.close());
}

serveThreadAdmin(parentPort!);
status.set(name, ThreadState.ready);
log.info({ symbols: shard.actorCount }, 'shard ready');
parentPort!.postMessage({ type: 'ready' });
pump().catch((err) => {
  log.fatal({ err }, 'shard pump failed');
  throw err;
});

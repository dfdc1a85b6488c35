import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { InterestTable, ThreadState, activeTraceparent, applyUniverse, httpRequestTracer, profilableThreads, serveThreadAdmin, startTracing, serveMetrics, systemClock, workerContext, type AdminResponse, type QuarantineRequest, type ServerMessage, type UniverseMessage, type WorkerBaseData } from '../core/index.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerProfilingRoutes } from './profiling-routes.js';
import { ThreadAdminClient } from './thread-admin-client.js';
import { QuoteTable } from '../actors/quote-table.js';
import { BatchGate } from './batch-gate.js';
import { Fanout } from './fanout.js';
import { QuoteReader } from './quote-reader.js';
import { registerRestRoutes } from './rest-routes.js';
import { StreamHandler } from './stream-handler.js';
import { Topics } from './topics.js';
import { RpcClient, type RpcPush } from '../core/rpc.js';
import { registerApi } from './api-routes.js';
import { TokenVerifier } from './token-verifier.js';
import type { PublicJwk } from '../core/auth/index.js';
import { openRateLimiter } from '../core/speed/speed-layer.js';
import { NotificationStream } from './notification-stream.js';
import { loadStaticFiles, registerStaticRoutes } from './static-routes.js';
import { closeApp, closeListenSocket, createApp, listenPort, type us_listen_socket } from './uws.js';
import { GatewayMetrics } from './metrics.js';
import { registerMetricsRoute, type Exposition } from './metrics-route.js';

/** What the supervisor hands a gateway thread. */
export interface GatewayWorkerData extends WorkerBaseData {
  readonly gateway: number;
  /** Port to listen on (the supervisor resolves PORT=0 with the first gateway). */
  readonly port: number;
  readonly quoteTables: readonly SharedArrayBuffer[];
  readonly interest: SharedArrayBuffer;
  /** The server's version (OpenAPI document). */
  readonly version: string;
  /** Public key access tokens are verified with (the private half stays in the store thread). */
  readonly authPublicKey: PublicJwk;
}

/** Supervisor → gateway messages. */
export type GatewayCommand =
  | { readonly type: 'attach-shard'; readonly shard: number; readonly port: MessagePort }
  | { readonly type: 'attach-store'; readonly port: MessagePort }
  | { readonly type: 'drain' }
  | { readonly type: 'force-stop' }
  | { readonly type: 'fault' }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'quarantine-reply'; readonly id: number; readonly response: AdminResponse }
  | UniverseMessage
  | { readonly type: 'exposition'; readonly id: number; readonly exposition: Exposition | undefined };

/** Gateway → supervisor messages. */
export type GatewayEvent =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly host: string; readonly port: number }
  | { readonly type: 'quarantine'; readonly id: number; readonly request: QuarantineRequest }
  | { readonly type: 'stats'; readonly id: number; readonly stats: unknown }
  | { readonly type: 'exposition-request'; readonly id: number };

const data = workerData as GatewayWorkerData;
const name = `gateway-${data.gateway}`;
const { config, log, universe, directory, status } = workerContext(data, name);
const interest = new InterestTable(data.interest, config.gatewayThreads, directory.layout.capacity);
const tables = data.quoteTables.map((sab) => new QuoteTable(sab));
const reader = new QuoteReader(universe, directory, tables);
const topics = new Topics(universe);
const tracing = await startTracing(config, { thread: name });
const app = createApp();
const fanout = new Fanout(app, topics, systemClock, (ms) => metrics.observeTickToWire(ms));
const tokens = new TokenVerifier(data.authPublicKey, { issuer: config.authIssuer, clock: systemClock });
const stream = new StreamHandler({ config, universe, reader, fanout, topics, interest, gateway: data.gateway, clock: systemClock, log, authenticate: (t) => tokens.verify(t) });
const shards = new Map<number, MessagePort>();
/** The store thread (database, accounts, dashboards, alerts): RPC out, pushes in. */
const storePushHandlers: ((p: RpcPush) => void)[] = [];
const store = new RpcClient({ onPush: (p) => storePushHandlers.forEach((h) => h(p)), ...(tracing ? { traceparent: activeTraceparent } : {}) });
// `{push: 'to-investor', investorId, message}`: a server message for every open session of that investor.
storePushHandlers.push((p) => {
  if (p.push === 'to-investor' && typeof p.investorId === 'string' && typeof p.message === 'object' && p.message !== null) stream.deliverToInvestor(p.investorId, p.message as ServerMessage);
});
const gate = new BatchGate(config.flushMs, () => shards.size, (batches) => {
  for (const b of batches) fanout.onBatch(b);
  fanout.tick();
});
let listenSocket: us_listen_socket | undefined;
let draining = false;
const metrics = new GatewayMetrics(config.metricsPrefix, name, {
  stream: stream.stats,
  fanout: fanout.stats,
  gateTimeouts: () => gate.timeouts,
  lock: () => tables.map((t) => t.readerStats),
  storePending: () => store.pending,
});
serveMetrics(parentPort!, metrics.base);
// /metrics: the supervisor aggregates every thread's registry.
const expositions = new Map<number, (e: Exposition | undefined) => void>();
let expositionId = 1;
registerMetricsRoute(app, () =>
  new Promise((resolve) => {
    const id = expositionId++;
    const timer = setTimeout(() => {
      expositions.delete(id);
      resolve(undefined);
    }, 5000);
    expositions.set(id, (e) => {
      clearTimeout(timer);
      resolve(e);
    });
    post({ type: 'exposition-request', id });
  }),
);

app.ws('/v1/stream', stream.behavior());
// Admin requests go to the supervisor, which routes them to the owning thread.
const adminPending = new Map<number, (r: AdminResponse) => void>();
let adminNextId = 1;
registerAdminRoutes(app, {
  token: config.adminToken,
  quarantine: (request) =>
    new Promise((resolve) => {
      const id = adminNextId++;
      adminPending.set(id, resolve);
      post({ type: 'quarantine', id, request });
    }),
});
// Profiling: requests for any thread go through the supervisor; this thread serves its own too.
const threadAdmin = new ThreadAdminClient((m) => parentPort!.postMessage(m));
parentPort!.on('message', threadAdmin.onMessage);
serveThreadAdmin(parentPort!);
registerProfilingRoutes(app, {
  token: config.adminToken,
  threads: profilableThreads(config),
  states: () => status.snapshot(),
  open: (thread, request) => threadAdmin.open(thread, request),
  maxSeconds: config.profileMaxSeconds,
  intervalUs: config.profileSamplingUs,
  now: () => systemClock.now(),
});
// Rate limits: on Redis when REDIS_URL is set (exact across threads and nodes; in-process while Redis is away), else in-process.
const rateLimiter = await openRateLimiter(config, { name, log, clock: systemClock });
const api = registerApi(app, {
  config,
  universe,
  log,
  store,
  authenticate: (t) => tokens.verify(t),
  rateLimit: (key, limit, windowMs) => rateLimiter.port.hit(key, limit, windowMs),
  version: data.version,
  authPublicKey: data.authPublicKey,
  observe: metrics.observeHttp,
  ...(tracing ? { trace: httpRequestTracer(tracing.tracer) } : {}),
  onStorePush: (h) => storePushHandlers.push(h),
});
// Alert notifications as Server-Sent Events, fed by the store's to-investor pushes.
const notificationStream = new NotificationStream({ store, clock: systemClock, log, heartbeatMs: config.sseHeartbeatMs, maxPerInvestor: config.maxSseStreams, maxBufferedBytes: config.sseMaxBufferBytes });
notificationStream.register(app, api);
storePushHandlers.push(notificationStream.onPush);
registerRestRoutes(app, { universe, reader, status, clock: systemClock, thread: name, draining: () => draining, observe: metrics.observeHttp });
registerStaticRoutes(app, loadStaticFiles());

// Throttled quotes are due on flush boundaries; the slow-consumer sweep (one
// native getBufferedAmount call per socket) runs every SWEEP_EVERY windows,
// which bounds how long a socket can be over a limit before it is acted on.
const SWEEP_EVERY = Math.max(1, Math.round(100 / config.flushMs));
let windows = 0;
const housekeeping = setInterval(() => {
  if (++windows % SWEEP_EVERY === 0) stream.sweep();
  fanout.tick();
}, config.flushMs);

const post = (e: GatewayEvent): void => parentPort!.postMessage(e);

parentPort!.on('message', (cmd: GatewayCommand) => {
  switch (cmd.type) {
    case 'attach-shard':
      shards.get(cmd.shard)?.close();
      shards.set(cmd.shard, cmd.port);
      cmd.port.on('message', (buf: ArrayBuffer) => gate.push(buf));
      break;
    case 'attach-store':
      store.attach(cmd.port);
      break;
    case 'universe':
      applyUniverse({ universe, directory }, cmd);
      break;
    case 'drain':
      drain();
      break;
    case 'force-stop':
      exit(0, 'forced stop');
      break;
    case 'fault':
      // Chaos hook for supervision tests: an uncaught error on this thread.
      setImmediate(() => {
        throw new Error('injected gateway fault');
      });
      break;
    case 'quarantine-reply':
      adminPending.get(cmd.id)?.(cmd.response);
      adminPending.delete(cmd.id);
      break;
    case 'exposition':
      expositions.get(cmd.id)?.(cmd.exposition);
      expositions.delete(cmd.id);
      break;
    case 'stats':
      post({ type: 'stats', id: cmd.id, stats: { connections: stream.connections, stream: stream.stats, fanout: fanout.stats, gateTimeouts: gate.timeouts, lockRetries: reader.retries } });
      break;
  }
});

/**
 * Graceful drain: stop accepting (close the listen socket), tell every client
 * to reconnect elsewhere (4000 + jittered delay hint), wait for the sockets to
 * close, then end this thread. Every socket must be closed before the thread
 * ends (libuv aborts otherwise, see uws.ts), so the supervisor waits for this
 * thread to exit before it stops the others.
 */
function drain(): void {
  if (draining) return;
  draining = true;
  status.set(name, ThreadState.draining);
  if (listenSocket) closeListenSocket(listenSocket);
  listenSocket = undefined;
  stream.drainAll();
  notificationStream.closeAll();
  const check = setInterval(() => {
    if (stream.connections > 0) return;
    clearInterval(check);
    clearInterval(housekeeping);
    for (const p of shards.values()) p.close();
    store.close();
    log.info({ stats: stream.stats }, 'gateway drained');
    void rateLimiter.close().finally(() => exit(0, 'drained'));
  }, 10);
}

/** Ends this thread the only safe way: every socket closed first (see uws.ts). */
function exit(code: number, why: string): never {
  closeApp(app);
  status.set(name, ThreadState.down);
  if (code !== 0) log.error({ code, why }, 'gateway exiting');
  process.exit(code);
}

// Supervision: a crash closes every socket (clients see 1006 and reconnect) and
// ends the thread with code 1; the supervisor restarts it with backoff.
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'gateway crashed');
  exit(1, 'uncaught exception');
});
process.on('unhandledRejection', (err) => {
  log.fatal({ err }, 'gateway crashed');
  exit(1, 'unhandled rejection');
});

app.listen(config.host, data.port, (sock) => {
  if (!sock) {
    log.fatal({ host: config.host, port: data.port }, 'cannot listen');
    post({ type: 'listen-failed', host: config.host, port: data.port });
    exit(3, 'cannot listen');
  }
  listenSocket = sock;
  status.set(name, ThreadState.ready);
  const port = listenPort(sock);
  log.info({ host: config.host, port }, 'gateway listening');
  post({ type: 'listening', port });
});

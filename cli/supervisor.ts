import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { MessageChannel, type Worker } from 'node:worker_threads';
import {
  InterestTable,
  SymbolDirectory,
  TraceSlots,
  tracingSettings,
  ThreadState,
  ThreadStatus,
  applyUniverse,
  createLogger,
  statusSlots,
  type Company,
  type Config,
  type Logger,
  type Universe,
  type UniverseMessage,
} from '../core/index.js';
import { QuoteTable } from '../actors/quote-table.js';
import type { ShardCommand, ShardWorkerData } from '../actors/shard-worker.js';
import { TickRing } from '../actors/tick-ring.js';
import type { GatewayCommand, GatewayEvent, GatewayWorkerData } from '../gateway/gateway-worker.js';
import type { IngestCommand, IngestWorkerData } from '../ingest/ingest-worker.js';
import { MarketSimulator } from '../ingest/market-simulator.js';
import { resolveUniverse } from '../ingest/universe-source.js';
import { SecUniverseFollower } from '../ingest/sec-universe.js';
import type { StoreCommand, StoreEvent, StoreWorkerData } from '../domain/store-worker.js';
import type { StoreSecrets } from '../domain/modules.js';
import { ManagedThread } from './managed-thread.js';
import { admitListings } from './universe-growth.js';
import { loadSigningKey, signingKeyFromPem } from '../core/auth/signing-key.js';
import { isThreadAdminOpen, routeThreadAdmin } from './thread-admin-router.js';
import type { RedisMonitor } from '../core/speed/redis-monitor.js';
import { MetricsAggregator, mainMetrics, type Exposition } from './metrics.js';

/**
 * Young-generation cap per worker thread, MB. Hot threads make short-lived
 * garbage at a steady rate (frames, views); V8 otherwise grows each thread's
 * nursery to tens of MB, which is RSS that scales with threads, not clients.
 */
const YOUNG_GEN_MB = Number(process.env.BOURSE_YOUNG_GEN_MB ?? 8);

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Records each shard's tick ring holds (96 B each): seconds of burst at 100k ticks/s. */
const RING_RECORDS = 1 << 16;

export interface ServerHandle {
  /** The port the gateways listen on (resolved when PORT=0). */
  readonly port: number;
  readonly universe: Universe;
  readonly log: Logger;
  /** Restart counts by thread name. */
  restarts(): Record<string, number>;
  /** Thread states by name. */
  threads(): Record<string, string>;
  /** Feeds tick records into the ingest thread as if a feed had produced them. */
  inject(records: Float64Array, count: number): void;
  /** Per-gateway counters. */
  gatewayStats(): Promise<unknown[]>;
  /** The process's aggregated metrics exposition (what /metrics serves). */
  metrics(): Promise<Exposition>;
  /** The aggregator behind metrics(): also asks one thread for its registry (tests). */
  readonly metricsAggregator: MetricsAggregator;
  /** The worker behind a thread name (tests, profiling). */
  worker(name: string): Worker | undefined;
  /** Resolves once the ingest thread is running (with NATS: connected and consuming). */
  ready(): Promise<void>;
  /** Graceful shutdown: drain clients, stop threads. Resolves when every thread has ended. */
  stop(): Promise<void>;
}

/**
 * The supervisor (main thread): loads the universe, allocates the shared
 * memory (quote tables, tick rings, interest and status tables — they outlive
 * any one thread, so a restarted thread carries on where the old one stopped),
 * starts G gateways, S shards and the ingest thread, wires a MessageChannel
 * between every shard and every gateway, restarts crashed threads with backoff
 * and owns graceful shutdown.
 */
export async function startServer(config: Config, log: Logger = createLogger(config.logLevel, { thread: 'main' }), secrets: StoreSecrets = {}): Promise<ServerHandle> {
  const universe = await resolveUniverse(config);
  // The access-token key: the private half goes to the store thread only (it
  // signs), the public JWK to gateways (they verify locally). No other thread
  // sees AUTH_PRIVATE_KEY, so it is cut from the config they receive.
  const signingKey = secrets.signingKeyPem ? signingKeyFromPem(secrets.signingKeyPem) : loadSigningKey({ pem: config.authPrivateKey, dataDir: config.dataDir });
  const storeSecrets: StoreSecrets = { ...secrets, signingKeyPem: signingKey.privateKeyPem, signingKeyId: signingKey.kid };
  const threadConfig: Config = Object.freeze({ ...config, authPrivateKey: undefined });
  // Room for listings added while running (UNIVERSE_SOURCE=sec follows them live).
  const layout = SymbolDirectory.layoutFor(universe, config.shards, config.universeHeadroom);
  const directory = new SymbolDirectory(universe, config.shards, layout);
  /** A live view: it grows with the universe, so a (re)started thread gets the current list. */
  const companies = universe.companies;
  const G = config.gatewayThreads;
  const S = config.shards;
  const quoteTables = layout.shardCapacity.map((slots) => QuoteTable.allocate(slots));
  const rings = Array.from({ length: S }, () => TickRing.allocate(RING_RECORDS));
  /** Trace contexts from ingest to the shards, with the ticks they belong to (only when tracing is on). */
  const traceSlots = tracingSettings(config) ? TraceSlots.allocate() : undefined;
  const interestSab = InterestTable.allocate(G, layout.capacity);
  const interest = new InterestTable(interestSab, G, layout.capacity);
  const slots = statusSlots(config);
  const statusSab = ThreadStatus.allocate(slots.length);
  const status = new ThreadStatus(statusSab, slots);
  if (config.natsUrl) status.set('nats', ThreadState.starting);
  if (config.redisUrl) status.set('redis', ThreadState.starting);
  let redisMonitor: RedisMonitor | undefined;
  const prevClose = referencePrices(universe, config, layout.capacity);
  const backoff = {
    backoffMs: config.restartBackoffMs,
    backoffMaxMs: config.restartBackoffMaxMs,
    log,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GEN_MB },
    onRestart: (name: string) => status.restarted(name),
  };

  // uSockets sets SO_REUSEPORT only when the port is given: PORT=0 is resolved
  // here first, so gateways can share the port and a restarted gateway can bind
  // again while the old one's closed connections sit in TIME_WAIT.
  let port = config.port === 0 ? await freePort(config.host) : config.port;
  // SO_REUSEPORT would also let a second server (same user) share a busy port
  // and silently take half its connections: fail fast instead.
  if (config.port !== 0) await assertPortFree(config.host, port);
  // Redis is optional: its slot says degraded while it is away, never unready (docs/redis.md).
  if (config.redisUrl) redisMonitor = new (await import('../core/speed/redis-monitor.js')).RedisMonitor({ url: config.redisUrl, log, onChange: (up) => status.set('redis', up ? ThreadState.ready : ThreadState.down) });
  let stopping = false;
  const gatewayUp = new Map<number, boolean>();

  const shards: ManagedThread[] = [];
  const gateways: ManagedThread[] = [];
  const metrics = new MetricsAggregator(mainMetrics(config.metricsPrefix, status, rings.map((sab) => new TickRing(sab))), () => [...gateways, ...shards, ingest, store]);
  /** Admin requests in flight to the ingest thread: supervisor id → who asked. */
  const adminPending = new Map<number, { gateway: Worker; id: number }>();
  let adminNextId = 1;
  const toIngest = (from: Worker, id: number, request: unknown): void => {
    const w = ingest.worker;
    if (!w) {
      from.postMessage({ type: 'quarantine-reply', id, response: { status: 503, body: { error: { code: 'quarantine_unavailable', message: 'the ingest thread is not running' } } } });
      return;
    }
    const sid = adminNextId++;
    adminPending.set(sid, { gateway: from, id });
    w.postMessage({ type: 'quarantine', id: sid, request });
  };

  /** A fresh RPC channel between the store and one gateway (both must be running). */
  const connectStoreGateway = (g: number): void => {
    const stw = store.worker;
    const gw = gateways[g]?.worker;
    if (!stw || !storeUp || !gw || !gatewayUp.get(g)) return;
    const { port1, port2 } = new MessageChannel();
    stw.postMessage({ type: 'attach-gateway', gateway: g, port: port1 } satisfies StoreCommand, [port1]);
    gw.postMessage({ type: 'attach-store', port: port2 } satisfies GatewayCommand, [port2]);
  };
  /** A fresh channel between the store and one shard (alert rules in, firings and closed bars out). */
  const connectStoreShard = (s: number): void => {
    const stw = store.worker;
    const sw = shards[s]?.worker;
    if (!stw || !storeUp || !sw || !shardUp.get(s)) return;
    const { port1, port2 } = new MessageChannel();
    stw.postMessage({ type: 'attach-shard', shard: s, port: port1 } satisfies StoreCommand, [port1]);
    sw.postMessage({ type: 'attach-store', port: port2 } satisfies ShardCommand, [port2]);
  };
  /** A fresh RPC channel between the store and the ingest thread (quarantine rows, consumer offsets). */
  const connectStoreIngest = (): void => {
    const stw = store.worker;
    const iw = ingest.worker;
    if (!stw || !storeUp || !iw) return;
    const { port1, port2 } = new MessageChannel();
    stw.postMessage({ type: 'attach-ingest', port: port1 } satisfies StoreCommand, [port1]);
    iw.postMessage({ type: 'attach-store', port: port2 } satisfies IngestCommand, [port2]);
  };
  let storeUp = false;
  const shardUp = new Map<number, boolean>();
  let storeReady!: (e: StoreEvent) => void;
  const storeStarted = new Promise<StoreEvent>((r) => (storeReady = r));
  const store = new ManagedThread({
    ...backoff,
    name: 'store',
    url: new URL('../domain/store-worker.js', import.meta.url),
    workerData: (): StoreWorkerData => ({ config: threadConfig, companies, layout, status: statusSab, secrets: storeSecrets }),
    onStart: (w) => {
      storeUp = false;
      w.on('message', (e: StoreEvent) => {
        if (e.type === 'ready') {
          storeUp = true;
          status.set('store', ThreadState.ready);
          for (let g = 0; g < G; g++) connectStoreGateway(g);
          for (let s = 0; s < S; s++) connectStoreShard(s);
          connectStoreIngest();
        }
        storeReady(e);
      });
    },
    onCrash: () => {
      storeUp = false;
      status.set('store', ThreadState.down);
    },
  });

  /** A fresh channel between one shard and one gateway (both must be running). */
  const connect = (s: number, g: number): void => {
    const sw = shards[s]?.worker;
    const gw = gateways[g]?.worker;
    if (!sw || !gw || !gatewayUp.get(g)) return;
    const { port1, port2 } = new MessageChannel();
    sw.postMessage({ type: 'attach-gateway', gateway: g, port: port1 } satisfies ShardCommand, [port1]);
    gw.postMessage({ type: 'attach-shard', shard: s, port: port2 } satisfies GatewayCommand, [port2]);
  };

  for (let s = 0; s < S; s++) {
    const name = `shard-${s}`;
    shards.push(
      new ManagedThread({
        ...backoff,
        name,
        url: new URL('../actors/shard-worker.js', import.meta.url),
        workerData: (): ShardWorkerData => ({ config: threadConfig, companies, layout, shard: s, quoteTable: quoteTables[s], ring: rings[s], interest: interestSab, status: statusSab, prevClose, traceSlots }),
        onStart: (w) => {
          status.set(name, ThreadState.starting);
          shardUp.set(s, false);
          w.once('message', () => {
            shardUp.set(s, true);
            for (let g = 0; g < G; g++) connect(s, g);
            connectStoreShard(s);
          });
        },
        onCrash: () => {
          shardUp.set(s, false);
          status.set(name, ThreadState.down);
        },
      }),
    );
  }

  const gatewayThread = (g: number, listening: (port: number) => void, failed: (e: Error) => void): ManagedThread => {
    const name = `gateway-${g}`;
    return new ManagedThread({
      ...backoff,
      name,
      url: new URL('../gateway/gateway-worker.js', import.meta.url),
      workerData: (): GatewayWorkerData => ({ config: threadConfig, companies, layout, gateway: g, port, quoteTables, interest: interestSab, status: statusSab, version: VERSION, authPublicKey: signingKey.publicJwk }),
      onStart: (w) => {
        status.set(name, ThreadState.starting);
        gatewayUp.set(g, false);
        w.on('message', (e: GatewayEvent) => {
          if (isThreadAdminOpen(e)) return routeThreadAdmin(w, e, (thread) => [...gateways, ...shards, ingest, store].find((t) => t.name === thread)?.worker);
          if (e.type === 'quarantine') toIngest(w, e.id, e.request);
          else if (e.type === 'exposition-request') {
            metrics.collect().then(
              (exposition) => w.postMessage({ type: 'exposition', id: e.id, exposition } satisfies GatewayCommand),
              (err: Error) => {
                log.error({ err }, 'metrics aggregation failed');
                w.postMessage({ type: 'exposition', id: e.id, exposition: undefined } satisfies GatewayCommand);
              },
            );
          }
          else if (e.type === 'listening') {
            gatewayUp.set(g, true);
            for (let s = 0; s < S; s++) connect(s, g);
            connectStoreGateway(g);
            listening(e.port);
          } else if (e.type === 'listen-failed') {
            failed(new Error(`${name} cannot listen on ${e.host}:${e.port}`));
          }
        });
      },
      onCrash: () => {
        gatewayUp.set(g, false);
        status.set(name, ThreadState.down);
        interest.reset(g);
      },
    });
  };

  const ingest = new ManagedThread({
    ...backoff,
    name: 'ingest',
    url: new URL('../ingest/ingest-worker.js', import.meta.url),
    workerData: (): IngestWorkerData => ({ config: threadConfig, companies, layout, rings, status: statusSab, traceSlots }),
    onStart: (w) => {
      status.set('ingest', ThreadState.starting);
      // Posted before the thread runs: it is there by the time the consumer starts.
      connectStoreIngest();
      w.on('message', (m: { type: string; id: number; response: unknown }) => {
        if (m.type !== 'quarantine-reply') return;
        const who = adminPending.get(m.id);
        adminPending.delete(m.id);
        who?.gateway.postMessage({ type: 'quarantine-reply', id: who.id, response: m.response });
      });
    },
    onCrash: () => {
      status.set('ingest', ThreadState.down);
      // Requests the dead thread will never answer.
      for (const [sid, who] of adminPending) {
        adminPending.delete(sid);
        who.gateway.postMessage({ type: 'quarantine-reply', id: who.id, response: { status: 503, body: { error: { code: 'quarantine_unavailable', message: 'the ingest thread restarted' } } } });
      }
    },
  });

  // The store first (migrations must have run before anything is served), then
  // shards (they must be ready to take ticks), then gateway-0 (which resolves
  // PORT=0), then the other gateways on the same port, then ingest.
  // (The store's migrations and the shards' start-up overlap.)
  status.set('store', ThreadState.starting);
  store.start();
  const shardsStarted = Promise.all(shards.map((t) => once(t.start(), 'message')));
  const storeStart = await storeStarted;
  await shardsStarted;
  if (storeStart.type === 'failed') {
    await store.stopping();
    await Promise.all(shards.map((t) => t.terminate()));
    await redisMonitor?.close();
    throw new Error(`the store did not start: ${storeStart.error}`);
  }
  for (let g = 0; g < G; g++) {
    const listening = new Promise<number>((resolve, reject) => {
      gateways[g] = gatewayThread(
        g,
        (p) => resolve(p),
        (e) => (stopping ? undefined : reject(e)),
      );
    });
    gateways[g].start();
    try {
      port = await listening;
    } catch (err) {
      await shutdown();
      throw err;
    }
  }
  // Without NATS the ingest thread is ready at once. With NATS it waits for the
  // server: the gateways already serve (with /readyz at 503) and the process
  // stays stoppable, so start-up does not block on it. ingestReady settles
  // either way: an ingest thread that ends first is logged, not an unhandled rejection.
  const ingestReady = once(ingest.start(), 'message').then(
    () => undefined,
    (err: Error) => log.warn({ err: err.message }, 'ingest ended before it was ready'),
  );
  if (config.natsUrl) {
    const waiting = await Promise.race([ingestReady.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000).unref())]);
    if (waiting) {
      log.warn({ nats: config.natsUrl }, 'waiting for NATS; /readyz answers 503 until it is reachable');
      void ingestReady.then(() => log.info('NATS reachable: ingest running'));
    }
  } else {
    await ingestReady;
  }
  log.info({ port, gateways: G, shards: S, symbols: universe.size, feed: config.feed }, 'bourse ready');

  // UNIVERSE_SOURCE=sec: new listings join while running (within the layout's room).
  let universeMessages = 0;
  let growing = Promise.resolve();
  const growUniverse = async (listed: Company[]): Promise<void> => {
    const { admitted, refused } = admitListings(universe, directory, listed, config.universeSize);
    const change = applyUniverse({ universe, directory }, { companies: admitted });
    if (refused.length) log.warn({ refused: refused.length, first: refused.slice(0, 5) }, 'new listings refused: no room in the shared tables until a restart (UNIVERSE_HEADROOM)');
    if (!change.added.length && !change.updated.length) return;
    const msg: UniverseMessage = { type: 'universe', id: ++universeMessages, companies: [...change.added, ...change.updated].map((id) => universe.companies[id]) };
    // Shards first, so a tick or a subscription for a new symbol always finds its actor.
    await Promise.all(shards.map((t) => universeApplied(t.worker, msg)));
    for (const t of [...gateways, ingest, store]) t.post(msg);
    log.info({ added: change.added.length, updated: change.updated.length, symbols: universe.size }, 'universe extended');
  };
  const follower =
    config.universeSource === 'sec' && config.natsUrl
      ? new SecUniverseFollower(config, log, (listed) => {
          growing = growing.then(() => growUniverse(listed)).catch((err: unknown) => log.error({ err }, 'extending the universe failed'));
        })
      : undefined;
  await follower?.start().catch((err: unknown) => log.error({ err }, 'cannot follow the SEC stream; the universe stays as loaded'));

  let stopped: Promise<void> | undefined;
  const all = (): ManagedThread[] => [...gateways, ...shards, ingest, store];
  let statsId = 0;

  return {
    get port() {
      return port;
    },
    universe,
    log,
    restarts: () => status.restarts(),
    threads: () => status.snapshot(),
    inject: (records, count) => ingest.post({ type: 'inject', records, count } satisfies IngestCommand),
    ready: () => ingestReady,
    metrics: () => metrics.collect(),
    metricsAggregator: metrics,
    worker: (name) => all().find((t) => t.name === name)?.worker,
    gatewayStats: () =>
      Promise.all(
        gateways.map((t) => {
          const w = t.worker;
          if (!w) return Promise.resolve(null);
          const id = ++statsId;
          return new Promise((resolve) => {
            const on = (e: GatewayEvent) => {
              if (e.type === 'stats' && e.id === id) {
                w.off('message', on);
                resolve(e.stats);
              }
            };
            w.on('message', on);
            w.postMessage({ type: 'stats', id } satisfies GatewayCommand);
          });
        }),
      ),
    stop: () => (stopped ??= shutdown()),
  };

  /**
   * Gateways drain first (close listen sockets, close clients with 4000 and a
   * reconnect hint); only when they have ended do ingest and shards stop, so no
   * thread exits while a gateway still holds a listen socket.
   */
  async function shutdown(): Promise<void> {
    stopping = true;
    await follower?.stop().catch(() => undefined);
    await growing;
    const started = Date.now();
    log.info('shutting down: draining gateways');
    const deadline = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, ms)).unref());
    const gatewaysGone = Promise.all(
      gateways.map((t) => {
        const gone = t.stopping();
        t.post({ type: 'drain' } satisfies GatewayCommand);
        return gone;
      }),
    );
    if ((await Promise.race([gatewaysGone, deadline(config.shutdownTimeoutMs)])) === 'timeout') {
      // Never terminate() a gateway: it must close its sockets itself (gateway/uws.ts).
      log.warn('gateways did not drain before the deadline; forcing them to close their sockets');
      for (const t of gateways) t.post({ type: 'force-stop' } satisfies GatewayCommand);
      if ((await Promise.race([gatewaysGone, deadline(1000)])) === 'timeout') log.error('a gateway did not stop; it may be wedged');
    }
    // Ingest before shards: its consumer acks what the shards applied, so the
    // shards must still be there while it drains. Shards and ingest hold no
    // sockets, so terminate() is safe for them at the deadline.
    // The store last: shards hand it their final firings and closed bars as they stop.
    for (const group of [[ingest], shards, [store]]) {
      const gone = Promise.all(
        group.map((t) => {
          const exited = t.stopping();
          t.post({ type: 'stop' });
          return exited;
        }),
      );
      if ((await Promise.race([gone, deadline(config.shutdownTimeoutMs - (Date.now() - started))])) === 'timeout') {
        await Promise.all(group.map((t) => t.terminate()));
      }
    }
    await redisMonitor?.close();
    log.info({ ms: Date.now() - started }, 'bourse stopped');
  }
}

/** Previous closes: the simulator's reference prices when it is the feed, otherwise unknown. */
function referencePrices(universe: Universe, config: Config, capacity: number): Float64Array {
  const out = new Float64Array(capacity).fill(Number.NaN);
  if (config.feed !== 'simulator') return out;
  const sim = new MarketSimulator({ universe, rate: 0, seed: config.simSeed || 1 });
  for (let id = 0; id < universe.size; id++) out[id] = sim.referencePrice(id);
  return out;
}

/** Binds `port` without SO_REUSEPORT and releases it; rejects with a clear error if something listens there. */
function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `${host}:${port} is already in use (another server is listening there)` : `cannot bind ${host}:${port}: ${err.message}`)),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** A port that is free on `host` right now (bound and released by the OS). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function once(w: Worker, event: 'message'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`thread exited with code ${code} before it was ready`));
    w.once('exit', onExit);
    // The first message that is not a metrics reply (a thread may answer a scrape before it is ready).
    const on = (m: { type?: string } | null) => {
      if (m?.type === 'metrics-reply') return;
      w.off(event, on);
      w.off('exit', onExit);
      resolve(m);
    };
    w.on(event, on);
  });
}

/** Posts `msg` to a shard and resolves when it answers (or is gone, or 2 s pass: a restarting shard reads the new list at start). */
function universeApplied(w: Worker | undefined, msg: UniverseMessage): Promise<void> {
  if (!w) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      w.off('message', on);
      w.off('exit', done);
      resolve();
    };
    const on = (m: { type?: string; id?: number }) => {
      if (m?.type === 'universe-applied' && m.id === msg.id) done();
    };
    const timer = setTimeout(done, 2000);
    w.on('message', on);
    w.once('exit', done);
    w.postMessage(msg);
  });
}

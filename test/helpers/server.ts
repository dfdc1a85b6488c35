import { loadConfig, createLogger, TICK_FIELDS, writeTick, TickKind, type Tick } from '../../core/index.js';
import { startServer, type ServerHandle } from '../../cli/supervisor.js';
import { emptyPostgresDatabase } from './db.js';
import { testSigningKeyPem } from './store-context.js';

export { sleep, until } from './wait.js';

/**
 * Starts a real Bourse (all threads) in this process on 127.0.0.1:0.
 * Defaults suit deterministic tests: no feed (ticks are injected), 2 gateways,
 * 2 shards, silent logs, and a fresh Postgres database of its own (dropped by
 * stop()) unless `env` names DATABASE_URL or a DATA_DIR (PGlite there); one
 * test signing key per process and PASSWORD_HASH_COST=10 (fast hashes).
 * Always stop() it (t.after / finally).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<ServerHandle> {
  const db = env.DATABASE_URL === undefined && env.DATA_DIR === undefined ? await emptyPostgresDatabase() : undefined;
  // A shared test signing key (unless the test brings a DATA_DIR, where one is generated) and cheap password hashes.
  const auth = env.DATA_DIR === undefined ? { AUTH_PRIVATE_KEY: testSigningKeyPem() } : {};
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', FEED: 'none', GATEWAY_THREADS: '2', SHARDS: '2', LOG_LEVEL: 'silent', UNIVERSE_SIZE: '200', PASSWORD_HASH_COST: '10', ...auth, ...(db ? { DATABASE_URL: db.url } : {}), ...env });
  let server: ServerHandle;
  try {
    server = await startServer(config, createLogger(config.logLevel, { thread: 'test-main' }));
  } catch (err) {
    await db?.drop();
    throw err;
  }
  await server.ready();
  if (db) {
    const stop = server.stop.bind(server);
    let stopped: Promise<void> | undefined;
    (server as { stop: () => Promise<void> }).stop = () => (stopped ??= stop().finally(() => db.drop()));
  }
  return server;
}

/** Tick records for `ticks` (fields not given default to a plausible trade). */
export function tickRecords(ticks: Partial<Tick>[]): Float64Array {
  const out = new Float64Array(ticks.length * TICK_FIELDS);
  ticks.forEach((t, i) =>
    writeTick(out, i, {
      symbol: 0,
      kind: TickKind.trade,
      price: 100,
      size: 100,
      bid: 0,
      ask: 0,
      bidSize: 0,
      askSize: 0,
      eventTs: Date.now(),
      arrival: 0,
      sourceSeq: 0,
      ...t,
    }),
  );
  return out;
}

/** Injects one trade per symbol at `price`. */
export function injectTrades(server: ServerHandle, symbols: string[], price: number, size = 100): void {
  const recs = tickRecords(symbols.map((s) => ({ symbol: server.universe.id(s), price, size, kind: TickKind.trade })));
  server.inject(recs, symbols.length);
}

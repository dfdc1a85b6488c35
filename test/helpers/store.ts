import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { ManualClock, SymbolDirectory, Universe, createLogger, loadConfig, type Config } from '../../core/index.js';
import type { RpcPush } from '../../core/rpc.js';
import type { DatabaseKind } from '../../core/store/database.js';
import type { StoreContext } from '../../domain/store-context.js';
import { testDatabase, type TestDatabase } from './db.js';

/** A store context over a fresh test database, with what it sent recorded. */
export interface TestStore {
  readonly ctx: StoreContext;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  /** Pushes sent to gateways, in order. */
  readonly pushes: RpcPush[];
  /** Messages sent to shards, in order. */
  readonly shardMessages: { shard: number; message: unknown }[];
  close(): Promise<void>;
}

/**
 * The StoreContext a domain module gets in the store thread, built in this
 * thread over a real database (Postgres or PGlite) with the embedded universe,
 * a ManualClock, and recording outbound channels. Config overrides are env
 * variables, as in production.
 */
export async function testStore(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestStore> {
  const db = await testDatabase(kind);
  const config: Config = loadConfig({ SHARDS: '2', LOG_LEVEL: 'silent', ...env });
  const universe = new Universe(EMBEDDED_COMPANIES);
  const clock = new ManualClock();
  const pushes: RpcPush[] = [];
  const shardMessages: { shard: number; message: unknown }[] = [];
  const ctx: StoreContext = {
    db: db.db,
    config,
    universe,
    directory: new SymbolDirectory(universe, config.shards),
    clock,
    log: createLogger('silent', { thread: 'test-store' }),
    pushToGateways: (p) => pushes.push(p),
    sendToShard: (shard, message) => shardMessages.push({ shard, message }),
  };
  return { ctx, db, clock, pushes, shardMessages, close: () => db.drop() };
}

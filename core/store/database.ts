import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type LogEvent, type MigrationResultSet } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { pgliteDialect } from './pglite-dialect.js';

export type DatabaseKind = 'postgres' | 'pglite';

/** One open database: Kysely over pg (a pool) or over PGlite (one embedded session). */
export interface StoreDatabase {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseKind;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; unset = PGlite. */
  readonly url?: string;
  /** PGlite's directory; unset = in memory (tests). */
  readonly pgliteDir?: string;
  readonly poolSize?: number;
  /** Called after every query with its duration (metrics, slow-query logs). */
  readonly onQuery?: (e: { sql: string; ms: number; failed: boolean }) => void;
}

/** Postgres int8 (oid 20) as a JS number: ids and counts here stay far below 2^53. PGlite already does so. */
const INT8_OID = 20;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<StoreDatabase> {
  const log = opts.onQuery
    ? (e: LogEvent) => opts.onQuery!({ sql: e.query.sql, ms: e.queryDurationMillis, failed: e.level === 'error' })
    : undefined;
  if (opts.url) {
    const pg = await import('pg');
    const Pool = pg.default.Pool;
    const pool = new Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.default.types.getTypeParser(oid, format))) as never },
    });
    // An idle client's error (server restart) must not crash the thread; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  if (opts.pgliteDir) mkdirSync(opts.pgliteDir, { recursive: true });
  const pglite = opts.pgliteDir ? new PGlite(opts.pgliteDir) : new PGlite();
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: pgliteDialect(pglite), log });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/** Where PGlite keeps its files under DATA_DIR. */
export function pgliteDirOf(dataDir: string): string {
  return join(dataDir, 'pglite');
}

export function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider, migrationTableName: 'bourse_migrations', migrationLockTableName: 'bourse_migrations_lock' });
}

/** Applies every pending migration; throws (with the failing migration's name) on error. */
export async function migrateUp(db: Kysely<Database>): Promise<MigrationResultSet> {
  return checked(await migrator(db).migrateToLatest());
}

/** Reverts the last applied migration. */
export async function migrateDown(db: Kysely<Database>): Promise<MigrationResultSet> {
  return checked(await migrator(db).migrateDown());
}

function checked(r: MigrationResultSet): MigrationResultSet {
  if (r.error) {
    const failed = r.results?.find((m) => m.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(r.error as Error).message ?? String(r.error)}`, { cause: r.error });
  }
  return r;
}

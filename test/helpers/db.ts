import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateUp, openDatabase, type DatabaseKind, type StoreDatabase } from '../../core/store/database.js';

/** The Postgres every test database is created on (CI and the local services). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends StoreDatabase {
  /** postgres:// URL of this database (Postgres only; PGlite is in memory). */
  readonly url?: string;
  /** Closes and (Postgres) drops the database. */
  drop(): Promise<void>;
}

/** Both backends every store test runs on. */
export const BACKENDS: readonly DatabaseKind[] = ['postgres', 'pglite'];

/**
 * A fresh, empty database of one kind, migrated unless `migrate: false`:
 * Postgres gets its own database (bourse_t_<random>), dropped by drop();
 * PGlite is an in-memory instance.
 */
export async function testDatabase(kind: DatabaseKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let store: StoreDatabase;
  let url: string | undefined;
  let dropPg = async (): Promise<void> => undefined;
  if (kind === 'postgres') {
    const name = `bourse_t_${randomBytes(6).toString('hex')}`;
    await admin(`create database ${name}`);
    url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    store = await openDatabase({ url, poolSize: 4 });
    dropPg = () => admin(`drop database if exists ${name} with (force)`);
  } else {
    store = await openDatabase({});
  }
  if (opts.migrate !== false) await migrateUp(store.db);
  let dropped = false;
  return {
    ...store,
    url,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await store.close();
      await dropPg();
    },
  };
}

/** Creates an empty Postgres database for a server under test; returns its URL and a drop function. */
export async function emptyPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bourse_t_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  return { url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

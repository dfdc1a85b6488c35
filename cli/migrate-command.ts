import type { Config } from '../core/index.js';
import { migrateDown, migrateUp, migrator, openDatabase, pgliteDirOf } from '../core/store/database.js';

interface Out {
  write(s: string): unknown;
}

/**
 * `bourse migrate up | down [--steps N] | status`: the same migration set the
 * server runs at start (MIGRATE_ON_START), against DATABASE_URL or the PGlite
 * database in DATA_DIR. Exit codes: 0 done, 1 a migration failed, 2 usage.
 */
export async function migrateCommand(config: Config, args: string[], out: Out, err: Out): Promise<number> {
  const [verb, ...rest] = args;
  let steps = 1;
  if (verb === 'down' && rest.length) {
    if (rest.length !== 2 || rest[0] !== '--steps' || !/^\d+$/.test(rest[1]) || Number(rest[1]) < 1) return usage(err);
    steps = Number(rest[1]);
  } else if (rest.length || !['up', 'down', 'status'].includes(verb ?? '')) {
    return usage(err);
  }
  const store = await openDatabase({ url: config.databaseUrl, pgliteDir: config.databaseUrl ? undefined : pgliteDirOf(config.dataDir), poolSize: 1 });
  const where = config.databaseUrl ? 'postgres (DATABASE_URL)' : `pglite (${pgliteDirOf(config.dataDir)})`;
  try {
    if (verb === 'status') {
      const all = await migrator(store.db).getMigrations();
      out.write(`database: ${where}\n`);
      for (const m of all) out.write(`${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}\n`);
      return 0;
    }
    for (let i = 0; i < (verb === 'up' ? 1 : steps); i++) {
      let r;
      try {
        r = verb === 'up' ? await migrateUp(store.db) : await migrateDown(store.db);
      } catch (e) {
        err.write(`bourse migrate: ${(e as Error).message}\n`);
        return 1;
      }
      for (const m of r.results ?? []) out.write(`${m.direction === 'Up' ? 'applied' : 'reverted'}  ${m.migrationName}\n`);
      if (!r.results?.length) {
        out.write(verb === 'up' ? 'nothing to apply\n' : 'nothing to revert\n');
        break;
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}

function usage(err: Out): number {
  err.write('usage: bourse migrate up | down [--steps N] | status\n');
  return 2;
}

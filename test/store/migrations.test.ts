import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { migrateDown, migrateUp, migrator } from '../../core/store/database.js';
import { MIGRATIONS } from '../../core/store/migrations/index.js';
import { BACKENDS, testDatabase } from '../helpers/db.js';

const TABLES = ['alerts', 'bars_1m', 'companies', 'consumer_offsets', 'dashboards', 'investors', 'notifications', 'quarantined_messages', 'refresh_tokens', 'watchlist_items'];

async function tables(db: Parameters<typeof migrateUp>[0]): Promise<string[]> {
  const r = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_name not like 'bourse_migrations%' order by 1`.execute(db);
  return r.rows.map((x) => x.table_name);
}

for (const kind of BACKENDS) {
  test(`${kind}: migrations go up, down and up again; status lists them`, async () => {
    const t = await testDatabase(kind, { migrate: false });
    try {
      assert.deepEqual(await tables(t.db), []);
      const up = await migrateUp(t.db);
      assert.deepEqual(up.results?.map((r) => [r.migrationName, r.status]), Object.keys(MIGRATIONS).map((name) => [name, 'Success']));
      assert.deepEqual(await tables(t.db), TABLES);
      assert.deepEqual((await migrateUp(t.db)).results, [], 'a second up is a no-op');
      const status = await migrator(t.db).getMigrations();
      assert.ok(status.every((m) => m.executedAt instanceof Date));
      for (let i = 0; i < Object.keys(MIGRATIONS).length; i++) await migrateDown(t.db);
      assert.deepEqual(await tables(t.db), []);
      await migrateUp(t.db);
      assert.deepEqual(await tables(t.db), TABLES);
    } finally {
      await t.drop();
    }
  });
}

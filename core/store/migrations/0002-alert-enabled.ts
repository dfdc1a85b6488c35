import { sql, type Kysely } from 'kysely';

/**
 * Alerts can be switched off without being deleted (PATCH /v1/alerts/:id
 * {enabled:false}); the shards load armed *and* enabled rules, so the partial
 * index that feeds them gains the flag. fire_count doubles as the rule's
 * fire sequence: the last firing recorded (see domain/alerts.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true)).execute();
  await db.schema.dropIndex('alerts_armed_symbol').execute();
  await db.schema.createIndex('alerts_armed_symbol').on('alerts').column('symbol').where(sql<boolean>`state = 'armed' and enabled`).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_armed_symbol').execute();
  await db.schema.createIndex('alerts_armed_symbol').on('alerts').column('symbol').where(sql.ref('state'), '=', 'armed').execute();
  await db.schema.alterTable('alerts').dropColumn('enabled').execute();
}

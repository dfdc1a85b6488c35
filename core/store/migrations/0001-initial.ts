import { sql, type Kysely } from 'kysely';

/**
 * The first schema. Every hot query has a composite index that serves its
 * keyset order (see docs/database.md for the plans):
 * - dashboards by investor in position order; watchlist items by dashboard in position order;
 * - alerts by investor newest first; armed alerts by symbol (loaded into the actors);
 * - notifications by investor newest first; undelivered ones (the outbox relay);
 * - bars by (symbol, start) — the primary key;
 * - quarantine newest first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('companies')
    .addColumn('ticker', 'text', (c) => c.primaryKey())
    .addColumn('cik', 'integer')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('exchange', 'text')
    .addColumn('sic', 'integer')
    .addColumn('industry', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('companies_exchange_ticker').on('companies').columns(['exchange', 'ticker']).execute();
  await db.schema.createIndex('companies_cik').on('companies').column('cik').execute();

  await db.schema
    .createTable('investors')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('investor_id', 'uuid', (c) => c.notNull().references('investors.id').onDelete('cascade'))
    .addColumn('family_id', 'uuid', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
  await db.schema.createIndex('refresh_tokens_investor').on('refresh_tokens').column('investor_id').execute();

  await db.schema
    .createTable('dashboards')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('investor_id', 'uuid', (c) => c.notNull().references('investors.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('dashboards_investor_position').on('dashboards').columns(['investor_id', 'position', 'id']).execute();

  await db.schema
    .createTable('watchlist_items')
    .addColumn('dashboard_id', 'uuid', (c) => c.notNull().references('dashboards.id').onDelete('cascade'))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('watchlist_items_pk', ['dashboard_id', 'symbol'])
    .execute();
  await db.schema.createIndex('watchlist_items_dashboard_position').on('watchlist_items').columns(['dashboard_id', 'position']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('investor_id', 'uuid', (c) => c.notNull().references('investors.id').onDelete('cascade'))
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('above', 'below', 'cross', 'pct_move', 'volume_spike')`))
    .addColumn('price', 'double precision')
    .addColumn('threshold', 'double precision')
    .addColumn('window_sec', 'integer')
    .addColumn('rearm', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('cooldown_sec', 'integer', (c) => c.notNull().defaultTo(300))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('armed').check(sql`state in ('armed', 'fired')`))
    .addColumn('fire_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_fired_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('alerts_investor_created').on('alerts').columns(['investor_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('alerts_armed_symbol').on('alerts').column('symbol').where(sql.ref('state'), '=', 'armed').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('investor_id', 'uuid', (c) => c.notNull().references('investors.id').onDelete('cascade'))
    .addColumn('alert_id', 'uuid', (c) => c.notNull())
    .addColumn('fire_seq', 'integer', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('price', 'double precision', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('fired_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dispatched_at', 'timestamptz')
    .addUniqueConstraint('notifications_alert_fire_seq', ['alert_id', 'fire_seq'])
    .execute();
  await db.schema.createIndex('notifications_investor_id').on('notifications').columns(['investor_id', 'id desc']).execute();
  await db.schema.createIndex('notifications_undispatched').on('notifications').column('id').where(sql.ref('dispatched_at'), 'is', null).execute();

  await db.schema
    .createTable('bars_1m')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('start', 'timestamptz', (c) => c.notNull())
    .addColumn('open', 'double precision', (c) => c.notNull())
    .addColumn('high', 'double precision', (c) => c.notNull())
    .addColumn('low', 'double precision', (c) => c.notNull())
    .addColumn('close', 'double precision', (c) => c.notNull())
    .addColumn('volume', 'double precision', (c) => c.notNull())
    .addColumn('trades', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('bars_1m_pk', ['symbol', 'start'])
    .execute();

  await db.schema
    .createTable('quarantined_messages')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('stream_seq', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .addColumn('delivery_count', 'integer', (c) => c.notNull())
    .addColumn('quarantined_at', 'timestamptz', (c) => c.notNull())
    .addColumn('replayed_at', 'timestamptz')
    .addUniqueConstraint('quarantined_messages_stream_seq', ['stream', 'stream_seq'])
    .execute();
  await db.schema.createIndex('quarantined_messages_time').on('quarantined_messages').columns(['quarantined_at desc', 'id desc']).execute();

  await db.schema
    .createTable('consumer_offsets')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['consumer_offsets', 'quarantined_messages', 'bars_1m', 'notifications', 'alerts', 'watchlist_items', 'dashboards', 'refresh_tokens', 'investors', 'companies']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

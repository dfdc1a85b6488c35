/**
 * Query plans of the store's hot queries on realistic volumes.
 *
 *   npm run bench:db -- [--bars 1000000] [--investors 10000] [--keep]
 *
 * Creates a scratch Postgres database (on TEST_PG_URL's server, default
 * postgres://postgres@127.0.0.1:5432/test), applies the migrations, loads the
 * full SEC company list from ../shared/data/company_tickers_exchange.json and
 * generated investors, dashboards, watchlists, alerts, notifications and
 * 1-minute bars, runs VACUUM ANALYZE, then EXPLAIN (ANALYZE, BUFFERS) for each
 * hot query with the parameters a busy investor or symbol would send. Prints
 * the plans, writes them to bench/results/<time>-db-explain.json, and
 * rewrites the generated section of docs/database.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateUp, openDatabase } from '../core/store/database.js';
import { REPO_ROOT, RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';

const SEC_FILE = join(REPO_ROOT, '../shared/data/company_tickers_exchange.json');
const DOC = join(REPO_ROOT, 'docs/database.md');
const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Args {
  bars: number;
  investors: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { bars: 1_000_000, investors: 10_000, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--keep') a.keep = true;
    else if (k === '--bars' || k === '--investors') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1000) throw new Error(`${k} needs an integer ≥ 1000`);
      a[k.slice(2) as 'bars' | 'investors'] = v;
    } else throw new Error(`unknown argument ${k} (use --bars N, --investors N, --keep)`);
  }
  return a;
}

/** One hot query: what serves it, and its SQL with realistic parameters. */
interface HotQuery {
  readonly name: string;
  readonly serves: string;
  readonly sql: string;
}

const HOT_QUERIES: readonly HotQuery[] = [
  {
    name: 'bars: newest page of a symbol',
    serves: 'GET /v1/bars/:symbol (no from): keyset backward on the primary key',
    sql: `select start, open, high, low, close, volume, trades from bars_1m where symbol = 'SYM7' and start < now() order by start desc limit 501`,
  },
  {
    name: 'bars: forward page after a cursor',
    serves: 'GET /v1/bars/:symbol?from=…&cursor=…',
    sql: `select start, open, high, low, close, volume, trades from bars_1m where symbol = 'SYM7' and start >= now() - interval '3 days' and start > now() - interval '2 days' and start < now() order by start asc limit 501`,
  },
  {
    name: 'bars: batched upsert (1,000 rows)',
    serves: 'the store writing closed bars (domain/bars.ts)',
    sql: `insert into bars_1m (symbol, start, open, high, low, close, volume, trades)
      select 'SYM' || (g % 500), date_trunc('minute', now()) + (g / 500) * interval '1 minute', 1, 2, 0.5, 1.5, 100, 3 from generate_series(0, 999) g
      on conflict (symbol, start) do update set open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume, trades = excluded.trades`,
  },
  {
    name: 'companies: by ticker',
    serves: 'symbol validation, search detail',
    sql: `select ticker, name, exchange, sic, industry from companies where ticker = 'AAPL'`,
  },
  {
    name: 'companies: an exchange in ticker order, after a cursor',
    serves: 'directory listing / search filter by exchange',
    sql: `select ticker, name from companies where exchange = 'NYSE' and ticker > 'M' order by ticker limit 51`,
  },
  {
    name: 'investors: login by email',
    serves: 'POST /v1/auth/login',
    sql: `select id, password_hash from investors where email = 'investor5000@example.com'`,
  },
  {
    name: 'refresh token by hash',
    serves: 'POST /v1/auth/refresh',
    sql: `select id, investor_id, family_id, expires_at, used_at, revoked_at from refresh_tokens where token_hash = 'hash-15000'`,
  },
  {
    name: 'refresh tokens: revoke a family',
    serves: 'reuse detection, logout',
    sql: `update refresh_tokens set revoked_at = now() where family_id = '{family}' and revoked_at is null`,
  },
  {
    name: "dashboards of an investor, in order, with their watchlists",
    serves: 'GET /v1/dashboards, GET /v1/dashboards/:id and every dashboard change (one statement: each watchlist as an array)',
    sql: `select id, name, position, created_at, updated_at, coalesce((select array_agg(w.symbol order by w.position) from watchlist_items w where w.dashboard_id = dashboards.id), '{}') as symbols from dashboards where investor_id = '{investor}' order by position, id limit 51`,
  },
  {
    name: "a dashboard's watchlist, in order, after a cursor",
    serves: 'GET /v1/dashboards/:id/symbols?cursor=…',
    sql: `select symbol, position, added_at from watchlist_items where dashboard_id = '{dashboard}' and position > 2 order by position limit 1001`,
  },
  {
    name: "alerts of an investor, newest first, after a cursor",
    serves: 'GET /v1/alerts?cursor=…',
    sql: `select * from alerts where investor_id = '{investor}' and (created_at < now() or (created_at = now() and id < 'ffffffff-ffff-ffff-ffff-ffffffffffff')) order by created_at desc, id desc limit 51`,
  },
  {
    name: 'every armed rule (rare: a shard attaching)',
    serves: 'the store sending each shard its rules when it (re)starts; the rules are split by shard in memory',
    sql: `select * from alerts where state = 'armed' and enabled = true`,
  },
  {
    name: 'notifications of an investor, newest first, after a cursor',
    serves: 'GET /v1/notifications?cursor=…',
    sql: `select * from notifications where investor_id = '{investor}' and id < 9223372036854775807 order by id desc limit 51`,
  },
  {
    name: 'notifications of an investor after an id, oldest first',
    serves: 'SSE resume from Last-Event-ID',
    sql: `select * from notifications where investor_id = '{investor}' and id > 0 order by id limit 1000`,
  },
  {
    name: 'outbox: undispatched notifications',
    serves: 'the notification dispatcher',
    sql: `select * from notifications where dispatched_at is null order by id limit 500`,
  },
  {
    name: 'quarantine, newest first',
    serves: 'quarantine inspection in SQL',
    sql: `select id, stream, stream_seq, subject, reason from quarantined_messages order by quarantined_at desc, id desc limit 50`,
  },
];

async function load(c: pg.Client, a: Args): Promise<Record<string, number>> {
  const sec = JSON.parse(readFileSync(SEC_FILE, 'utf8')) as { data: [number, string, string, string | null][] };
  const rows = sec.data;
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    const values = part.map((_, j) => `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4})`).join(',');
    await c.query(`insert into companies (cik, name, ticker, exchange) values ${values} on conflict (ticker) do nothing`, part.flat());
  }
  const n = a.investors;
  await c.query(`insert into investors (email, password_hash) select 'investor' || g || '@example.com', 'scrypt$x' from generate_series(1, ${n}) g`);
  await c.query(`insert into refresh_tokens (investor_id, family_id, token_hash, expires_at)
    select i.id, gen_random_uuid(), 'hash-' || row_number() over (), now() + interval '30 days' from investors i, generate_series(1, 3)`);
  await c.query(`insert into dashboards (investor_id, name, position) select i.id, 'Dashboard ' || g, g from investors i, generate_series(1, 3) g`);
  await c.query(`insert into watchlist_items (dashboard_id, symbol, position) select d.id, 'SYM' || ((d.position * 37 + g * 13) % 500), g from dashboards d, generate_series(1, 10) g on conflict do nothing`);
  await c.query(`insert into alerts (investor_id, symbol, kind, price, state, created_at)
    select i.id, 'SYM' || (g * 97 % 500), 'above', 100 + g, case when g % 4 = 0 then 'fired' else 'armed' end, now() - g * interval '1 hour' from investors i, generate_series(1, 5) g`);
  await c.query(`insert into notifications (investor_id, alert_id, fire_seq, symbol, kind, message, price, value, fired_at, dispatched_at)
    select a.investor_id, a.id, g, a.symbol, a.kind, 'crossed', 101, 101, now() - g * interval '1 minute', case when g = 20 and a.symbol = 'SYM1' then null else now() end
    from alerts a, generate_series(1, 20) g`);
  const symbols = 500;
  const minutes = Math.ceil(a.bars / symbols);
  await c.query(`insert into bars_1m (symbol, start, open, high, low, close, volume, trades)
    select 'SYM' || s, date_trunc('minute', now()) - m * interval '1 minute', 100, 101, 99, 100.5, 1000, 10 from generate_series(0, ${symbols - 1}) s, generate_series(1, ${minutes}) m`);
  await c.query(`insert into quarantined_messages (stream, stream_seq, subject, reason, payload, delivery_count, quarantined_at)
    select 'MARKET', g, 'md.trade.SYM1', 'invalid', '\\x00'::bytea, 1, now() - g * interval '1 second' from generate_series(1, 10000) g`);
  await c.query('vacuum analyze');
  const counts: Record<string, number> = {};
  for (const t of ['companies', 'investors', 'refresh_tokens', 'dashboards', 'watchlist_items', 'alerts', 'notifications', 'bars_1m', 'quarantined_messages']) {
    counts[t] = Number((await c.query(`select count(*)::bigint as n from ${t}`)).rows[0].n);
  }
  return counts;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const name = `bourse_explain_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  try {
    const store = await openDatabase({ url, poolSize: 1 });
    await migrateUp(store.db);
    await store.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const t0 = performance.now();
    const counts = await load(c, a);
    process.stdout.write(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}\n\n`);
    // Literal parameters, as the store's prepared statements would bind them.
    const investor = (await c.query(`select id from investors where email = 'investor5000@example.com'`)).rows[0].id as string;
    const params: Record<string, string> = {
      investor,
      dashboard: (await c.query(`select id from dashboards where investor_id = $1 order by position limit 1`, [investor])).rows[0].id as string,
      family: (await c.query(`select family_id from refresh_tokens where token_hash = 'hash-15000'`)).rows[0].family_id as string,
    };
    const plans: { name: string; serves: string; sql: string; plan: string; executionMs: number }[] = [];
    for (const hot of HOT_QUERIES) {
      const q = { ...hot, sql: hot.sql.replace(/\{(\w+)\}/g, (_, k: string) => params[k]) };
      await c.query('begin');
      // Twice: the first run warms the cache; the second is the one recorded.
      await c.query(`explain (analyze, buffers, format text) ${q.sql}`);
      const r = await c.query(`explain (analyze, buffers, format text) ${q.sql}`);
      await c.query('rollback');
      const plan = r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
      plans.push({ ...q, plan, executionMs });
      process.stdout.write(`## ${q.name} (${executionMs} ms)\n${plan}\n\n`);
    }
    await c.end();
    const result = { startedAt: new Date().toISOString(), args: a, counts, postgres: (await admin.query('show server_version')).rows[0].server_version as string, plans };
    const file = await writeResultJson(RESULTS_DIR, 'db-explain', result.startedAt, result);
    writeDoc(result);
    process.stdout.write(`results: ${file}\ndocs/database.md updated\n`);
  } finally {
    if (!a.keep) await admin.query(`drop database if exists ${name} with (force)`);
    else process.stdout.write(`kept database ${name}\n`);
    await admin.end();
  }
}

const BEGIN = '<!-- db-explain:begin (generated by npm run bench:db; do not edit by hand) -->';
const END = '<!-- db-explain:end -->';

function writeDoc(r: { startedAt: string; counts: Record<string, number>; postgres: string; plans: { name: string; serves: string; sql: string; plan: string; executionMs: number }[] }): void {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [
    BEGIN,
    '',
    `Measured ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC on PostgreSQL ${r.postgres}, this machine (2 cores), with:`,
    '',
    '| table | rows |',
    '|---|---:|',
    ...Object.entries(r.counts).map(([t, n]) => `| ${t} | ${fmt(n)} |`),
    '',
    '| query | serves | execution |',
    '|---|---|---:|',
    ...r.plans.map((p) => `| ${p.name} | ${p.serves} | ${p.executionMs.toFixed(3)} ms |`),
    '',
    ...r.plans.flatMap((p) => [`### ${p.name}`, '', '```sql', p.sql.replace(/\s+/g, ' ').trim(), '```', '', '```', p.plan, '```', '']),
    END,
  ];
  let doc: string;
  try {
    doc = readFileSync(DOC, 'utf8');
  } catch {
    doc = `# Database\n\n${BEGIN}\n${END}\n`;
  }
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  doc = start >= 0 && end > start ? doc.slice(0, start) + lines.join('\n') + doc.slice(end + END.length) : `${doc.trimEnd()}\n\n${lines.join('\n')}\n`;
  writeFileSync(DOC, doc);
}

main().catch((err) => {
  process.stderr.write(`bench:db: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Universe, loadConfig } from '../../core/index.js';
import { SearchIndex } from '../../core/search/search-index.js';
import { parseQuery } from '../../core/search/search-text.js';
import { readCompanyTickersFile } from '../../ingest/sec/company-tickers-file.js';
import { UNIVERSE_CHECK_MS, companiesModule, seedCompanies, type SearchIndexMessage } from '../../domain/companies.js';
import { BACKENDS } from '../helpers/db.js';
import { testStore } from '../helpers/store-context.js';
import { sleep, until } from '../helpers/wait.js';
import { migrateUp } from '../../core/store/database.js';

const DATA = '/work/shared/data';
const FILE = `${DATA}/company_tickers_exchange.json`;

/** The full SEC list's listings (10,218), or the first `n`. */
const secUniverse = (n?: number): Universe => new Universe(readCompanyTickersFile(FILE).companies.slice(0, n));

for (const kind of BACKENDS) {
  test(`${kind}: the companies table is seeded from the full SEC universe with CIK and SIC, idempotently, and the index is pushed`, async (t) => {
    const s = await testStore(kind, { UNIVERSE_FILE: FILE, COMPANY_PROFILES: `${FILE},${DATA}/edgar_submissions` }, { universe: secUniverse() });
    t.after(() => s.close());
    const { ctx, pushes } = s;
    const db = ctx.db;
    const m = companiesModule(ctx);
    await m.ready;
    const count = await db.selectFrom('companies').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 10_218);
    const aapl = await db.selectFrom('companies').selectAll().where('ticker', '=', 'AAPL').executeTakeFirstOrThrow();
    assert.deepEqual({ cik: aapl.cik, name: aapl.name, exchange: aapl.exchange, sic: aapl.sic, industry: aapl.industry }, { cik: 320193, name: 'Apple Inc.', exchange: 'Nasdaq', sic: 3571, industry: 'Electronic Computers' });
    const brkA = await db.selectFrom('companies').select(['cik', 'sic']).where('ticker', '=', 'BRK-A').executeTakeFirstOrThrow();
    assert.deepEqual(brkA, { cik: 1067983, sic: 6331 }, 'every listing of a company gets its profile');
    const msft = await db.selectFrom('companies').select(['cik', 'sic']).where('ticker', '=', 'MSFT').executeTakeFirstOrThrow();
    assert.deepEqual(msft, { cik: 789019, sic: null }, 'CIK from the ticker list, SIC unknown without a submissions document');

    // Two builds were pushed: the universe at once, then the table after seeding; the later is newer.
    const built = pushes.filter((p) => p.push === 'search.index') as unknown as SearchIndexMessage[];
    assert.equal(built.length, 2);
    assert.ok(built[1].builtAt > built[0].builtAt);
    assert.equal(m.current()?.index, built[1].index);
    const ix = new SearchIndex(built[1].index);
    assert.equal(ix.size, 10_218);
    assert.deepEqual(ix.search(parseQuery('apple')!, { limit: 1, sic: 3571 }).hits.map((h) => [h.ticker, h.sicDescription]), [['AAPL', 'Electronic Computers']]);
    const answered = (await m.handlers!['search.index']({})) as SearchIndexMessage;
    assert.equal(answered.index, built[1].index);

    // Seeding again changes nothing; a start without profiles keeps the CIK and SIC already known.
    const records = ctx.universe.companies.map((c) => ({ ticker: c.symbol, name: c.name, exchange: c.exchange || null, cik: null, sic: null, sicDescription: null }));
    assert.equal(await seedCompanies(ctx, records), 0);
    const again = companiesModule({ ...ctx, config: loadConfig({ LOG_LEVEL: 'silent', UNIVERSE_FILE: FILE }), pushToGateways: () => undefined });
    await again.ready;
    const kept = await db.selectFrom('companies').select(['cik', 'sic', 'industry']).where('ticker', '=', 'AAPL').executeTakeFirstOrThrow();
    assert.deepEqual(kept, { cik: 320193, sic: 3571, industry: 'Electronic Computers' });
    // ...and the index rebuilt from the table carries it, though this start's sources did not.
    const rebuilt = new SearchIndex(again.current()!.index);
    assert.equal(rebuilt.search(parseQuery('aapl')!, { limit: 1 }).hits[0].sic, 3571);

    // A renamed company is updated in place.
    const renamed = records.map((r) => (r.ticker === 'MSFT' ? { ...r, name: 'Microsoft Corporation' } : r));
    assert.equal(await seedCompanies(ctx, renamed), 1);
    const stats = await again.reindex();
    assert.equal(stats.entries, 10_218);
    assert.equal(new SearchIndex(again.current()!.index).search(parseQuery('corporation micro')!, { limit: 1 }).hits[0].ticker, 'MSFT');
  });
}

test('a universe that grows or renames while running reaches the table and the index', async (t) => {
  const universe = secUniverse(20);
  const s = await testStore('postgres', {}, { universe });
  t.after(() => s.close());
  const m = companiesModule(s.ctx);
  await m.ready;
  const before = s.pushes.length;
  s.clock.advance(UNIVERSE_CHECK_MS);
  await sleep(50);
  assert.equal(s.pushes.length, before, 'no change, no rebuild');

  universe.extend([{ symbol: 'NEWCO', name: 'Newly Listed Widgets Inc.', exchange: 'NYSE' }, { ...universe.companies[0], name: 'Renamed Giant Corp' }]);
  s.clock.advance(UNIVERSE_CHECK_MS);
  await until(() => s.pushes.length > before, 4000, 'the index rebuilt');
  const ix = new SearchIndex((s.pushes.at(-1) as unknown as SearchIndexMessage).index);
  assert.equal(ix.size, 21);
  assert.deepEqual(ix.search(parseQuery('widgets')!, { limit: 5 }).hits.map((h) => [h.ticker, h.exchange]), [['NEWCO', 'NYSE']]);
  assert.equal(ix.search(parseQuery('renamed giant')!, { limit: 1 }).hits[0]?.ticker, universe.companies[0].symbol);
  const row = await s.ctx.db.selectFrom('companies').select(['name']).where('ticker', '=', universe.companies[0].symbol).executeTakeFirstOrThrow();
  assert.equal(row.name, 'Renamed Giant Corp');
  await m.stop!();
});

test('a seeding that failed (no table yet) is retried by the follow loop; search serves the universe meanwhile', async (t) => {
  const s = await testStore('pglite', {}, { universe: secUniverse(30), migrate: false });
  t.after(() => s.close());
  const m = companiesModule(s.ctx);
  await assert.rejects(m.ready);
  assert.equal(new SearchIndex(m.current()!.index).size, 30, 'the universe is searchable without the table');
  await migrateUp(s.ctx.db);
  s.clock.advance(UNIVERSE_CHECK_MS);
  await until(() => s.pushes.length >= 2, 4000, 'the index rebuilt from the table');
  assert.equal(s.pushes.length, 2, 'rebuilt from the table once it could be seeded');
  assert.equal((await s.ctx.db.selectFrom('companies').select('ticker').execute()).length, 30);
  await m.stop!();
});

test('search.index before any build answers search_unavailable; an unreadable profile path still seeds the directory', async (t) => {
  const s = await testStore('pglite', { COMPANY_PROFILES: '/nonexistent/profiles.json' }, { universe: secUniverse(50) });
  t.after(() => s.close());
  const m = companiesModule(s.ctx);
  // The module reads its profiles asynchronously: nothing is built yet.
  await assert.rejects(m.handlers!['search.index']({}), (err: { code?: string }) => err.code === 'search_unavailable');
  await m.ready;
  const rows = await s.ctx.db.selectFrom('companies').select('ticker').execute();
  assert.equal(rows.length, 50);
  assert.ok(m.current());
});

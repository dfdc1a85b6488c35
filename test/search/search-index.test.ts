import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildSearchIndex, type SearchCompany } from '../../core/search/search-index-builder.js';
import { SearchIndex, type SearchOptions } from '../../core/search/search-index.js';
import * as L from '../../core/search/search-layout.js';
import { parseQuery } from '../../core/search/search-text.js';

const c = (ticker: string, name: string, exchange: string | null = 'Nasdaq', sic: number | null = null, sicDescription: string | null = null): SearchCompany => ({ ticker, name, exchange, sic, sicDescription });

/** Ordinal order = popularity: AAPL is the most popular. */
const COMPANIES: SearchCompany[] = [
  c('AAPL', 'Apple Inc.', 'Nasdaq', 3571, 'Electronic Computers'),
  c('MSFT', 'MICROSOFT CORP', 'Nasdaq', 7372, 'Services-Prepackaged Software'),
  c('APP', 'AppLovin Corp', 'Nasdaq', 7372, 'Services-Prepackaged Software'),
  c('XOM', 'EXXON MOBIL CORP', 'NYSE', 2911, 'Petroleum Refining'),
  c('APPF', 'APPFOLIO INC', 'Nasdaq'),
  c('MU', 'MICRON TECHNOLOGY INC', 'Nasdaq'),
  c('BRK-B', 'BERKSHIRE HATHAWAY INC', 'NYSE', 6331),
  c('NSRGY', 'Nestlé S.A.', 'OTC'),
  c('T', 'AT&T Inc.', 'NYSE'),
  c('BAC', 'BANK OF AMERICA CORP', 'NYSE'),
  c('BMA', 'Banco Macro S.A.', 'NYSE'),
  c('SMCI', 'Super Micro Computer, Inc.', 'Nasdaq'),
  c('ZZZ', 'Micro Micro Microsystems', null),
];

function index(companies = COMPANIES): SearchIndex {
  return new SearchIndex(buildSearchIndex(companies, 1_700_000_000_000).buffer);
}

function tickers(ix: SearchIndex, q: string, o: Partial<SearchOptions> = {}): string[] {
  const parsed = parseQuery(q);
  assert.ok(parsed, `query ${q} parses`);
  return ix.search(parsed, { limit: 50, ...o }).hits.map((h) => h.ticker);
}

test('every ticker and every name word is found by its full key and by each of its prefixes', () => {
  const ix = index();
  for (const co of COMPANIES) {
    for (let n = 1; n <= co.ticker.length; n++) assert.ok(tickers(ix, co.ticker.slice(0, n)).includes(co.ticker), `${co.ticker} by ${co.ticker.slice(0, n)}`);
    for (const w of co.name.toLowerCase().split(/[^a-z0-9é]+/).filter(Boolean)) {
      const word = w.normalize('NFKD').replace(/\p{M}/gu, '');
      for (let n = 1; n <= word.length; n++) assert.ok(tickers(ix, word.slice(0, n)).includes(co.ticker), `${co.ticker} by ${word.slice(0, n)}`);
    }
  }
});

test('ranking: exact ticker, then ticker prefixes, then name-word prefixes; ties by ordinal', () => {
  const ix = index();
  const r = ix.search(parseQuery('app')!, { limit: 10 });
  assert.deepEqual(r.hits.map((h) => [h.ticker, h.match]), [
    ['APP', 'ticker'],
    ['APPF', 'ticker_prefix'],
    ['AAPL', 'name'],
  ]);
  // A company matching both by ticker prefix and by a name word appears once, in its best tier.
  assert.deepEqual(tickers(ix, 'micro'), ['MSFT', 'MU', 'SMCI', 'ZZZ']);
  // MOBIL, Macro, Micro, Micro: name words, by ordinal.
  assert.deepEqual(tickers(ix, 'm'), ['MSFT', 'MU', 'XOM', 'BMA', 'SMCI', 'ZZZ']);
});

test('filters: exchange (case-insensitive, unknown venue matches nothing) and SIC code', () => {
  const ix = index();
  assert.deepEqual(tickers(ix, 'a'), ['AAPL', 'APP', 'APPF', 'NSRGY', 'T', 'BAC', 'BMA']);
  assert.deepEqual(tickers(ix, 'a', { exchange: 'nyse' }), ['T', 'BAC', 'BMA']);
  assert.ok(tickers(ix, 'a', { exchange: 'NYSE' }).every((t) => COMPANIES.find((x) => x.ticker === t)!.exchange === 'NYSE'));
  assert.deepEqual(tickers(ix, 'a', { exchange: 'LSE' }), []);
  assert.deepEqual(tickers(ix, 'app', { sic: 7372 }), ['APP']);
  assert.deepEqual(tickers(ix, 'm', { sic: 7372 }), ['MSFT']);
  assert.deepEqual(tickers(ix, 'micro', { exchange: 'nasdaq', sic: 3571 }), []);
  assert.ok(ix.exchanges.includes('OTC'));
});

test('unicode and case: queries and names are folded (accents, width, case); BRK.B finds BRK-B', () => {
  const ix = index();
  assert.deepEqual(tickers(ix, 'NESTLE'), ['NSRGY']);
  assert.deepEqual(tickers(ix, 'nestlé'), ['NSRGY']);
  assert.deepEqual(tickers(ix, 'ＡＰＰＦ'), ['APPF']);
  assert.deepEqual(tickers(ix, 'brk.b'), ['BRK-B']);
  assert.deepEqual(tickers(ix, 'Brk-B'), ['BRK-B']);
  const hit = index().search(parseQuery('nest')!, { limit: 1 }).hits[0];
  assert.equal(hit.name, 'Nestlé S.A.', 'names come back as given');
});

test('several words: every word must prefix a word of the name, in any order', () => {
  const ix = index();
  assert.deepEqual(tickers(ix, 'bank of am'), ['BAC']);
  assert.deepEqual(tickers(ix, 'america bank'), ['BAC']);
  assert.deepEqual(tickers(ix, 'ban'), ['BAC', 'BMA']);
  assert.deepEqual(tickers(ix, 'at&t'), ['T']);
  assert.deepEqual(tickers(ix, 'micro comp'), ['SMCI']);
  assert.deepEqual(tickers(ix, 'bank of zebra'), []);
});

test('no match, and the empty index, answer an empty page', () => {
  assert.deepEqual(tickers(index(), 'qqqq'), []);
  const empty = index([]);
  assert.equal(empty.size, 0);
  assert.deepEqual(empty.search(parseQuery('a')!, { limit: 10 }), { hits: [], more: false });
  assert.equal(parseQuery('  '), undefined);
  assert.equal(parseQuery('&&'), undefined);
});

test('hits carry exchange, SIC and description, null when unknown', () => {
  const [aapl] = index().search(parseQuery('aapl')!, { limit: 1 }).hits;
  assert.deepEqual({ ...aapl }, { ticker: 'AAPL', name: 'Apple Inc.', exchange: 'Nasdaq', sic: 3571, sicDescription: 'Electronic Computers', match: 'ticker', tier: 0, ordinal: 0 });
  const [zzz] = index().search(parseQuery('zzz')!, { limit: 1 }).hits;
  assert.equal(zzz.exchange, null);
  assert.equal(zzz.sic, null);
  assert.equal(zzz.sicDescription, null);
});

function manyCompanies(): SearchCompany[] {
  const many: SearchCompany[] = [];
  for (let i = 0; i < 400; i++) many.push(c(`A${i.toString(36).toUpperCase()}`, `Alpha ${i % 7 === 0 ? 'Apex' : 'Beta'} Holdings ${i} ${i % 5 ? 'Apollo' : ''}`, i % 3 ? 'NYSE' : 'Nasdaq', i % 4 ? 7372 : null));
  return many;
}

test('best-entries lists of long runs give exactly the answers of a full scan, for every list size, filter and cursor', () => {
  const many = manyCompanies();
  const scan = new SearchIndex(buildSearchIndex(many, 1, { topMinRun: 1e9 }).buffer);
  const variants = [
    { topMinRun: 0, topSize: 1 },
    { topMinRun: 2, topSize: 3 },
    { topMinRun: 10, topSize: 20 },
    { topMinRun: 50, topSize: 96 },
    {},
  ].map((opts) => new SearchIndex(buildSearchIndex(many, 1, opts).buffer));
  const queries = ['a', 'a1', 'ap', 'apo', 'alpha', 'hold', 'alpha apo', 'apex hold', 'b', '1', 'z'];
  const options: Partial<SearchOptions>[] = [{}, { exchange: 'nyse' }, { sic: 7372 }, { exchange: 'nasdaq', sic: 7372 }];
  for (const q of queries) {
    for (const o of options) {
      for (const limit of [1, 5, 50]) {
        const expected = scan.search(parseQuery(q)!, { limit, ...o });
        for (const ix of variants) assert.deepEqual(ix.search(parseQuery(q)!, { limit, ...o }), expected, `q=${q} limit=${limit} ${JSON.stringify(o)}`);
        const last = expected.hits.at(-1);
        if (last) {
          const next = { limit, ...o, after: { tier: last.tier, ordinal: last.ordinal } };
          for (const ix of variants) assert.deepEqual(ix.search(parseQuery(q)!, next), scan.search(parseQuery(q)!, next), `q=${q} after ${last.ticker}`);
        }
      }
    }
  }
});

test('keyset paging: pages of any size concatenate to the full result, without repeats or gaps', () => {
  const ix = new SearchIndex(buildSearchIndex(manyCompanies(), 1, { topMinRun: 8, topSize: 12 }).buffer);
  for (const q of ['a', 'ap', 'alpha', 'hold']) {
    for (const o of [{}, { exchange: 'nyse' }]) {
      const all = ix.search(parseQuery(q)!, { limit: 10_000, ...o }).hits.map((h) => h.ticker);
      for (const size of [1, 7, 50]) {
        const got: string[] = [];
        let after: { tier: number; ordinal: number } | undefined;
        for (;;) {
          const page = ix.search(parseQuery(q)!, { limit: size, after, ...o });
          got.push(...page.hits.map((h) => h.ticker));
          if (!page.more) break;
          const last = page.hits.at(-1)!;
          after = { tier: last.tier, ordinal: last.ordinal };
        }
        assert.deepEqual(got, all, `q=${q} size=${size} ${JSON.stringify(o)}`);
        assert.equal(new Set(got).size, got.length);
      }
    }
  }
});

test('SAB layout round-trip: header fields at their named offsets, sections inside the buffer, strings intact', () => {
  const { buffer, stats } = buildSearchIndex(COMPANIES, 1_700_000_000_123);
  const h = new Int32Array(buffer, 0, L.HEADER_WORDS);
  assert.equal(h[L.H_MAGIC], L.LAYOUT_MAGIC);
  assert.equal(h[L.H_VERSION], L.LAYOUT_VERSION);
  assert.equal(h[L.H_ENTRY_COUNT], COMPANIES.length);
  assert.equal(h[L.H_NODE_COUNT], stats.nodes);
  assert.equal(h[L.H_TICKER_POSTINGS], COMPANIES.length);
  assert.equal(h[L.H_WORD_POSTINGS], stats.wordPostings);
  assert.equal(new Float64Array(buffer, L.HEADER_BUILT_AT_BYTE, 1)[0], 1_700_000_000_123);
  const sections = [
    [L.H_NODES_OFFSET, h[L.H_NODE_COUNT] * L.NODE_STRIDE * 4],
    [L.H_ENTRIES_OFFSET, h[L.H_ENTRY_COUNT] * L.ENTRY_STRIDE * 4],
    [L.H_TICKERS_OFFSET, h[L.H_TICKER_POSTINGS] * 4],
    [L.H_WORDS_OFFSET, h[L.H_WORD_POSTINGS] * 4],
    [L.H_TOPS_OFFSET, h[L.H_TOP_WORDS] * 4],
    [L.H_EXCHANGES_OFFSET, h[L.H_EXCHANGE_COUNT] * 8],
    [L.H_STRINGS_OFFSET, h[L.H_STRING_UNITS] * 2],
  ];
  let end = L.HEADER_BYTES;
  for (const [field, bytes] of sections) {
    assert.equal(h[field], end, `section ${field} follows the previous one`);
    assert.equal(h[field] % 4, 0);
    end += bytes;
  }
  assert.ok(end <= buffer.byteLength);
  // Entry 0's ticker, read by hand through the named offsets.
  const e = new Int32Array(buffer, h[L.H_ENTRIES_OFFSET], L.ENTRY_STRIDE);
  const s = new Uint16Array(buffer, h[L.H_STRINGS_OFFSET], h[L.H_STRING_UNITS]);
  assert.equal(String.fromCharCode(...s.subarray(e[L.E_TICKER_OFF], e[L.E_TICKER_OFF] + e[L.E_TICKER_LEN])), 'AAPL');
  assert.equal(e[L.E_SIC], 3571);
  // A second reader over the same memory answers the same.
  assert.deepEqual(tickers(new SearchIndex(buffer), 'micro'), tickers(index(), 'micro'));
  assert.throws(() => new SearchIndex(new SharedArrayBuffer(8)), TypeError);
  const wrong = new SharedArrayBuffer(buffer.byteLength);
  new Uint8Array(wrong).set(new Uint8Array(buffer));
  new Int32Array(wrong)[L.H_VERSION] = 99;
  assert.throws(() => new SearchIndex(wrong), /layout/);
});

test('another thread queries the same buffer without a copy and sees the same answers', async () => {
  const { buffer } = buildSearchIndex(COMPANIES, 1);
  const url = new URL('../../core/search/search-index.js', import.meta.url).href;
  const textUrl = new URL('../../core/search/search-text.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     (async () => {
       const { SearchIndex } = await import(${JSON.stringify(url)});
       const { parseQuery } = await import(${JSON.stringify(textUrl)});
       const ix = new SearchIndex(workerData);
       // Mark the shared memory from here: the main thread must see it (same memory, not a copy).
       new Int32Array(workerData, 0, 16)[15] = 4242;
       parentPort.postMessage(ix.search(parseQuery('micro'), { limit: 10 }).hits.map((h) => h.ticker));
     })();`,
    { eval: true, workerData: buffer },
  );
  const answer = await new Promise<string[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(answer, tickers(index(), 'micro'));
  assert.equal(new Int32Array(buffer, 0, 16)[15], 4242);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Universe } from '../../core/universe.js';
import { readCompanyTickersFile } from '../../ingest/sec/company-tickers-file.js';
import { buildSearchIndex } from '../../core/search/search-index-builder.js';
import { SearchIndex } from '../../core/search/search-index.js';
import { parseQuery } from '../../core/search/search-text.js';

const FILE = '/work/shared/data/company_tickers_exchange.json';

/** The whole SEC ticker list (10,218 tickers), in the file's order (roughly by size), as the server indexes it with UNIVERSE_FILE. */
function secIndex(): SearchIndex {
  const universe = new Universe(readCompanyTickersFile(FILE).companies);
  const { buffer } = buildSearchIndex(universe.companies.map((c) => ({ ticker: c.symbol, name: c.name, exchange: c.exchange || null, sic: null, sicDescription: null })), 0);
  return new SearchIndex(buffer);
}

const ix = secIndex();
const top = (q: string, limit = 10, o: { exchange?: string } = {}) => ix.search(parseQuery(q)!, { limit, ...o }).hits.map((h) => h.ticker);

test('the full SEC list is indexed: 10,218 tickers, each found by its own ticker first', () => {
  assert.equal(ix.size, 10_218);
  const universe = new Universe(readCompanyTickersFile(FILE).companies);
  for (const c of universe.companies) {
    const [first] = ix.search(parseQuery(c.symbol)!, { limit: 1 }).hits;
    assert.equal(first?.ticker, c.symbol, c.symbol);
    assert.equal(first.match, 'ticker');
  }
});

test('expected top results on the real list', () => {
  // "app": AppLovin's ticker is exactly APP, so it leads (exact ticker first), then
  // the APP* tickers, then names; Apple is the first name match.
  const app = ix.search(parseQuery('app')!, { limit: 10 }).hits;
  assert.deepEqual(app.slice(0, 2).map((h) => [h.ticker, h.match]), [['APP', 'ticker'], ['APPF', 'ticker_prefix']]);
  assert.equal(app.find((h) => h.match === 'name')?.ticker, 'AAPL');
  assert.equal(top('apple')[0], 'AAPL');
  assert.equal(top('micro')[0], 'MSFT');
  assert.ok(top('micro', 5).includes('AMD') && top('micro', 5).includes('MU'));
  assert.equal(top('microsoft')[0], 'MSFT');
  assert.equal(top('nvidia')[0], 'NVDA');
  assert.deepEqual(top('brk.b', 1), ['BRK-B']);
  assert.equal(top('berkshire')[0], 'BRK-B');
  assert.equal(top('bank of america')[0], 'BAC');
  assert.equal(top('exxon')[0], 'XOM');
  assert.deepEqual(top('a', 3), ['A', 'AAPL', 'AMZN'], 'Agilent is the exact ticker A; then the largest A* tickers');
  assert.ok(top('app', 50, { exchange: 'NYSE' }).every((t) => t !== 'AAPL'));
});

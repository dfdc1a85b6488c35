import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, until } from '../helpers/server.js';

const DATA = '/work/shared/data';

interface Hit {
  ticker: string;
  name: string;
  exchange: string | null;
  sic: number | null;
  sicDescription: string | null;
  match: string;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

test('GET /v1/search on a real server over the full SEC list: ranking, filters, paging, validation', async () => {
  const server = await startTestServer({ UNIVERSE_FILE: `${DATA}/company_tickers_exchange.json`, UNIVERSE_SIZE: '100000', COMPANY_PROFILES: `${DATA}/company_tickers_exchange.json,${DATA}/edgar_submissions` });
  const base = `http://127.0.0.1:${server.port}/v1/search`;
  const get = async (qs: string): Promise<{ status: number; body: Body }> => {
    const r = await fetch(`${base}${qs}`);
    return { status: r.status, body: await r.json() };
  };
  try {
    // The index arrives from the store thread shortly after start; until then, 503 search_unavailable.
    let r!: { status: number; body: Body };
    await until(async () => {
      r = await get('?q=apple');
      if (r.status !== 503) return true;
      assert.equal(r.body.error.code, 'search_unavailable');
      return false;
    }, 10_000, 'the search index');
    assert.equal(r.status, 200);
    assert.equal(r.body.results[0].ticker, 'AAPL');
    assert.equal(r.body.results[0].match, 'name');

    // Happy path, default limit 10.
    r = await get('?q=app');
    assert.equal(r.status, 200);
    assert.equal(r.body.results.length, 10);
    assert.deepEqual(r.body.results.slice(0, 2).map((h: Hit) => h.ticker), ['APP', 'APPF']);
    assert.equal(typeof r.body.nextCursor, 'string');
    r = await get('?q=micro&limit=3');
    assert.deepEqual(r.body.results.map((h: Hit) => h.ticker), ['MSFT', 'AMD', 'MU']);

    // SIC arrives once the table (with the submissions documents' profiles) is indexed.
    let aapl: Hit | undefined;
    await until(async () => (aapl = (await get('?q=AAPL&limit=1')).body.results[0])?.sic === 3571, 20_000, 'AAPL with its SIC');
    assert.deepEqual(aapl, { ticker: 'AAPL', name: 'Apple Inc.', exchange: 'Nasdaq', sic: 3571, sicDescription: 'Electronic Computers', match: 'ticker' });
    r = await get('?q=b&sic=6331');
    assert.deepEqual(r.body.results.map((h: Hit) => h.ticker).sort(), ['BRK-A', 'BRK-B']);
    r = await get('?q=app&exchange=nyse&limit=50');
    assert.ok(r.body.results.length > 0 && r.body.results.every((h: Hit) => h.exchange === 'NYSE'));
    r = await get('?q=app&exchange=LSE');
    assert.deepEqual(r.body, { results: [], nextCursor: null });
    r = await get('?q=qqqqqqq');
    assert.deepEqual(r.body, { results: [], nextCursor: null });

    // Paging: the cursor walks the same order without repeats, on whichever gateway answers.
    const all = (await get('?q=ban&limit=50')).body.results.map((h: Hit) => h.ticker);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Body } = await get(`?q=ban&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      paged.push(...page.body.results.map((h: Hit) => h.ticker));
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < 50);
    assert.deepEqual(paged.slice(0, all.length), all);
    assert.equal(new Set(paged).size, paged.length);

    // Bad inputs: stable codes.
    const cursorOfApp = (await get('?q=app&limit=1')).body.nextCursor;
    const bad: [string, number, string][] = [
      ['', 400, 'invalid_query'],
      ['?q=', 400, 'invalid_query'],
      [`?q=${'a'.repeat(65)}`, 400, 'invalid_query'],
      ['?q=%3Cscript%3E', 400, 'invalid_query'],
      ['?q=a%00b', 400, 'invalid_query'],
      ['?q=...', 400, 'invalid_query'],
      ['?q=app&limit=0', 400, 'invalid_query'],
      ['?q=app&limit=51', 400, 'invalid_query'],
      ['?q=app&limit=ten', 400, 'invalid_query'],
      ['?q=app&sic=10000', 400, 'invalid_query'],
      ['?q=app&exchange=N%20Y', 400, 'invalid_query'],
      ['?q=app&color=red', 400, 'invalid_query'],
      ['?q=app&cursor=%%%', 400, 'invalid_cursor'],
      ['?q=app&cursor=eyJsIjoiYmFycyJ9', 400, 'invalid_cursor'],
      [`?q=apple&cursor=${cursorOfApp}`, 400, 'invalid_cursor'],
      [`?q=app&exchange=nyse&cursor=${cursorOfApp}`, 400, 'invalid_cursor'],
    ];
    for (const [qs, status, code] of bad) {
      const b = await get(qs);
      assert.equal(b.status, status, qs);
      assert.equal(b.body.error.code, code, qs);
    }
    const wrongAuth = await fetch(`${base}?q=app`, { headers: { authorization: 'Basic x' } });
    assert.equal(wrongAuth.status, 401, 'auth is optional, but a malformed Authorization header is refused');

    const doc = (await (await fetch(`http://127.0.0.1:${server.port}/v1/openapi.json`)).json()) as Body;
    assert.ok(doc.paths['/v1/search']?.get, 'the OpenAPI document lists /v1/search');
  } finally {
    await server.stop();
  }
});

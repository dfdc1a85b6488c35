import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { hasCode } from '../../../core/errors.js';
import type { CompanyObservation } from '../../../ingest/sec/company.js';
import type { SecProblem } from '../../../ingest/sec/company-source.js';
import { EdgarClient, parseRetryAfter, validateUserAgent } from '../../../ingest/sec/edgar-client.js';
import { EdgarCompanySource, type EdgarCompanySourceOptions } from '../../../ingest/sec/edgar-company-source.js';
import { isSecError } from '../../../ingest/sec/sec-errors.js';

/**
 * A local stand-in for www.sec.gov and data.sec.gov serving the real files
 * from /work/shared/data (never the real SEC). Routes:
 *   /files/company_tickers_exchange.json   gzip-encoded when asked
 *   /submissions/CIK##########.json         from edgar_submissions/, 404 otherwise
 * `script` answers chosen paths with a sequence of statuses first.
 */
const DATA = '/work/shared/data';
const UA = 'Bourse test admin@example.com';

interface Hit {
  readonly path: string;
  readonly at: number;
  readonly ua: string | undefined;
  readonly acceptEncoding: string | undefined;
}

interface FakeSec {
  readonly hits: Hit[];
  readonly base: string;
  /** path → statuses to answer before serving it normally (e.g. [429, 503]). */
  readonly script: Map<string, number[]>;
  list: Buffer;
  close(): Promise<void>;
}

async function fakeSec(): Promise<FakeSec> {
  const hits: Hit[] = [];
  const script = new Map<string, number[]>();
  const state: { list: Buffer } = { list: readFileSync(`${DATA}/company_tickers_exchange.json`) };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    hits.push({ path, at: performance.now(), ua: req.headers['user-agent'], acceptEncoding: req.headers['accept-encoding'] });
    const scripted = script.get(path)?.shift();
    if (scripted !== undefined) {
      res.writeHead(scripted, scripted === 429 ? { 'Retry-After': '0' } : {});
      res.end('nope');
      return;
    }
    let body: Buffer | undefined;
    if (path === '/files/company_tickers_exchange.json') body = state.list;
    else {
      const m = /^\/submissions\/(CIK\d{10}\.json)$/.exec(path);
      try {
        if (m) body = readFileSync(`${DATA}/edgar_submissions/${m[1]}`);
      } catch {
        body = undefined;
      }
    }
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (/\bgzip\b/.test(String(req.headers['accept-encoding']))) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(body));
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    hits,
    script,
    base: `http://127.0.0.1:${port}`,
    get list() {
      return state.list;
    },
    set list(b: Buffer) {
      state.list = b;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function source(sec: FakeSec, opts: Partial<EdgarCompanySourceOptions> = {}): EdgarCompanySource {
  return new EdgarCompanySource({
    userAgent: UA,
    tickersUrl: `${sec.base}/files/company_tickers_exchange.json`,
    submissionsBaseUrl: `${sec.base}/submissions`,
    retryBaseMs: 5,
    retryMaxMs: 50,
    ...opts,
  });
}

async function readAll(s: EdgarCompanySource): Promise<{ companies: CompanyObservation[]; skipped: SecProblem[]; warnings: SecProblem[]; expected?: number }> {
  const out = { companies: [] as CompanyObservation[], skipped: [] as SecProblem[], warnings: [] as SecProblem[], expected: undefined as number | undefined };
  for await (const item of s.read()) {
    if (item.kind === 'company') out.companies.push(item.company);
    else if (item.kind === 'expected') out.expected = item.companies;
    else out[item.kind === 'skipped' ? 'skipped' : 'warnings'].push(item.problem);
  }
  return out;
}

test('EDGAR source: refuses to start without a User-Agent with a contact, or above 10 requests/s', () => {
  for (const ua of [undefined, '', '   ', 'Bourse', 'Bourse admin at example dot com', 'Bourse\tadmin@example.com']) {
    assert.throws(() => validateUserAgent(ua), (e: unknown) => hasCode(e, 'config_invalid') && /SEC_USER_AGENT or pass --user-agent/.test((e as Error).message), JSON.stringify(ua));
  }
  assert.equal(validateUserAgent('  Bourse admin@example.com '), 'Bourse admin@example.com');
  assert.throws(() => new EdgarClient({ userAgent: UA, maxRequestsPerSecond: 11 }), (e: unknown) => hasCode(e, 'config_invalid'));
  assert.throws(() => new EdgarCompanySource({ userAgent: UA, tickersUrl: 'ftp://example.com/x' }), (e: unknown) => hasCode(e, 'config_invalid'));
});

test('EDGAR source: chosen CIKs fetched with the User-Agent, gzip, ≤ 10 requests/s; 404 handled both ways', async () => {
  const sec = await fakeSec();
  try {
    // 15 requests: the list, 6 real CIKs and 8 unknown ones, so a one-second window could hold more than 10.
    const unknown = [999_991, 999_992, 999_993, 999_994, 999_995, 999_996, 999_997, 999_998];
    const s = source(sec, { submissions: [320193, 34088, 1067983, 884394, 1961, 1045810, ...unknown] });
    const r = await readAll(s);
    assert.equal(r.expected, 14);
    assert.deepEqual(r.companies.map((c) => [c.cik, c.name]), [
      [320193, 'Apple Inc.'],
      [34088, 'EXXON MOBIL CORP'],
      [1067983, 'BERKSHIRE HATHAWAY INC'],
      [884394, 'SPDR S&P 500 ETF TRUST'],
      [1961, 'WORLDS INC'],
      [1045810, 'NVIDIA CORP'],
    ]);
    assert.deepEqual(r.companies[2].tickers.map((t) => t.ticker), ['BRK-B', 'BRK-A']);
    assert.equal(r.companies[3].profile?.sic, null);
    assert.deepEqual(r.companies[4].tickers, [{ ticker: 'WDDD', exchange: 'OTC' }]);
    // NVIDIA is listed but has no submissions here: taken from the list, with a warning.
    assert.equal(r.companies[5].profile, undefined);
    assert.deepEqual(r.warnings.map((w) => w.reason), ['not found (404); company taken from the ticker list alone']);
    assert.match(r.warnings[0].where, /CIK0001045810\.json$/);
    // Unknown CIKs are in neither: skipped.
    assert.deepEqual(r.skipped.map((p) => [p.where.replace(sec.base, ''), p.reason]), unknown.map((c) => [`/submissions/CIK0000${c}.json`, 'not found (404)']));

    assert.equal(sec.hits.length, 15);
    for (const h of sec.hits) {
      assert.equal(h.ua, UA);
      assert.match(String(h.acceptEncoding), /gzip/);
    }
    // As the server sees them. Arrival times carry a few ms of loopback and timer jitter (the first request
    // also sets up the connection), so this is the generous real-time bound: 15 requests span at least
    // 14 × 100 ms less 50 ms, and none follows another within 60 ms. The exact "≤ 10 in any second" is
    // shown on the injected clock in token-bucket.test.ts.
    const at = sec.hits.map((h) => h.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    assert.ok(at[14] - at[0] >= 1350 && gaps.every((g) => g >= 60), `requests ${gaps.map((g) => g.toFixed(0)).join(', ')} ms apart`);
    assert.equal(s.client.stats.requests, 15);
    assert.equal(s.client.stats.notFound, 9);
  } finally {
    await sec.close();
  }
});

test('EDGAR source: 429 (Retry-After) and 503 are retried; the companies arrive', async () => {
  const sec = await fakeSec();
  try {
    sec.script.set('/submissions/CIK0000320193.json', [429, 429]);
    sec.script.set('/submissions/CIK0000034088.json', [503]);
    const s = source(sec, { submissions: [320193, 34088], maxRequestsPerSecond: 10 });
    const r = await readAll(s);
    assert.deepEqual(r.companies.map((c) => [c.cik, c.profile?.sic]), [[320193, 3571], [34088, 2911]]);
    assert.deepEqual([r.skipped, r.warnings], [[], []]);
    assert.equal(sec.hits.filter((h) => h.path === '/submissions/CIK0000320193.json').length, 3);
    assert.equal(sec.hits.filter((h) => h.path === '/submissions/CIK0000034088.json').length, 2);
    assert.equal(s.client.stats.retries, 3);
  } finally {
    await sec.close();
  }
});

test('EDGAR source: retries run out → the listed company comes from the list; failures in a row stop the read', async () => {
  const sec = await fakeSec();
  try {
    sec.script.set('/submissions/CIK0000320193.json', [500, 500]);
    const r = await readAll(source(sec, { submissions: [320193, 34088], maxAttempts: 2 }));
    assert.deepEqual(r.companies.map((c) => [c.cik, c.profile === undefined]), [[320193, true], [34088, false]]);
    assert.match(r.warnings[0].reason, /^sec_fetch_failed: .*CIK0000320193\.json failed 2 times; last: 500 Internal Server Error; company taken from the ticker list alone$/);

    sec.script.set('/submissions/CIK0000320193.json', [500, 500]);
    sec.script.set('/submissions/CIK0000034088.json', [502, 502]);
    await assert.rejects(readAll(source(sec, { submissions: [320193, 34088, 1067983], maxAttempts: 2, maxConsecutiveFailures: 2 })), (e: unknown) => isSecError(e, 'sec_fetch_failed') && /2 submissions documents in a row/.test((e as Error).message));
  } finally {
    await sec.close();
  }
});

test('EDGAR source: 403 stops at once with sec_access_denied; a bad ticker list with sec_data_invalid', async () => {
  const sec = await fakeSec();
  try {
    sec.script.set('/files/company_tickers_exchange.json', [403]);
    await assert.rejects(readAll(source(sec, { submissions: 'none' })), (e: unknown) => isSecError(e, 'sec_access_denied') && /User-Agent/.test((e as Error).message));
    assert.equal(sec.hits.length, 1, 'a 403 is not retried');
    sec.list = Buffer.from('{"fields":["name"],"data":[]}');
    await assert.rejects(readAll(source(sec, { submissions: 'none' })), (e: unknown) => isSecError(e, 'sec_data_invalid') && /no "cik" column/.test((e as Error).message));
    sec.list = Buffer.from('<html>maintenance</html>');
    await assert.rejects(readAll(source(sec, { submissions: 'none' })), (e: unknown) => isSecError(e, 'sec_data_invalid') && /not valid JSON/.test((e as Error).message));
  } finally {
    await sec.close();
  }
});

test('EDGAR source: submissions "none" reads the whole list in one request; limit keeps the first companies', async () => {
  const sec = await fakeSec();
  try {
    const all = await readAll(source(sec, { submissions: 'none' }));
    assert.equal(all.companies.length, 7_959);
    assert.equal(sec.hits.length, 1);
    const some = await readAll(source(sec, { submissions: 'none', limit: 3 }));
    assert.deepEqual(some.companies.map((c) => c.tickers[0].ticker), ['NVDA', 'AAPL', 'GOOGL']);
  } finally {
    await sec.close();
  }
});

test('parseRetryAfter: seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('7', 0), 7000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
  assert.equal(parseRetryAfter(null, 0), undefined);
});

/**
 * npm run bench:search -- [--duration 10] [--connections 32] [--iterations 200000] [--no-http] [--no-record]
 *
 * Company search over the full SEC ticker list (UNIVERSE_FILE, 10,218 tickers):
 * 1. index build time (median of 5 builds) and memory (buffer bytes, heap);
 * 2. in-process query latency: SearchIndex.search + hit mapping, exactly what
 *    the gateway handler runs, over a query mix (p50/p99/max in µs);
 * 3. autocannon against GET /v1/search on a spawned Bourse (FEED=none,
 *    PGlite in a temporary directory, API rate limit raised out of the way),
 *    cycling through the same mix: requests/s and latency.
 * Writes bench/results/<time>-search.json and appends a row to docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Universe } from '../core/universe.js';
import { readCompanyTickersFile } from '../ingest/sec/company-tickers-file.js';
import { buildSearchIndex, type SearchCompany } from '../core/search/search-index-builder.js';
import { SearchIndex } from '../core/search/search-index.js';
import { parseQuery } from '../core/search/search-text.js';
import { BENCHMARKS_DOC, RESULTS_DIR } from './load/paths.js';
import { appendDocsRow, writeResultJson, type DocsSection } from './load/results-docs.js';
import { spawnServer, waitReady } from './load/server-process.js';
import { cpuCores, readProcSample } from './load/proc-sampler.js';

const SEC_FILE = process.env.UNIVERSE_FILE ?? '/work/shared/data/company_tickers_exchange.json';

/** The query mix: single letters (the longest runs), common prefixes, exact tickers, whole names, several words, misses, filters. */
const MIX: readonly { q: string; exchange?: string; limit?: number }[] = [
  { q: 'a' }, { q: 's' }, { q: 'c' }, { q: 'ap' }, { q: 'app' }, { q: 'appl' }, { q: 'micro' }, { q: 'mic' },
  { q: 'AAPL' }, { q: 'MSFT' }, { q: 'brk.b' }, { q: 'nvidia' }, { q: 'bank of am' }, { q: 'inc' }, { q: 'corp' },
  { q: 'tech' }, { q: 'zzzzq' }, { q: 'ban', exchange: 'NYSE' }, { q: 'a', exchange: 'OTC' }, { q: 'holdings', limit: 50 },
];

/** This bench's section of docs/benchmarks.md: rows go into its table, wherever other sections are. */
const SEARCH_SECTION: DocsSection = {
  heading: '## Company search (`npm run bench:search`)',
  intro: '\n## Company search (`npm run bench:search`)\n\n```\nnpm run bench:search\n```\n\n| Date (UTC) | Bench | Tickers | Build ms | Index MiB | Query p50 µs | Query p99 µs | HTTP req/s | HTTP p50 ms | HTTP p99 ms | non-2xx |\n|---|---|---|---|---|---|---|---|---|---|---|\n',
  tableHeader: [
    '| Date (UTC) | Bench | Tickers | Build ms | Index MiB | Query p50 µs | Query p99 µs | HTTP req/s | HTTP p50 ms | HTTP p99 ms | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ],
};

interface Args {
  duration: number;
  connections: number;
  iterations: number;
  http: boolean;
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { duration: 10, connections: 32, iterations: 200_000, http: true, record: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--no-record') a.record = false;
    else if (k === '--no-http') a.http = false;
    else {
      const key = k.replace(/^--/, '') as 'duration' | 'connections' | 'iterations';
      const v = Number(argv[++i]);
      if (!['duration', 'connections', 'iterations'].includes(key) || !Number.isInteger(v) || v <= 0) throw new Error(`bad option ${k} (options: --duration S --connections N --iterations N --no-http --no-record)`);
      a[key] = v;
    }
  }
  return a;
}

const pct = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '—');

function secCompanies(): SearchCompany[] {
  const universe = new Universe(readCompanyTickersFile(SEC_FILE).companies);
  return universe.companies.map((c) => ({ ticker: c.symbol, name: c.name, exchange: c.exchange || null, sic: null, sicDescription: null }));
}

function measureBuild(companies: SearchCompany[]): { medianMs: number; bytes: number; heapMb: number; nodes: number; wordPostings: number; index: SearchIndex } {
  const times: number[] = [];
  let last: ReturnType<typeof buildSearchIndex> | undefined;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < 5; i++) {
    last = buildSearchIndex(companies, Date.now());
    times.push(last.stats.ms);
  }
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  times.sort((x, y) => x - y);
  return { medianMs: times[2], bytes: last!.buffer.byteLength, heapMb: (heapAfter - heapBefore) / 2 ** 20, nodes: last!.stats.nodes, wordPostings: last!.stats.wordPostings, index: new SearchIndex(last!.buffer) };
}

function measureQueries(ix: SearchIndex, iterations: number): { p50Us: number; p99Us: number; maxUs: number; perQueryP50Us: Record<string, number> } {
  const parsed = MIX.map((m) => ({ ...m, parsed: parseQuery(m.q)! }));
  const run = (m: (typeof parsed)[number]) => {
    const r = ix.search(m.parsed, { limit: m.limit ?? 10, exchange: m.exchange });
    // What the handler adds: the response objects.
    return r.hits.map((h) => ({ ticker: h.ticker, name: h.name, exchange: h.exchange, sic: h.sic, sicDescription: h.sicDescription, match: h.match })).length;
  };
  for (let i = 0; i < 20_000; i++) run(parsed[i % parsed.length]);
  const all = new Float64Array(iterations);
  const per = parsed.map(() => [] as number[]);
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const k = i % parsed.length;
    const t = process.hrtime.bigint();
    sink += run(parsed[k]);
    const us = Number(process.hrtime.bigint() - t) / 1000;
    all[i] = us;
    per[k].push(us);
  }
  if (sink < 0) throw new Error('unreachable');
  all.sort();
  const perQueryP50Us: Record<string, number> = {};
  parsed.forEach((m, k) => {
    const s = Float64Array.from(per[k]).sort();
    perQueryP50Us[`${m.q}${m.exchange ? ` exchange=${m.exchange}` : ''}${m.limit ? ` limit=${m.limit}` : ''}`] = Math.round(pct(s, 0.5) * 10) / 10;
  });
  return { p50Us: pct(all, 0.5), p99Us: pct(all, 0.99), maxUs: all[all.length - 1], perQueryP50Us };
}

async function measureHttp(a: Args): Promise<{ requestsPerS: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; serverCpu: number; serverRssMb: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-search-bench-'));
  const env = { FEED: 'none', UNIVERSE_FILE: SEC_FILE, DATA_DIR: dataDir, API_RATE_LIMIT: '1000000', DATABASE_URL: '' };
  const server = await spawnServer({ target: 'bourse', host: '127.0.0.1', rate: 0, flushMs: 50, symbols: 100_000, env });
  try {
    await Promise.race([waitReady(server, 180_000), server.died]);
    for (let i = 0; ; i++) {
      const r = await fetch(`${server.httpBase}/v1/search?q=a`);
      await r.arrayBuffer();
      if (r.status === 200) break;
      if (i > 600) throw new Error(`/v1/search never answered 200 (last ${r.status})`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const requests = MIX.map((m) => ({ method: 'GET' as const, path: `/v1/search?q=${encodeURIComponent(m.q)}${m.exchange ? `&exchange=${m.exchange}` : ''}${m.limit ? `&limit=${m.limit}` : ''}` }));
    const before = server.pid ? readProcSample(server.pid) : undefined;
    const r = await autocannon({ url: server.httpBase, connections: a.connections, duration: a.duration, requests });
    const after = server.pid ? readProcSample(server.pid) : undefined;
    return {
      requestsPerS: r.requests.average,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      serverCpu: before && after ? cpuCores(before, after) : Number.NaN,
      serverRssMb: after ? after.rssKb / 1024 : Number.NaN,
    };
  } finally {
    await server.stop(15_000).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const companies = secCompanies();
  const build = measureBuild(companies);
  const queries = measureQueries(build.index, a.iterations);
  const http = a.http ? await measureHttp(a) : undefined;
  const result = { bench: 'search', startedAt, tickers: companies.length, build: { medianMs: build.medianMs, bytes: build.bytes, heapMb: build.heapMb, nodes: build.nodes, wordPostings: build.wordPostings }, queries, http, args: a };
  process.stdout.write(
    [
      `bench:search — ${companies.length.toLocaleString('en-US')} tickers (${SEC_FILE})`,
      `  build      median ${f(build.medianMs)} ms of 5; index ${f(build.bytes / 2 ** 20, 2)} MiB SharedArrayBuffer (${f(build.nodes, 0)} tree nodes, ${f(build.wordPostings, 0)} name-word postings); heap after 5 builds +${f(build.heapMb)} MiB`,
      `  in-process p50 ${f(queries.p50Us, 2)} µs, p99 ${f(queries.p99Us, 2)} µs, max ${f(queries.maxUs, 0)} µs over ${a.iterations.toLocaleString('en-US')} queries (${MIX.length}-query mix)`,
      `  per query  p50 µs: ${Object.entries(queries.perQueryP50Us).map(([q, us]) => `${q}=${us}`).join(', ')}`,
      http
        ? `  HTTP       ${f(http.requestsPerS, 0)} req/s, p50 ${f(http.p50Ms)} ms, p99 ${f(http.p99Ms)} ms, non-2xx ${http.non2xx}, errors ${http.errors} (autocannon, ${a.connections} connections, ${a.duration} s); server CPU ${f(http.serverCpu * 100, 0)}% of a core, RSS ${f(http.serverRssMb, 0)} MiB`
        : '  HTTP       skipped (--no-http)',
      '',
    ].join('\n'),
  );
  if (a.record) {
    const file = await writeResultJson(RESULTS_DIR, 'search', startedAt, result);
    await appendDocsRow(
      BENCHMARKS_DOC,
      `| ${startedAt.slice(0, 16).replace('T', ' ')} | search | ${companies.length} | ${f(build.medianMs)} | ${f(build.bytes / 2 ** 20, 2)} | ${f(queries.p50Us, 2)} | ${f(queries.p99Us, 2)} | ${http ? f(http.requestsPerS, 0) : '—'} | ${http ? f(http.p50Ms) : '—'} | ${http ? f(http.p99Ms) : '—'} | ${http ? http.non2xx : '—'} |`,
      SEARCH_SECTION,
    );
    process.stdout.write(`results: ${file}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench:search: ${(err as Error).message}\n`);
  process.exit(1);
});

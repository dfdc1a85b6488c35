/**
 * node dist/bench/metrics-bench.js [--clients 50] [--scrapes 100] [--rate 20000]
 *
 * What metrics cost. (1) Per observation: FastHistogram (hot paths) against
 * prom-client's Histogram, unlabelled and labelled. (2) Per scrape: a spawned
 * Bourse (defaults for threads, PGlite, simulator feed at --rate ticks/s over
 * 2,000 symbols, --clients WebSocket clients in this process subscribed to 20
 * symbols each) is
 * scraped --scrapes times, one after another; reported: /metrics latency
 * (gateway → supervisor → every thread → aggregate → text), exposition size,
 * and the tick-to-wire and flush figures the server itself exposes.
 * Writes bench/results/<stamp>-metrics.json.
 */
import { Histogram, Registry } from 'prom-client';
import { FastHistogram, LATENCY_SECONDS_BUCKETS } from '../core/index.js';
import { sleep } from '../test/helpers/server.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';
import { fetchSymbols, spawnServer, waitReady } from './load/server-process.js';

interface Args {
  clients: number;
  scrapes: number;
  rate: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { clients: 50, scrapes: 100, rate: 20_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '') as keyof Args;
    const v = Number(argv[i + 1]);
    if (!(k in a) || !Number.isFinite(v) || v < 0) throw new Error(`bad argument ${argv[i]} ${argv[i + 1]}`);
    a[k] = v;
  }
  return a;
}

/** ns per call of `fn` over `n` calls (after a warm-up of n/10). */
function nsPerOp(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < n / 10; i++) fn(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / n;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const N = 5_000_000;
  const values = Float64Array.from({ length: 4096 }, (_, i) => (i % 97) / 1000);
  const fast = new FastHistogram(LATENCY_SECONDS_BUCKETS);
  const reg = new Registry();
  const plain = new Histogram({ name: 'plain_seconds', help: 'x', buckets: LATENCY_SECONDS_BUCKETS, registers: [reg] });
  const labelled = new Histogram({ name: 'labelled_seconds', help: 'x', buckets: LATENCY_SECONDS_BUCKETS, labelNames: ['shard'], registers: [reg] });
  const micro = {
    fastHistogramNs: nsPerOp(N, (i) => fast.observe(values[i & 4095])),
    promHistogramNs: nsPerOp(N, (i) => plain.observe(values[i & 4095])),
    promHistogramLabelledNs: nsPerOp(N, (i) => labelled.observe({ shard: '1' }, values[i & 4095])),
  };
  console.log(`observe: FastHistogram ${micro.fastHistogramNs.toFixed(1)} ns, prom-client Histogram ${micro.promHistogramNs.toFixed(1)} ns, labelled ${micro.promHistogramLabelledNs.toFixed(1)} ns`);

  const server = await spawnServer({ target: 'bourse', host: '127.0.0.1', rate: args.rate, flushMs: 50, symbols: 2000 });
  const clients: TestClient[] = [];
  try {
    await waitReady(server, 60_000);
    const port = Number(server.streamUrl.port);
    const symbols = await fetchSymbols(server);
    for (let i = 0; i < args.clients; i++) {
      const c = await TestClient.connect(port, i % 4 === 0 ? 'msgpack' : 'json');
      c.send({ op: 'subscribe', symbols: Array.from({ length: 20 }, (_, k) => symbols[(i * 20 + k) % 400]), channels: ['quotes', 'trades'] });
      clients.push(c);
    }
    // The clients only make egress load: drop what they record.
    const forget = setInterval(() => clients.forEach((c) => ((c.messages.length = 0), (c.receivedAt.length = 0))), 500);
    await sleep(3000);
    const ms: number[] = [];
    let bytes = 0;
    let text = '';
    for (let i = 0; i < args.scrapes; i++) {
      const t = performance.now();
      const res = await fetch(`${server.httpBase}/metrics`);
      text = await res.text();
      ms.push(performance.now() - t);
      bytes = text.length;
      await sleep(20);
    }
    clearInterval(forget);
    ms.sort((a, b) => a - b);
    const wireCount = series(text, 'bourse_tick_to_wire_seconds_count');
    const scrape = {
      p50Ms: quantile(ms, 0.5),
      p99Ms: quantile(ms, 0.99),
      maxMs: ms.at(-1)!,
      exposition: { bytes, lines: text.split('\n').length },
      tickToWireMeanMs: (series(text, 'bourse_tick_to_wire_seconds_sum') / wireCount) * 1000,
      tickToWireObservations: wireCount,
      ticks: series(text, 'bourse_ingest_ticks_routed_total'),
    };
    console.log(`/metrics over ${args.scrapes} scrapes: p50 ${scrape.p50Ms.toFixed(1)} ms, p99 ${scrape.p99Ms.toFixed(1)} ms, max ${scrape.maxMs.toFixed(1)} ms; ${bytes} bytes, ${scrape.exposition.lines} lines`);
    console.log(`server says: ${scrape.ticks} ticks routed, ${wireCount} tick-to-wire observations, mean ${scrape.tickToWireMeanMs.toFixed(1)} ms`);
    const date = new Date().toISOString();
    const out = await writeResultJson(RESULTS_DIR, 'metrics', date, { date, args, micro, scrape });
    console.log(`wrote ${out}`);
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
}

await main();

/**
 * npm run bench:redis -- [--seconds 5] [--symbols 5000] [--concurrency 64] [--no-record]
 *
 * The Redis speed layer's throughput against the Redis at REDIS_URL
 * (default redis://127.0.0.1:6379), through the same adapters the server
 * uses, with a key prefix of its own that is deleted afterwards:
 * - quote writes: RedisQuoteCache batches (put every symbol of a batch, then
 *   flush: one Lua script call per 500 symbols with their records packed in
 *   one argument, HSET + PEXPIRE inside) at several batch sizes; the same
 *   hashes as a pipeline of HSET + PEXPIRE per symbol; and the unpipelined
 *   baseline (one awaited round trip per symbol);
 * - rate-limit hits: RedisRateLimiter (one EVALSHA per hit) at concurrency 1
 *   and --concurrency, over 1,000 keys; the in-process limiter for scale;
 * - alert-latch claims (SET NX PX) at --concurrency.
 * Prints records or ops per second, latency percentiles, this process's CPU
 * per operation and redis-server's (from INFO cpu, so on a shared server it
 * includes other clients); writes JSON to bench/results/.
 */
import { Redis } from 'ioredis';
import { QuoteField as Q, createLogger, emptyQuoteRecord } from '../core/index.js';
import { InProcessRateLimiter, RedisAlertLatch, RedisConnection, RedisQuoteCache, RedisRateLimiter, quoteHashArgs, quoteKey } from '../core/speed/index.js';
import { RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';

interface Args {
  seconds: number;
  symbols: number;
  concurrency: number;
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 5, symbols: 5000, concurrency: 64, record: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--no-record') {
      a.record = false;
      continue;
    }
    const key = k.replace(/^--/, '') as keyof Args;
    const v = Number(argv[++i]);
    if (!(key in a) || key === 'record' || !Number.isInteger(v) || v <= 0) throw new Error(`bad option ${k} ${argv[i] ?? ''} (options: --seconds N --symbols N --concurrency N --no-record)`);
    (a[key] as number) = v;
  }
  return a;
}

interface Row {
  readonly scenario: string;
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Latency of one unit (a batch, a hit, a claim), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** This process's CPU per operation, µs. */
  readonly cpuUsPerOp: number;
  /** redis-server's CPU per operation (INFO cpu; includes other clients of a shared server), µs. */
  readonly redisCpuUsPerOp: number;
}

const pct = (sorted: number[], q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : Number.NaN);

/** Runs `unit` back to back on `lanes` concurrent lanes for `seconds`; `unit` returns how many operations it did. */
async function measure(scenario: string, seconds: number, lanes: number, unit: () => Promise<number>): Promise<Row> {
  const redisCpu0 = await redisCpu();
  const lat: number[] = [];
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const n = await unit(); // (not `ops += await unit()`: that reads ops before the await and loses other lanes' counts)
        ops += n;
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((x, y) => x - y);
  const redisUs = ((await redisCpu()) - redisCpu0) * 1e6;
  return { scenario, ops, seconds: elapsed, perSecond: ops / elapsed, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, ops), redisCpuUsPerOp: redisUs / Math.max(1, ops) };
}

let admin: Redis;
/** redis-server's CPU seconds so far (user + sys). */
async function redisCpu(): Promise<number> {
  const info = await admin.info('cpu');
  return ['used_cpu_user', 'used_cpu_sys'].reduce((sum, k) => sum + Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0), 0);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bourse-bench-${Date.now().toString(36)}:`;
  const log = createLogger('warn', { thread: 'bench' });
  const conn = new RedisConnection({ url, name: 'bench', log, commandTimeoutMs: 10_000 });
  admin = new Redis(url);
  const rows: Row[] = [];
  const print = (r: Row) =>
    process.stdout.write(`${r.scenario.padEnd(44)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)}/s   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms   CPU ${r.cpuUsPerOp.toFixed(2)} µs/op   redis CPU ${r.redisCpuUsPerOp.toFixed(2)} µs/op\n`);
  try {
    if (!(await conn.waitReady(5000))) throw new Error(`Redis at ${url} is not reachable`);
    const symbols = Array.from({ length: args.symbols }, (_, i) => `S${i}`);
    const rec = emptyQuoteRecord();
    let seq = 0;
    const next = (): Float64Array => {
      seq++;
      rec[Q.seq] = seq;
      rec[Q.ts] = Date.now();
      rec[Q.last] = 100 + (seq % 1000) / 100;
      rec[Q.volume] = seq * 100;
      return rec;
    };

    for (const batch of [100, 1000, args.symbols]) {
      const cache = new RedisQuoteCache({ redis: conn, prefix, ttlMs: 600_000 });
      const names = symbols.slice(0, batch);
      const row = await measure(`quote writes, QuoteCache (Lua), ${batch}/batch`, args.seconds, 1, async () => {
        for (const s of names) cache.put(s, next());
        await cache.flush();
        return names.length;
      });
      if (cache.stats.dropped || cache.stats.failedBatches) throw new Error(`quote writes failed: ${JSON.stringify(cache.stats)}`);
      rows.push(row);
      print(row);
    }
    /** HSET arguments (field, value, ...) of the same layout. */
    const hsetArgs = (): (string | Buffer)[] => quoteHashArgs(next());
    {
      const names = symbols.slice(0, 1000);
      const row = await measure('quote writes, pipeline HSET+PEXPIRE, 1000/batch', args.seconds, 1, async () => {
        const p = conn.client.pipeline();
        for (const s of names) {
          const key = quoteKey(prefix, s);
          p.hset(key, ...hsetArgs());
          p.pexpire(key, 600_000);
        }
        await p.exec();
        return names.length;
      });
      rows.push(row);
      print(row);
    }
    {
      let i = 0;
      const row = await measure('quote writes, one round trip per symbol', Math.min(args.seconds, 3), 1, async () => {
        const key = quoteKey(prefix, symbols[i++ % symbols.length]);
        await Promise.all([conn.client.hset(key, ...hsetArgs()), conn.client.pexpire(key, 600_000)]);
        return 1;
      });
      rows.push(row);
      print(row);
    }

    for (const lanes of [1, args.concurrency]) {
      const rl = new RedisRateLimiter({ redis: conn, prefix });
      let i = 0;
      const row = await measure(`rate-limit hits (Redis Lua), concurrency ${lanes}`, args.seconds, lanes, async () => {
        await rl.hit(`api:ip:10.0.${(i++ % 1000) >> 8}.${i % 256}`, 1_000_000, 60_000);
        return 1;
      });
      if (rl.stats.fallbacks) throw new Error('rate limiter fell back: Redis failed during the bench');
      rows.push(row);
      print(row);
    }
    {
      const rl = new InProcessRateLimiter();
      let i = 0;
      const row = await measure('rate-limit hits (in-process)', Math.min(args.seconds, 2), 1, async () => {
        for (let k = 0; k < 1000; k++) rl.hitSync(`api:ip:10.0.${(i++ % 1000) >> 8}.${i % 256}`, 1_000_000, 60_000);
        return 1000;
      });
      rows.push(row);
      print(row);
    }
    {
      const latch = new RedisAlertLatch({ redis: conn, prefix, ttlMs: 60_000, owner: 'bench' });
      let i = 0;
      const row = await measure(`alert-latch claims (SET NX PX), concurrency ${args.concurrency}`, Math.min(args.seconds, 3), args.concurrency, async () => {
        await latch.claim(`a${i++}`, 1);
        return 1;
      });
      rows.push(row);
      print(row);
    }

    const info = await admin.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    const result = { startedAt: new Date().toISOString(), redis: version, args, rows };
    if (args.record) {
      const file = await writeResultJson(RESULTS_DIR, 'redis', result.startedAt, result);
      process.stdout.write(`results: ${file}\n`);
    }
  } finally {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      if (keys.length) await admin.unlink(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
    admin.disconnect();
    await conn.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:redis: ${(err as Error).message}\n`);
  process.exit(1);
});

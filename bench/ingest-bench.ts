/**
 * npm run bench:ingest -- [--rate 60000] [--duration 20] [--symbols 500] [--no-record]
 *
 * Sustained ingest through NATS JetStream into the actors, with acks: this
 * process publishes trade ticks into MARKET at --rate (JetStream publish
 * acks, in order); a spawned Bourse (FEED=none, NATS_URL set) consumes them
 * with its durable consumer, applies them in the shards and acks each one
 * once applied. Reported: offered vs acked ticks/s over the window, ack
 * latency (publish → the consumer's ack floor passing the message, sampled
 * every 50 ms), loss (published − acked after drain), quarantined messages,
 * server CPU. NATS at NATS_URL (default nats://127.0.0.1:4222), streams with
 * unique names, deleted afterwards.
 */
import { appendFileSync } from 'node:fs';
import { connect } from 'nats';
import { TICK_FIELDS, TickKind, Universe, writeTick } from '../core/index.js';
import { JetStreamPublisher } from '../ingest/jetstream/index.js';
import { BENCHMARKS_DOC, RESULTS_DIR } from './load/paths.js';
import { cpuCores, readProcSample } from './load/proc-sampler.js';
import { writeResultJson } from './load/results-docs.js';
import { fetchSymbols, spawnServer, waitReady } from './load/server-process.js';

interface Args {
  rate: number;
  duration: number;
  symbols: number;
  warmup: number;
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rate: 60_000, duration: 20, symbols: 500, warmup: 3, record: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--no-record') {
      a.record = false;
      continue;
    }
    const key = k.replace(/^--/, '') as keyof Args;
    const v = Number(argv[++i]);
    if (!(key in a) || key === 'record' || !Number.isFinite(v) || v <= 0) throw new Error(`bad option ${k} ${argv[i] ?? ''} (options: --rate N --duration S --symbols N --warmup S --no-record)`);
    (a[key] as number) = v;
  }
  return a;
}

const pct = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : Number.NaN);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const id = `B${Date.now().toString(36)}`;
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const names = { market: `MARKET_${id}`, quarantine: `QUARANTINE_${id}`, prefix: `md_${id}`, qprefix: `q_${id}`, durable: `ingest_${id}` };
  Object.assign(process.env, {
    FEED: 'none',
    NATS_URL: natsUrl,
    NATS_MARKET_STREAM: names.market,
    NATS_QUARANTINE_STREAM: names.quarantine,
    NATS_SUBJECT_PREFIX: names.prefix,
    NATS_QUARANTINE_PREFIX: names.qprefix,
    NATS_DURABLE: names.durable,
  });
  const server = await spawnServer({ target: 'bourse', host: '127.0.0.1', rate: 0, flushMs: 50, symbols: args.symbols });
  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  try {
    await waitReady(server, 30_000);
    const symbols = await fetchSymbols(server);
    const universe = new Universe(symbols.map((symbol) => ({ symbol, name: symbol, exchange: '' })));
    const publisher = new JetStreamPublisher({ nc, universe, prefix: names.prefix, stream: names.market });
    const buf = new Float64Array(8192 * TICK_FIELDS);
    const checkpoints: [number, number][] = []; // [published count, time]
    let published = 0;
    let carry = 0;
    let last = performance.now();
    const started = last;
    const total = args.warmup + args.duration;
    const timer = setInterval(() => {
      const now = performance.now();
      carry += ((now - last) / 1000) * args.rate;
      last = now;
      let n = Math.min(Math.floor(carry), 8192);
      carry -= n;
      for (let i = 0; i < n; i++) {
        const sym = (published + i) % universe.size;
        writeTick(buf, i, { symbol: sym, kind: TickKind.trade, price: 100 + (i % 13) / 100, size: 1 + (i % 9), bid: 0, ask: 0, bidSize: 0, askSize: 0, eventTs: Date.now(), arrival: 0, sourceSeq: 0 });
      }
      publisher.accept(buf, n);
      published += n;
      checkpoints.push([published, performance.timeOrigin + now]);
      if ((now - started) / 1000 >= total) clearInterval(timer);
    }, 10);

    // Sample the ack floor; its stream seq = the count of ticks acked in publish order.
    const latencies: number[] = [];
    let windowStart: { t: number; acked: number; cpu: ReturnType<typeof readProcSample> } | undefined;
    let windowEnd: typeof windowStart;
    while ((performance.now() - started) / 1000 < total) {
      await new Promise((r) => setTimeout(r, 50));
      const info = await jsm.consumers.info(names.market, names.durable).catch(() => undefined);
      if (!info) continue;
      const acked = info.ack_floor.stream_seq;
      const now = performance.timeOrigin + performance.now();
      const cp = checkpoints.find(([count]) => count >= acked);
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= args.warmup) {
        if (cp && acked > 0) latencies.push(now - cp[1]);
        const sample = { t: performance.now(), acked, cpu: server.pid ? readProcSample(server.pid) : undefined };
        windowStart ??= sample;
        windowEnd = sample;
      }
    }
    await publisher.flush();
    // Drain: wait until everything published is acked.
    let drainedMs = Number.NaN;
    const drainStart = performance.now();
    for (let i = 0; i < 600; i++) {
      const info = await jsm.consumers.info(names.market, names.durable);
      if (info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq >= publisher.stats.acked) {
        drainedMs = performance.now() - drainStart;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const consumer = await jsm.consumers.info(names.market, names.durable);
    const quarantined = (await jsm.streams.info(names.quarantine)).state.messages;
    const windowS = windowStart && windowEnd ? (windowEnd.t - windowStart.t) / 1000 : Number.NaN;
    latencies.sort((a, b) => a - b);
    const result = {
      kind: 'ingest',
      startedAt: new Date(performance.timeOrigin + started).toISOString(),
      options: args,
      publisher: publisher.stats,
      offeredPerS: args.rate,
      ackedPerS: windowStart && windowEnd ? Math.round((windowEnd.acked - windowStart.acked) / windowS) : Number.NaN,
      ackLatencyMs: { samples: latencies.length, p50: pct(latencies, 0.5), p90: pct(latencies, 0.9), p99: pct(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN },
      drainedAfterMs: drainedMs,
      published: publisher.stats.acked,
      acked: consumer.ack_floor.stream_seq,
      lost: publisher.stats.acked - consumer.ack_floor.stream_seq,
      redelivered: consumer.num_redelivered,
      quarantined,
      serverCpuCores: windowStart?.cpu && windowEnd?.cpu ? cpuCores(windowStart.cpu, windowEnd.cpu) : Number.NaN,
    };
    const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '—');
    process.stdout.write(
      [
        `bench:ingest — ${args.rate.toLocaleString('en-US')} ticks/s offered over ${args.symbols} symbols, ${args.duration} s window after ${args.warmup} s warm-up`,
        `  acked      ${f(result.ackedPerS, 0)} ticks/s through JetStream → actors (ack after apply)`,
        `  ack lat.   p50 ${f(result.ackLatencyMs.p50)} ms, p90 ${f(result.ackLatencyMs.p90)} ms, p99 ${f(result.ackLatencyMs.p99)} ms, max ${f(result.ackLatencyMs.max)} ms (publish → ack floor, 50 ms sampling)`,
        `  loss       published ${f(result.published, 0)}, acked ${f(result.acked, 0)}, lost ${f(result.lost, 0)}, publish failures ${publisher.stats.failed + publisher.stats.dropped}, quarantined ${quarantined}, redelivered ${consumer.num_redelivered}`,
        `  drain      all acked ${f(drainedMs, 0)} ms after publishing stopped`,
        `  server     CPU ${f(result.serverCpuCores * 100, 0)}% of a core`,
        '',
      ].join('\n'),
    );
    if (args.record) {
      const file = await writeResultJson(RESULTS_DIR, 'ingest', result.startedAt, result);
      appendFileSync(
        BENCHMARKS_DOC,
        `| ${result.startedAt.slice(0, 16).replace('T', ' ')} | ingest | ${args.rate} | ${args.symbols} | ${args.duration} | ${f(result.ackedPerS, 0)} | ${f(result.ackLatencyMs.p50)} | ${f(result.ackLatencyMs.p99)} | ${f(result.lost, 0)} | ${quarantined} | ${f(result.serverCpuCores * 100, 0)}% |\n`,
      );
      process.stdout.write(`results: ${file}\n`);
    }
    await publisher.close();
  } finally {
    await server.stop(10_000).catch(() => undefined);
    for (const s of [names.market, names.quarantine]) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:ingest: ${(err as Error).message}\n`);
  process.exit(1);
});

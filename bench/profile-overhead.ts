/**
 * npm run bench:profile -- [--clients 50] [--symbols-per-client 10] [--rate 20000] [--seconds 8] [--rounds 3] [--interval-us 1000]
 *
 * What profiling a thread costs a running server. A spawned Bourse (simulator
 * feed at --rate ticks/s, 2 gateways, 2 shards) streams quotes to --clients
 * WebSocket clients in this process; the run goes through phases of
 * --seconds each and, per phase, reports delivered quote frames/s and
 * tick-to-wire latency (client receipt − the tick's arrival stamp `ta`;
 * same clock, same machine; it includes this process's own queueing) and
 * the server's CPU. --rounds times: baseline · CPU profile of shard-0 · of
 * gateway-0 · of ingest (interleaved, so drift on a shared machine hits every
 * phase alike; the median round is reported); then once: a heap snapshot of
 * shard-0 (taken 1 s into the phase).
 * Results: a table on stdout and JSON in bench/results/*-profile-overhead.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RESULTS_DIR } from './load/paths.js';
import { cpuCores, readProcSample } from './load/proc-sampler.js';
import { writeResultJson } from './load/results-docs.js';
import { fetchSymbols, spawnServer, waitReady } from './load/server-process.js';

interface Args {
  clients: number;
  'symbols-per-client': number;
  rate: number;
  seconds: number;
  'interval-us': number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { clients: 50, 'symbols-per-client': 10, rate: 20_000, seconds: 8, 'interval-us': 1000, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '') as keyof Args;
    const v = Number(argv[++i]);
    if (!(key in a) || !Number.isFinite(v) || v <= 0) throw new Error(`bad option ${argv[i - 1]} (options: ${Object.keys(a).map((k) => `--${k} N`).join(' ')})`);
    a[key] = v;
  }
  return a;
}

const TOKEN = 'bench-admin-token-0123456789';

interface Phase {
  readonly name: string;
  /** What the phase asks of the admin endpoints (none for a baseline). */
  readonly action?: { readonly path: string; readonly delayMs: number };
}

interface PhaseResult {
  phase: string;
  framesPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpu: number;
  adminMs: number | null;
  adminBytes: number | null;
  adminStatus: number | null;
}

const pct = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : Number.NaN);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-profile-bench-'));
  Object.assign(process.env, { BOURSE_ADMIN_TOKEN: TOKEN, GATEWAY_THREADS: '2', SHARDS: '2', DATA_DIR: dataDir, FEED: 'simulator', PROFILE_SAMPLING_US: String(args['interval-us']), PROFILE_MAX_SECONDS: '600' });
  delete process.env.DATABASE_URL;
  const server = await spawnServer({ target: 'bourse', host: '127.0.0.1', rate: args.rate, flushMs: 50, symbols: 500 });
  const clients: WebSocket[] = [];
  try {
    await waitReady(server, 60_000);
    const symbols = await fetchSymbols(server);
    // Latencies of the current phase, in a growable Float64Array (no per-frame objects).
    let lat = new Float64Array(1 << 20);
    let n = 0;
    let frames = 0;
    const onFrame = (data: WebSocket.RawData): void => {
      const now = performance.timeOrigin + performance.now();
      const parsed = JSON.parse(data.toString()) as { type: string; ta?: number } | { type: string; ta?: number }[];
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (m.type !== 'quote' || typeof m.ta !== 'number') continue;
        frames++;
        if (n === lat.length) {
          const bigger = new Float64Array(lat.length * 2);
          bigger.set(lat);
          lat = bigger;
        }
        lat[n++] = now - m.ta;
      }
    };
    for (let c = 0; c < args.clients; c++) {
      const ws = new WebSocket(`${server.streamUrl}`, ['bourse.v1.json']);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const mine = Array.from({ length: args['symbols-per-client'] }, (_, k) => symbols[(c * args['symbols-per-client'] + k) % symbols.length]);
      ws.send(JSON.stringify({ op: 'subscribe', symbols: mine, channels: ['quotes'] }));
      ws.on('message', onFrame);
      clients.push(ws);
    }
    await new Promise((r) => setTimeout(r, 3000)); // warm-up
    const s = args.seconds;
    const round: Phase[] = [
      { name: 'baseline' },
      { name: 'cpu profile shard-0', action: { path: `/admin/profile?thread=shard-0&seconds=${s}`, delayMs: 0 } },
      { name: 'cpu profile gateway-0', action: { path: `/admin/profile?thread=gateway-0&seconds=${s}`, delayMs: 0 } },
      { name: 'cpu profile ingest', action: { path: `/admin/profile?thread=ingest&seconds=${s}`, delayMs: 0 } },
    ];
    const phases: Phase[] = [...Array.from({ length: args.rounds }, () => round).flat(), { name: 'heap snapshot shard-0', action: { path: '/admin/heap?thread=shard-0', delayMs: 1000 } }];
    const runs: PhaseResult[] = [];
    for (const p of phases) {
      n = 0;
      frames = 0;
      const cpu0 = readProcSample(server.pid!);
      const t0 = performance.now();
      let admin: Promise<{ ms: number; bytes: number; status: number }> | undefined;
      if (p.action) {
        const action = p.action;
        admin = new Promise((r) => setTimeout(r, action.delayMs)).then(async () => {
          const a0 = performance.now();
          const res = await fetch(server.httpBase + action.path, { headers: { authorization: `Bearer ${TOKEN}` } });
          const bytes = (await res.arrayBuffer()).byteLength;
          return { ms: performance.now() - a0, bytes, status: res.status };
        });
      }
      await new Promise((r) => setTimeout(r, s * 1000));
      const elapsed = (performance.now() - t0) / 1000;
      const cpu1 = readProcSample(server.pid!);
      const seen = lat.slice(0, n).sort();
      const framesInWindow = frames;
      const a = admin ? await admin : undefined;
      runs.push({
        phase: p.name,
        framesPerS: framesInWindow / elapsed,
        p50Ms: pct(seen, 0.5),
        p99Ms: pct(seen, 0.99),
        maxMs: seen.length ? seen[seen.length - 1] : Number.NaN,
        serverCpu: cpu0 && cpu1 ? cpuCores(cpu0, cpu1) : Number.NaN,
        adminMs: a ? a.ms : null,
        adminBytes: a ? a.bytes : null,
        adminStatus: a ? a.status : null,
      });
      const r = runs[runs.length - 1];
      process.stderr.write(`${r.phase}: ${Math.round(r.framesPerS)} frames/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms, CPU ${(r.serverCpu * 100).toFixed(0)}%${a ? `, admin ${a.status} in ${a.ms.toFixed(0)} ms, ${(a.bytes / 1024).toFixed(0)} KiB` : ''}\n`);
    }
    // Per phase, the round with the median frame rate.
    const names = [...new Set(runs.map((r) => r.phase))];
    const median = names.map((name) => {
      const rs = runs.filter((r) => r.phase === name).sort((a, b) => a.framesPerS - b.framesPerS);
      return rs[Math.floor(rs.length / 2)];
    });
    const base = median[0];
    const rows = median.map(
      (r) =>
        `| ${r.phase} | ${Math.round(r.framesPerS).toLocaleString('en-US')} | ${(((r.framesPerS - base.framesPerS) / base.framesPerS) * 100).toFixed(1)}% | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.maxMs.toFixed(0)} | ${Math.round(r.serverCpu * 100)}% | ${r.adminMs === null ? '' : `${r.adminStatus}, ${(r.adminMs / 1000).toFixed(2)} s, ${Math.round(r.adminBytes! / 1024).toLocaleString('en-US')} KiB`} |`,
    );
    const table = ['| Phase | Quote frames/s | vs baseline | p50 ms | p99 ms | max ms | Server CPU | Admin request |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
    process.stdout.write(`\n${args.clients} clients × ${args['symbols-per-client']} symbols, ${args.rate} ticks/s, ${s} s per phase, ${args.rounds} rounds (median shown), sampling every ${args['interval-us']} µs\n\n${table}\n`);
    const file = await writeResultJson(RESULTS_DIR, 'profile-overhead', new Date(), { args, median, runs });
    process.stdout.write(`\nresults: ${file}\n`);
  } finally {
    for (const ws of clients) ws.terminate();
    await server.stop(15_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

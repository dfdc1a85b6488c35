import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WsBenchOptions } from './args.js';
import { ClientFleet, type ClientProgress } from './client-fleet.js';
import { ensureNativeClient } from './native-build.js';
import { BENCHMARKS_DOC, RESULTS_DIR, gitCommit } from './paths.js';
import { ProcSampler, readMachineCpu, readProcessTable, settledBaseline, topConsumers, type ProcSample } from './proc-sampler.js';
import { buildResult, nominalPerS, type WsBenchResult } from './report.js';
import { appendDocsRow, docsRow, writeResultJson } from './results-docs.js';
import { attachServer, fetchSymbols, spawnServer, waitReady, type ServerUnderTest } from './server-process.js';

/**
 * One `bench:ws` run, phase by phase:
 *   build the native client → spawn (or attach to) the server → wait for
 *   /readyz → fetch the symbols → RSS baseline → connect all clients at the
 *   ramp rate → warm up → "mark" (window start: server CPU, RSS) → measure →
 *   "stop" (summaries) → SIGTERM the server → merge, print, record.
 */

export interface RunHooks {
  /** Progress and phase lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Where result JSON goes when options.record (default bench/results). */
  readonly resultsDir?: string;
  /** The docs file that gets a row when options.record (default docs/benchmarks.md). */
  readonly docPath?: string;
}

export interface RunOutput {
  readonly result: WsBenchResult;
  readonly resultFile?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A spawned server may migrate a database and build indexes first; an attached one is up or not. */
const READY_TIMEOUT_MS = 60_000;
const ATTACH_READY_TIMEOUT_MS = 10_000;
const SETTLE_MS = 3000;

export async function runWsBench(o: WsBenchOptions, hooks: RunHooks = {}): Promise<RunOutput> {
  const log = hooks.log ?? (() => {});
  const startedAt = new Date();
  const binary = await ensureNativeClient(log);
  const commit = await gitCommit();

  let server: ServerUnderTest;
  if (o.attach) {
    server = attachServer(o.target, o.attach.url, o.attach.pid);
    log(`attached to ${server.streamUrl}${server.pid ? ` (pid ${server.pid})` : ' (no --server-pid: no server CPU/RSS)'}`);
  } else {
    log(`starting ${o.target} (UNIVERSE_SIZE=${o.symbols} FLUSH_MS=${o.flushMs}${o.target === 'bourse' ? ` SIM_RATE=${o.rate}` : ''})`);
    server = await spawnServer({ target: o.target, host: '127.0.0.1', rate: o.rate, flushMs: o.flushMs, symbols: o.symbols, echoStderr: true });
  }

  const tmp = await mkdtemp(join(tmpdir(), 'bourse-ws-bench-'));
  let fleet: ClientFleet | undefined;
  let sampler: ProcSampler | undefined;
  try {
    await waitReady(server, server.spawned ? READY_TIMEOUT_MS : ATTACH_READY_TIMEOUT_MS);
    const all = await fetchSymbols(server);
    if (all.length < o.symbols) throw new Error(`the server lists ${all.length} symbols; --symbols ${o.symbols} needs at least that many`);
    const symbolsFile = join(tmp, 'symbols.txt');
    await writeFile(symbolsFile, `${all.slice(0, o.symbols).join('\n')}\n`);

    if (server.pid) sampler = new ProcSampler(server.pid);
    // A just-started server is still growing (JIT, pools, caches): let it settle
    // so the RSS baseline, and so the per-connection figure, holds less of that.
    const baseline = server.pid ? await settledBaseline(server.pid, server.died, server.spawned ? SETTLE_MS : 500) : undefined;

    const host = server.streamUrl.hostname;
    const loopback = host === 'localhost' || host.startsWith('127.');
    log(`connecting ${o.connections} clients from ${o.processes} native process(es) at ${o.rampPerS}/s`);
    const connectStart = performance.now();
    fleet = new ClientFleet({
      binary,
      host,
      port: Number(server.streamUrl.port),
      path: server.streamUrl.pathname,
      protocol: 'bourse.v1.json',
      connections: o.connections,
      processes: o.processes,
      symbolsFile,
      symbolsPerConn: o.symbolsPerConn,
      rampPerS: o.rampPerS,
      maxPending: o.maxPending,
      sourceAddresses: loopback ? Math.ceil(o.connections / o.connsPerSource) : 0,
      connectTimeoutMs: Math.round(o.connectTimeoutS * 1000),
    });
    const ticker = startTicker(fleet, log, connectStart);
    try {
      const connectBudget = (o.connections / o.rampPerS + o.connectTimeoutS) * 1000 + 30_000;
      await Promise.race([fleet.waitConnected(connectBudget), server.died]);
      const connectWallMs = performance.now() - connectStart;
      log(`connected in ${(connectWallMs / 1000).toFixed(2)} s; warming up ${o.warmupS} s`);

      await Promise.race([sleep(o.warmupS * 1000), server.died]);
      await fleet.mark();
      const atMark = sampler?.sample();
      const machineAtMark = readMachineCpu();
      const tableAtMark = readProcessTable();
      const cpuAtMark = process.cpuUsage();
      log(`measuring ${o.durationS} s`);

      await Promise.race([sleep(o.durationS * 1000), server.died]);
      // Window end: sample the server and the machine as the clients are told to stop.
      const atStop = sampler?.sample();
      const machineAtStop = readMachineCpu();
      const tableAtStop = readProcessTable();
      const orchestratorCpu = process.cpuUsage(cpuAtMark);
      sampler?.stop();
      const summaries = await fleet.stop();
      if (summaries.every((c) => c.open === 0)) log('warning: no connection is open at the end of the run');

      const result = buildResult({
        startedAt,
        commit,
        options: o,
        server: { target: o.target, url: server.streamUrl.toString(), spawned: server.spawned, pid: server.pid },
        summaries,
        connectWallMs,
        serverBaseline: baseline,
        serverAtMark: atMark,
        serverAtStop: atStop,
        serverMaxRssKb: sampler?.maxRssKb,
        orchestratorCpuUs: orchestratorCpu.user + orchestratorCpu.system,
        machineAtMark,
        machineAtStop,
        topOthers: topConsumers(tableAtMark, tableAtStop, new Set([process.pid, ...(server.pid ? [server.pid] : []), ...fleet.pids])),
        cpus: availableParallelism(),
        // uws-bare publishes every symbol on every flush to every connection still open.
        expectedPerS: o.target === 'uws-bare' ? nominalPerS(summaries.reduce((a, c) => a + c.open, 0) * o.symbolsPerConn, o.flushMs) : null,
      });
      let resultFile: string | undefined;
      if (o.record) {
        resultFile = await writeResultJson(hooks.resultsDir ?? RESULTS_DIR, 'ws', result.startedAt, result);
        await appendDocsRow(hooks.docPath ?? BENCHMARKS_DOC, docsRow(result));
      }
      return { result, resultFile };
    } finally {
      clearInterval(ticker);
    }
  } catch (err) {
    const tail = server.outputTail();
    if (tail && !(err as Error).message.includes(tail)) (err as Error).message += `\nserver output:\n${tail}`;
    throw err;
  } finally {
    fleet?.kill();
    sampler?.stop();
    if (server.spawned) {
      const { code, signal } = await server.stop();
      if (code !== 0 && code !== null) log(`server exited with code ${code}${signal ? ` (${signal})` : ''}`);
    }
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * One line a second while the run goes: connections, and the delivery rate
 * and client CPU from each process's two latest progress lines (their own
 * timestamps, so the line does not alias against the processes' report tick).
 */
function startTicker(fleet: ClientFleet, log: (line: string) => void, t0: number): NodeJS.Timeout {
  const seen = new Map<number, { prev?: ClientProgress; last: ClientProgress }>();
  const timer = setInterval(() => {
    const ps: ClientProgress[] = fleet.progress;
    if (ps.length === 0) return;
    let rate = 0;
    let cpu = 0;
    for (const p of ps) {
      const s = seen.get(p.pid);
      if (!s) seen.set(p.pid, { last: p });
      else if (s.last.elapsedMs !== p.elapsedMs) seen.set(p.pid, { prev: s.last, last: p });
      const { prev, last } = seen.get(p.pid)!;
      if (!prev) continue;
      const dt = last.elapsedMs - prev.elapsedMs;
      rate += ((last.messages.quote + last.messages.snapshot - prev.messages.quote - prev.messages.snapshot) / dt) * 1000;
      cpu += (last.cpuUserMs + last.cpuSysMs - prev.cpuUserMs - prev.cpuSysMs) / dt;
    }
    const sum = (f: (p: ClientProgress) => number): number => ps.reduce((a, p) => a + f(p), 0);
    log(
      `[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] open ${sum((p) => p.open)}/${sum((p) => p.attempted)}` +
        ` failed ${sum((p) => p.failed)} closed ${sum((p) => p.closed)} | ${Math.round(rate).toLocaleString('en-US')} msg/s` +
        ` | gaps ${sum((p) => p.gaps)} | clients CPU ${(cpu * 100).toFixed(0)}%`,
    );
  }, 1000);
  timer.unref();
  return timer;
}

export type { ProcSample };

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WsBenchOptions } from '../load/args.js';
import { DEFAULT_CONNS_PER_PROCESS, defaultProcesses } from '../load/args.js';
import { ClientFleet, type ClientSummary } from '../load/client-fleet.js';
import { LogLinearHistogram } from '../load/histogram.js';
import { cpuCores, readMachineCpu, readProcSample, readProcessTable, readThreadTable, settledBaseline, threadCpu, topConsumers, type ProcSample, type ThreadCpu } from '../load/proc-sampler.js';
import { buildResult, GENERATOR_SATURATED_CORES, nominalPerS, OTHER_LOAD_WARNING_CORES, percentilesMs } from '../load/report.js';
import { fetchSymbols, spawnServer, waitReady, type ServerUnderTest } from '../load/server-process.js';
import { expandPath, runHttp, type HttpRun } from './http-bench.js';
import type { ProfileRecord, ScenarioRun } from './result.js';
import type { Scenario, Target } from './scenario.js';
import { takeProfiles, type ProfileRequest } from './profiles.js';
import { TARGET_SPECS } from './targets.js';
import { parseEventLoopP99Ms, Timeline } from './timeline.js';

/**
 * One scenario against one server, phase by phase:
 *   spawn the server (scenario env: rate, flush, universe, burst, replay) →
 *   /readyz → symbols → settle, RSS baseline → connect the clients at the ramp
 *   rate → warm up → window [mark … stop], shaped by the scenario (a burst,
 *   a churn storm and then a server restart, slow readers) → autocannon on
 *   REST paths → stop everything.
 * A timeline point is taken every second throughout.
 */

export interface RunContext {
  readonly binary: string;
  readonly commit: string;
  readonly log: (line: string) => void;
  /** Echo the server's stderr (the CLI does; tests do not). */
  readonly echoServer?: boolean;
  /** `--profile`: CPU profiles of these Bourse threads during the window, written to `dir` as `<prefix>-<target>-<thread>.*`. */
  readonly profile?: ProfileRequest & { readonly dir: string; readonly prefix: string };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const READY_TIMEOUT_MS = 60_000;
const SETTLE_MS = 3000;
/** Time the suite allows a server for start-up before the clients begin, when scheduling a burst. */
const BURST_LEAD_MS = 10_000;

export function processesFor(s: Scenario, cores = availableParallelism()): number {
  return s.processes ?? defaultProcesses(s.connections, DEFAULT_CONNS_PER_PROCESS, cores);
}

/** The options record buildResult() and the older bench:ws docs expect, filled from the scenario. */
function wsOptions(s: Scenario, target: Target, processes: number): WsBenchOptions {
  return {
    target: (target === 'uws' ? 'uws-bare' : 'bourse') as WsBenchOptions['target'],
    connections: s.connections,
    symbolsPerConn: s.symbolsPerConn,
    symbols: s.universe,
    durationS: s.durationS,
    warmupS: s.warmupS,
    rate: s.tickRate,
    flushMs: s.flushMs,
    rampPerS: s.rampPerS,
    connsPerProcess: Math.ceil(s.connections / processes),
    processes,
    maxPending: s.maxPending ?? 256,
    connsPerSource: s.connsPerSource ?? 20_000,
    connectTimeoutS: s.connectTimeoutS ?? 10,
    record: false,
    note: `${s.name} / ${target}`,
  };
}

/** Subscriptions over all connections (hot connections take min(K, H) symbols). */
export function totalSubscriptions(s: Scenario): number {
  if (!s.hot) return s.connections * s.symbolsPerConn;
  const hot = Math.round(s.connections * s.hot.share);
  return (s.connections - hot) * s.symbolsPerConn + hot * Math.min(s.symbolsPerConn, s.hot.symbols);
}

function serverEnv(s: Scenario, target: Target, burstAtMs: number | undefined, dataDir: string): Record<string, string> {
  // A one-thread peer publishing to thousands of clients cannot also finish their handshakes
  // (a ws flush to 5,000 takes seconds): peers publish once every client is connected, or after
  // PUBLISH_HOLD_MAX_S (default 120 s) whatever the count (bench/peers/market.ts).
  // Bourse streams from its start, through the connect phase.
  if (target !== 'bourse') return { PUBLISH_AFTER_CONNECTIONS: String(s.connections) };
  // A fresh DATA_DIR (PGlite) per run: no state carried over from earlier runs; a restart inside the run keeps it.
  const env: Record<string, string> = { DATA_DIR: dataDir, ...s.serverEnv };
  if (s.burst && burstAtMs !== undefined) env.SIM_BURST = `${Math.round(burstAtMs)}:${Math.round(s.burst.durationS * 1000)}:${s.burst.multiplier}`;
  if (s.replay) {
    Object.assign(env, { FEED: 'replay', FEED_FILE: s.replay.file, FEED_SYMBOL: s.replay.symbol, FEED_SPEED: String(s.replay.speed), FEED_LOOP: 'true', FEED_EVENT_TIME: 'now' });
  }
  return env;
}

function clientArgs(s: Scenario, target: Target): string[] {
  const a: string[] = [];
  if (s.hot) a.push('--hot-permille', String(Math.round(s.hot.share * 1000)), '--hot-symbols', String(s.hot.symbols));
  if (s.slow) a.push('--slow-permille', String(Math.round(s.slow.share * 1000)), '--slow-bps', String(s.slow.bytesPerS));
  if (s.churn) a.push('--reconnect');
  if (TARGET_SPECS[target].socketio) a.push('--socketio');
  return a;
}

export async function runScenario(s: Scenario, target: Target, ctx: RunContext): Promise<ScenarioRun> {
  const spec = TARGET_SPECS[target];
  const log = (line: string): void => ctx.log(`[${s.name}/${target}] ${line}`);
  const notes: string[] = [];
  const processes = processesFor(s);
  const startedAt = new Date();

  // A burst is scheduled when the server starts (SIM_BURST), so place it after
  // the expected connect and warm-up; the window is then aligned to it.
  const burstAtMs = s.burst
    ? Date.now() + BURST_LEAD_MS + SETTLE_MS + (s.connections / s.rampPerS) * 1000 + s.warmupS * 1000 + s.burst.afterS * 1000 + 2000
    : undefined;
  const tmp = await mkdtemp(join(tmpdir(), 'bourse-bench-'));
  const profiling = ctx.profile && target === 'bourse' ? ctx.profile : undefined;
  const adminToken = profiling ? randomBytes(24).toString('hex') : undefined;
  const spawnOpts = {
    target,
    host: '127.0.0.1',
    rate: s.tickRate,
    flushMs: s.flushMs,
    symbols: s.universe,
    echoStderr: ctx.echoServer ?? false,
    entry: spec.entry,
    env: { ...serverEnv(s, target, burstAtMs, join(tmp, 'data')), ...(adminToken ? { BOURSE_ADMIN_TOKEN: adminToken } : {}) },
  };
  log(`starting ${spec.description}`);
  let server: ServerUnderTest;
  try {
    server = await spawnServer(spawnOpts);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const port = Number(server.streamUrl.port);
  let errorsBefore = 0; // errors of servers that were replaced (restart)

  let fleet: ClientFleet | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const eld: number[] = [];
  let eldLast: number | null = null;
  let eldAbsent = false;
  try {
    await waitReady(server, READY_TIMEOUT_MS);
    const all = await fetchSymbols(server);
    const symbols = s.replay ? [s.replay.symbol] : all.slice(0, s.universe);
    if (symbols.length < Math.max(1, s.symbolsPerConn)) throw new Error(`the server lists ${all.length} symbols; the scenario needs ${s.universe}`);
    if (s.replay && !all.includes(s.replay.symbol)) throw new Error(`replay symbol ${s.replay.symbol} is not in the server's universe`);
    const symbolsFile = join(tmp, 'symbols.txt');
    await writeFile(symbolsFile, `${symbols.join('\n')}\n`);

    const baseline = await settledBaseline(server.pid!, server.died, SETTLE_MS);

    // Per-second timeline: server samples from /proc, event-loop delay from /metrics.
    const timeline = new Timeline();
    let prevSample: ProcSample | undefined = baseline;
    const scrape = async (): Promise<void> => {
      if (eldAbsent) return;
      try {
        const res = await fetch(`${server.httpBase}/metrics`, { signal: AbortSignal.timeout(900) });
        const text = await res.text();
        if (res.status === 404) eldAbsent = true;
        eldLast = res.status === 200 ? parseEventLoopP99Ms(text) : null;
        if (eldLast !== null) eld.push(eldLast);
      } catch {
        eldLast = null;
      }
    };
    ticker = setInterval(() => {
      const cur = server.pid ? readProcSample(server.pid) : undefined;
      const cores = cur && prevSample && cur.t > prevSample.t && cur.cpuS >= prevSample.cpuS ? cpuCores(prevSample, cur) : null;
      prevSample = cur;
      timeline.tick({ rssKb: cur?.rssKb ?? null, serverCores: cores, eventLoopP99Ms: eldLast });
      void scrape();
    }, 1000);
    ticker.unref();

    log(`connecting ${s.connections} clients (${s.symbolsPerConn} symbols each) from ${processes} process(es) at ${s.rampPerS}/s`);
    const connectStart = performance.now();
    fleet = new ClientFleet({
      binary: ctx.binary,
      host: '127.0.0.1',
      port,
      path: spec.path,
      protocol: spec.protocol,
      connections: s.connections,
      processes,
      symbolsFile,
      symbolsPerConn: s.symbolsPerConn,
      rampPerS: s.rampPerS,
      maxPending: s.maxPending ?? 256,
      sourceAddresses: Math.ceil(s.connections / (s.connsPerSource ?? 20_000)),
      connectTimeoutMs: Math.round((s.connectTimeoutS ?? 10) * 1000),
      extraArgs: clientArgs(s, target),
      onProgress: (p) => timeline.onProgress(p),
    });
    await Promise.race([fleet.waitConnected((s.connections / s.rampPerS + (s.connectTimeoutS ?? 10)) * 1000 + 30_000), server.died]);
    const connectWallMs = performance.now() - connectStart;
    log(`connected in ${(connectWallMs / 1000).toFixed(2)} s; warming up ${s.warmupS} s`);

    timeline.phase = 'warmup';
    await Promise.race([sleep(s.warmupS * 1000), server.died]);
    let burstInsideWindow = true;
    if (burstAtMs !== undefined && s.burst) {
      const windowAt = burstAtMs - s.burst.afterS * 1000;
      const wait = windowAt - Date.now();
      if (wait > 0) await Promise.race([sleep(wait), server.died]);
      else {
        burstInsideWindow = false;
        notes.push(`the burst began ${(-wait / 1000).toFixed(1)} s before the window would have (slow connect); phases show it`);
      }
    }

    await fleet.mark();
    const atMark = readProcSample(server.pid!);
    const threadsAtMark = readThreadTable(server.pid!);
    // Profiles start 1 s into the window and must end inside it.
    let profiles: Promise<ProfileRecord[]> | undefined;
    if (profiling && adminToken) {
      const seconds = Math.max(1, Math.min(profiling.seconds, s.durationS - 2));
      if (seconds < profiling.seconds) notes.push(`profiles cut to ${seconds} s to fit the ${s.durationS} s window`);
      const p = profiling;
      const httpBase = server.httpBase;
      profiles = (async () => {
        await sleep(1000);
        log(`profiling ${p.threads.join(', ')} for ${seconds} s`);
        await mkdir(p.dir, { recursive: true });
        return takeProfiles(httpBase, adminToken, { threads: p.threads, seconds }, p.dir, `${p.prefix}-${target}`);
      })().catch((err: unknown) => p.threads.map((thread) => ({ thread, seconds, html: null, cpuprofile: null, hottest: [], error: String(err) })));
      notes.push(`CPU profiles of ${p.threads.join(', ')} were taken inside the window (they cost the profiled threads a few per cent)`);
    }
    const machineAtMark = readMachineCpu();
    const tableAtMark = readProcessTable();
    const cpuAtMark = process.cpuUsage();
    let atStop: ProcSample | undefined;
    const windowEnds = performance.now() + s.durationS * 1000;
    let churn: ScenarioRun['churn'];
    let burst: ScenarioRun['burst'];

    if (s.burst && burstAtMs !== undefined) {
      const b = s.burst;
      const phaseOf = (): string => (Date.now() < burstAtMs ? 'before' : Date.now() < burstAtMs + b.durationS * 1000 ? 'burst' : 'after');
      timeline.phase = phaseOf();
      const relabel = setInterval(() => (timeline.phase = phaseOf()), 100);
      await Promise.race([sleep(s.durationS * 1000), server.died]).finally(() => clearInterval(relabel));
      burst = { multiplier: b.multiplier, startedAt: new Date(burstAtMs).toISOString(), durationS: b.durationS, insideWindow: burstInsideWindow };
    } else if (s.churn) {
      const c = s.churn;
      timeline.phase = 'churn';
      log(`churn: ${c.perS} disconnects + reconnects per second for ${s.durationS} s`);
      fleet.command(`churn ${Math.max(1, Math.round(c.perS / processes))}`); // per process
      await Promise.race([sleep(s.durationS * 1000), server.died]);
      fleet.command('churn 0');
      timeline.phase = 'settle';
      await Promise.race([sleep(c.settleS * 1000), server.died]);
      atStop = readProcSample(server.pid!);
      const rssChange = atMark && atStop ? Math.round((atStop.rssKb / atMark.rssKb - 1) * 1000) / 1000 : null;
      log(`after churn: RSS ${atMark?.rssKb} → ${atStop?.rssKb} KB (${rssChange === null ? 'n/a' : `${(rssChange * 100).toFixed(1)}%`}), ${timeline.open} open`);
      let restart: NonNullable<ScenarioRun['churn']>['restart'] = null;
      if (c.restart) {
        timeline.phase = 'restart';
        log('restarting the server on the same port: reconnect storm');
        const downAt = performance.now();
        errorsBefore += server.errorLines();
        await server.stop();
        server = await spawnServer({ ...spawnOpts, port });
        await waitReady(server, READY_TIMEOUT_MS);
        const readyAt = performance.now();
        prevSample = undefined;
        eldAbsent = false;
        const deadline = readyAt + c.reconnectTimeoutS * 1000;
        // All back = every connection open again, in progress lines sent after
        // the new server was ready (resolution: the clients' 1 s report period).
        let backAt: number | undefined;
        while (performance.now() < deadline) {
          const open = timeline.openSince(readyAt);
          if (open !== null && open >= s.connections) {
            backAt = performance.now();
            break;
          }
          await Promise.race([sleep(50), server.died]);
        }
        const openAfter = timeline.openSince(readyAt) ?? timeline.open;
        const reconnectMs = backAt === undefined ? null : Math.round(backAt - readyAt);
        log(`reconnect storm: ${openAfter}/${s.connections} open ${backAt !== undefined ? `${reconnectMs} ms after ready (±1 s report period)` : 'at the deadline'}`);
        restart = { downMs: Math.round(readyAt - downAt), reconnectMs, openAfter, allBack: backAt !== undefined };
        timeline.phase = 'after-restart';
        await Promise.race([sleep(3000), server.died]);
      }
      churn = { perS: c.perS, churned: 0, reconnects: 0, reconnectFailed: 0, rssConnectedKb: atMark?.rssKb ?? null, rssAfterChurnKb: atStop?.rssKb ?? null, rssChange, restart };
    } else {
      timeline.phase = 'window';
      const remaining = windowEnds - performance.now();
      await Promise.race([sleep(Math.max(0, remaining)), server.died]);
    }

    atStop ??= readProcSample(server.pid!);
    const threadsAtStop = s.churn?.restart ? undefined : readThreadTable(server.pid!);
    const serverThreads: ThreadCpu[] | undefined = threadsAtMark && threadsAtStop ? threadCpu(threadsAtMark, threadsAtStop).slice(0, 12) : undefined;
    const machineAtStop = readMachineCpu();
    const tableAtStop = readProcessTable();
    const orchestratorCpu = process.cpuUsage(cpuAtMark);
    const profileRecords = profiles ? await profiles : undefined; // they end inside the window
    const summaries = await fleet.stop();
    clearInterval(ticker); // the clients are gone: later seconds would repeat their last progress

    const sum = (f: (c: ClientSummary) => number | undefined): number => summaries.reduce((a, c) => a + (f(c) ?? 0), 0);
    if (churn) churn = { ...churn, churned: sum((c) => c.window.churned), reconnects: sum((c) => c.window.reconnects), reconnectFailed: sum((c) => c.window.reconnectFailed) };

    const ws = buildResult({
      startedAt,
      commit: ctx.commit,
      options: wsOptions(s, target, processes),
      server: { target, url: server.streamUrl.toString(), spawned: true, pid: server.pid },
      summaries,
      connectWallMs,
      serverBaseline: baseline,
      serverAtMark: atMark,
      serverAtStop: s.churn?.restart ? undefined : atStop,
      serverMaxRssKb: Math.max(0, ...timeline.points.map((p) => p.rssKb ?? 0)),
      orchestratorCpuUs: orchestratorCpu.user + orchestratorCpu.system,
      machineAtMark,
      machineAtStop,
      topOthers: topConsumers(tableAtMark, tableAtStop, new Set([process.pid, ...(server.pid ? [server.pid] : []), ...fleet.pids])),
      cpus: availableParallelism(),
      expectedPerS: spec.publishesEveryFlush ? nominalPerS(totalSubscriptions(s), s.flushMs) : null,
    });
    if (s.churn?.restart) notes.push('server CPU is not reported for the window: the server was restarted inside it');
    const other = ws.machineLoad.otherCores;
    if (other !== null && other > OTHER_LOAD_WARNING_CORES) {
      notes.push(`other processes used ${(other * 100).toFixed(0)}% of a core during the window: these numbers are skewed`);
    }
    if (ws.generator.busiestProcessCores > GENERATOR_SATURATED_CORES) {
      notes.push(`a client process used ${(ws.generator.busiestProcessCores * 100).toFixed(0)}% of a core: the generator may be the limit; raise processes`);
    }

    let slow: ScenarioRun['slow'];
    if (s.slow) {
      const h = new LogLinearHistogram();
      for (const c of summaries) if (c.window.slowLatencyUs) h.add(c.window.slowLatencyUs);
      slow = { share: s.slow.share, messages: sum((c) => c.window.slowMessages), latencyMs: percentilesMs(h) };
    }

    let http: HttpRun[] | undefined;
    if (s.http && target === 'bourse') {
      http = [];
      for (const path of s.http.paths) {
        log(`autocannon ${path} (${expandPath(path, symbols).length} variants), ${s.http.connections} connections, ${s.http.durationS} s`);
        http.push(await runHttp(server.httpBase, path, symbols, s.http.connections, s.http.durationS));
      }
    }

    if (eldAbsent && eld.length === 0) notes.push('the server exposes no /metrics: no event-loop delay');
    return {
      target,
      description: spec.description,
      ws,
      expectedPerS: ws.window.expectedPerS,
      timeline: timeline.points,
      phases: timeline.phases(),
      eventLoop: eld.length ? { p99MaxMs: Math.max(...eld), p99MeanMs: Math.round((eld.reduce((a, b) => a + b, 0) / eld.length) * 1000) / 1000 } : null,
      serverErrors: errorsBefore + server.errorLines(),
      sequence: { gaps: ws.window.gaps, duplicates: ws.window.duplicates, staleAfterSnapshot: sum((c) => c.window.staleAfterSnapshot) },
      ...(burst ? { burst } : {}),
      ...(churn ? { churn } : {}),
      ...(slow ? { slow } : {}),
      ...(http ? { http } : {}),
      ...(serverThreads ? { serverThreads } : {}),
      ...(profileRecords ? { profiles: profileRecords } : {}),
      notes,
    };
  } catch (err) {
    const tail = server.outputTail();
    if (tail && !(err as Error).message.includes(tail)) (err as Error).message += `\nserver output:\n${tail}`;
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
    fleet?.kill();
    const { code, signal } = await server.stop();
    if (code !== 0 && code !== null) log(`server exited with code ${code}${signal ? ` (${signal})` : ''}`);
    await rm(tmp, { recursive: true, force: true });
  }
}

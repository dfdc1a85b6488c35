import type { WsBenchOptions } from './args.js';
import type { ClientSummary } from './client-fleet.js';
import { LogLinearHistogram, type HistogramJson } from './histogram.js';
import { cpuCores, type MachineCpuSample, type ProcSample } from './proc-sampler.js';

/** Everything one `bench:ws` run measured; written as JSON to bench/results/. */
export interface WsBenchResult {
  readonly kind: 'ws-fanout';
  readonly startedAt: string;
  readonly commit: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly options: WsBenchOptions;
  readonly server: {
    readonly target: string;
    readonly url: string;
    readonly spawned: boolean;
    readonly pid: number | null;
    /** CPU over the measured window, in cores (1 = one core fully busy). */
    readonly cpuCores: number | null;
    readonly rssBaselineKb: number | null;
    /** RSS at the start of the window: all connected and subscribed, warmed up. */
    readonly rssConnectedKb: number | null;
    readonly rssMaxKb: number | null;
    readonly rssPerConnKb: number | null;
  };
  readonly connect: {
    readonly attempted: number;
    readonly open: number;
    readonly failed: number;
    readonly failures: Record<string, number>;
    /** From the first attempt until every process had finished connecting. */
    readonly wallMs: number;
    /** Per connection: connect() until the 101 response, ms. */
    readonly timeMs: Percentiles;
  };
  readonly window: {
    readonly durationS: number;
    readonly messages: Record<string, number>;
    /** quote + snapshot messages per second. */
    readonly deliveriesPerS: number;
    /**
     * Nominal rate when the server publishes every subscribed symbol on every
     * flush (the reference peers); null otherwise (Bourse conflates). Below it
     * with no gaps means the server published less (its flush timer slipped),
     * not that the clients lost anything.
     */
    readonly expectedPerS: number | null;
    readonly framesPerS: number;
    readonly mbPerS: number;
    readonly gaps: number;
    readonly duplicates: number;
    readonly unknownSymbol: number;
  };
  /** Tick-to-wire: read time − the frame's `ta` (Bourse: the earliest tick the frame conflates, so the conflation wait is in it), ms. */
  readonly latencyMs: Percentiles;
  readonly latencyHistogramUs: HistogramJson;
  /**
   * Frame-to-wire: read time − the frame's `ts` (when the server built it, at its flush): the
   * delivery alone, without the conflation wait. The peers stamp ta = ts, so for them it equals
   * latencyMs. Null from a client that does not report it.
   */
  readonly frameLatencyMs: Percentiles | null;
  readonly errors: Record<string, number>;
  readonly closes: Record<string, number>;
  /** Frames the clients rejected (they then closed with 1002); should be empty. */
  readonly protocolErrors: Record<string, number>;
  readonly generator: {
    readonly processes: number;
    /** Native clients' CPU over the window, in cores. */
    readonly clientCores: number;
    /** This orchestrator's CPU over the window, in cores. */
    readonly orchestratorCores: number;
    /** (client + orchestrator cores) / machine cores. */
    readonly machineShare: number;
    /** The busiest native process, in cores: near 1 means the generator may be what limits the run. */
    readonly busiestProcessCores: number;
    readonly clientMaxRssKb: number;
  };
  /** Whole-machine CPU over the window, in cores, and what neither the server nor the generator used. */
  readonly machineLoad: {
    readonly busyCores: number | null;
    readonly otherCores: number | null;
    /** Who else was busy (ksoftirqd is loopback work the kernel deferred: part of the run, charged to no process). */
    readonly topOthers: ReadonlyArray<{ readonly pid: number; readonly comm: string; readonly cores: number }>;
  };
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** Percentiles of a µs histogram, in ms. */
export function percentilesMs(h: LogLinearHistogram): Percentiles {
  const ms = (us: number): number => Math.round(us) / 1000;
  return { count: h.count, p50: ms(h.quantile(0.5)), p90: ms(h.quantile(0.9)), p99: ms(h.quantile(0.99)), p999: ms(h.quantile(0.999)), max: ms(h.max), mean: ms(h.mean) };
}

function sumRecords(records: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export interface RunMeasurements {
  readonly startedAt: Date;
  readonly commit: string;
  readonly options: WsBenchOptions;
  readonly server: { readonly target: string; readonly url: string; readonly spawned: boolean; readonly pid: number | undefined };
  readonly summaries: readonly ClientSummary[];
  readonly connectWallMs: number;
  readonly serverBaseline?: ProcSample;
  readonly serverAtMark?: ProcSample;
  readonly serverAtStop?: ProcSample;
  readonly serverMaxRssKb?: number;
  /** process.cpuUsage() delta over the window, µs. */
  readonly orchestratorCpuUs: number;
  readonly machineAtMark?: MachineCpuSample;
  readonly machineAtStop?: MachineCpuSample;
  readonly topOthers?: ReadonlyArray<{ readonly pid: number; readonly comm: string; readonly cores: number }>;
  readonly cpus: number;
  /** The caller's nominal deliveries/s (see nominalPerS), or null when the server's rate is not known in advance. */
  readonly expectedPerS: number | null;
}

/** Deliveries/s when every one of `subscriptions` gets a quote on every flush. */
export function nominalPerS(subscriptions: number, flushMs: number): number {
  return Math.round((subscriptions * 1000) / flushMs);
}

export function buildResult(m: RunMeasurements): WsBenchResult {
  const s = m.summaries;
  const latency = new LogLinearHistogram();
  const frameLatency = new LogLinearHistogram();
  const connectTime = new LogLinearHistogram();
  for (const c of s) {
    latency.add(c.window.latencyUs);
    if (c.window.frameLatencyUs) frameLatency.add(c.window.frameLatencyUs);
    connectTime.add(c.connectTimeUs);
  }
  const messages = sumRecords(s.map((c) => c.window.messages));
  const sum = (f: (c: ClientSummary) => number): number => s.reduce((a, c) => a + f(c), 0);
  // The processes mark and stop within milliseconds of each other; their mean window is the run's.
  const durationS = sum((c) => c.window.durationMs) / s.length / 1000;
  const per = (n: number): number => (durationS > 0 ? n / durationS : 0);
  const open = sum((c) => c.open);

  const clientCores = per(sum((c) => c.window.cpuMs) / 1000);
  const orchestratorCores = per(m.orchestratorCpuUs / 1e6);
  const serverCores = m.serverAtMark && m.serverAtStop ? cpuCores(m.serverAtMark, m.serverAtStop) : null;
  const a = m.machineAtMark;
  const b = m.machineAtStop;
  const busyCores = a && b && b.t > a.t ? (b.busyS - a.busyS) / ((b.t - a.t) / 1000) : null;
  const base = m.serverBaseline?.rssKb;
  const atMark = m.serverAtMark?.rssKb;

  return {
    kind: 'ws-fanout',
    startedAt: m.startedAt.toISOString(),
    commit: m.commit,
    machine: { cpus: m.cpus, node: process.version, platform: `${process.platform}-${process.arch}` },
    options: m.options,
    server: {
      target: m.server.target,
      url: m.server.url,
      spawned: m.server.spawned,
      pid: m.server.pid ?? null,
      cpuCores: serverCores === null ? null : round(serverCores, 3),
      rssBaselineKb: base ?? null,
      rssConnectedKb: atMark ?? null,
      rssMaxKb: m.serverMaxRssKb ?? null,
      rssPerConnKb: base !== undefined && atMark !== undefined && open > 0 ? round((atMark - base) / open, 2) : null,
    },
    connect: {
      attempted: sum((c) => c.attempted),
      open,
      failed: sum((c) => c.failed),
      failures: sumRecords(s.map((c) => c.failures)),
      wallMs: round(m.connectWallMs, 1),
      timeMs: percentilesMs(connectTime),
    },
    window: {
      durationS: round(durationS, 3),
      messages,
      deliveriesPerS: Math.round(per((messages.quote ?? 0) + (messages.snapshot ?? 0))),
      expectedPerS: m.expectedPerS,
      framesPerS: Math.round(per(sum((c) => c.window.frames))),
      mbPerS: round(per(sum((c) => c.window.bytes)) / 1e6, 2),
      gaps: sum((c) => c.window.gaps),
      duplicates: sum((c) => c.window.duplicates),
      unknownSymbol: sum((c) => c.window.unknownSymbol),
    },
    latencyMs: percentilesMs(latency),
    latencyHistogramUs: latency.toJSON(),
    frameLatencyMs: s.some((c) => c.window.frameLatencyUs) ? percentilesMs(frameLatency) : null,
    errors: sumRecords(s.map((c) => c.errors)),
    closes: sumRecords(s.map((c) => c.closes)),
    protocolErrors: sumRecords(s.map((c) => c.protocolErrors)),
    generator: {
      processes: s.length,
      clientCores: round(clientCores, 3),
      orchestratorCores: round(orchestratorCores, 3),
      machineShare: round((clientCores + orchestratorCores) / m.cpus, 3),
      clientMaxRssKb: s.reduce((acc, c) => Math.max(acc, c.maxRssKb), 0),
      busiestProcessCores: round(s.reduce((acc, c) => Math.max(acc, c.window.durationMs > 0 ? c.window.cpuMs / c.window.durationMs : 0), 0), 3),
    },
    machineLoad: {
      busyCores: busyCores === null ? null : round(busyCores, 3),
      // Only meaningful for a local server we sample: anything else busy on the box skews the run.
      otherCores: busyCores === null || serverCores === null ? null : round(Math.max(0, busyCores - serverCores - clientCores - orchestratorCores), 3),
      topOthers: m.topOthers ?? [],
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
const mb = (kb: number | null): string => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const codes = (r: Record<string, number>): string =>
  Object.keys(r).length === 0 ? 'none' : Object.entries(r).map(([k, v]) => `${k}×${v}`).join(', ');

/** A native client process busier than this (cores) is probably what limits the run. */
export const GENERATOR_SATURATED_CORES = 0.9;

/**
 * Other CPU above this (cores) makes a run suspect. A quiet 2-core box shows
 * 5–11% here during a run (kworkers, ksoftirqd, accounting slop).
 */
export const OTHER_LOAD_WARNING_CORES = 0.15;

/** The human-readable summary printed at the end of a run. */
export function formatResult(r: WsBenchResult): string {
  const o = r.options;
  const w = r.window;
  const l = r.latencyMs;
  const c = r.connect;
  const srv = r.server;
  const lines = [
    `bench:ws — ${srv.target}${srv.spawned ? '' : ' (attached)'} at ${srv.url}`,
    `  load        ${int(o.connections)} conns × ${o.symbolsPerConn} symbols of ${o.symbols}, flush ${o.flushMs} ms${srv.target === 'bourse' ? `, sim ${int(o.rate)} ticks/s` : ''}, window ${w.durationS} s after ${o.warmupS} s warm-up`,
    `  connect     ${int(c.open)} open, ${int(c.failed)} failed${c.failed ? ` (${codes(c.failures)})` : ''} in ${(c.wallMs / 1000).toFixed(2)} s; per conn p50 ${c.timeMs.p50} ms, p99 ${c.timeMs.p99} ms, max ${c.timeMs.max} ms`,
    `  delivered   ${int(w.deliveriesPerS)} msg/s${w.expectedPerS ? ` (${pct(w.deliveriesPerS / w.expectedPerS)} of the nominal ${int(w.expectedPerS)})` : ''}, ${int(w.framesPerS)} frames/s, ${w.mbPerS} MB/s`,
    `  tick→wire   p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms (${int(l.count)} quotes)`,
    ...(r.frameLatencyMs ? [`  frame→wire  p50 ${r.frameLatencyMs.p50} ms, p99 ${r.frameLatencyMs.p99} ms, max ${r.frameLatencyMs.max} ms (from the frame's ts: without the conflation wait)`] : []),
    `  seq         ${int(w.gaps)} missing, ${int(w.duplicates)} duplicates${w.unknownSymbol ? `, ${int(w.unknownSymbol)} for unsubscribed symbols` : ''}`,
    `  errors      ${codes(r.errors)}; closes ${codes(r.closes)}${Object.keys(r.protocolErrors).length ? `; protocol errors ${codes(r.protocolErrors)}` : ''}`,
    `  server      CPU ${srv.cpuCores === null ? 'n/a' : `${(srv.cpuCores * 100).toFixed(0)}% of a core`}, RSS ${mb(srv.rssBaselineKb)} → ${mb(srv.rssConnectedKb)} (max ${mb(srv.rssMaxKb)}), ${srv.rssPerConnKb === null ? 'n/a' : `${srv.rssPerConnKb.toFixed(1)} KB`} per connection`,
    `  generator   ${r.generator.processes} native process(es) ${(r.generator.clientCores * 100).toFixed(0)}% of a core + orchestrator ${(r.generator.orchestratorCores * 100).toFixed(0)}% = ${pct(r.generator.machineShare)} of ${r.machine.cpus} cores`,
  ];
  if (r.generator.busiestProcessCores > GENERATOR_SATURATED_CORES) {
    lines.push(`  WARNING     a native client process used ${(r.generator.busiestProcessCores * 100).toFixed(0)}% of a core: the generator may be the limit; try --processes ${r.generator.processes + 1}`);
  }
  const other = r.machineLoad.otherCores;
  if (other !== null) {
    const who = r.machineLoad.topOthers.map((p) => `${p.comm} ${(p.cores * 100).toFixed(0)}%`).join(', ');
    lines.push(`  machine     ${((r.machineLoad.busyCores ?? 0) * 100).toFixed(0)}% of a core busy in all, ${(other * 100).toFixed(0)}% outside server and generator${who ? ` (${who})` : ''}`);
    if (other > OTHER_LOAD_WARNING_CORES) {
      lines.push(`  WARNING     something else used ${(other * 100).toFixed(0)}% of a core during the window (processes that already exited are not listed): these numbers are skewed`);
    }
  }
  return lines.join('\n');
}

import type { WsBenchOptions } from '../../bench/load/args.js';
import type { ClientSummary } from '../../bench/load/client-fleet.js';
import { LogLinearHistogram } from '../../bench/load/histogram.js';
import { buildResult } from '../../bench/load/report.js';
import { peerRatios, REFERENCES, type ScenarioReport, type ScenarioRun } from '../../bench/suite/result.js';
import type { Scenario, Target } from '../../bench/suite/scenario.js';
import type { TimelinePoint } from '../../bench/suite/timeline.js';

/** Hand-made results for the report, docs and compare tests (the smoke test produces real ones). */

export const SCENARIO: Scenario = {
  name: 'steady',
  description: 'fixture <steady> & co',
  connections: 1000,
  symbolsPerConn: 10,
  universe: 500,
  flushMs: 50,
  tickRate: 100_000,
  durationS: 10,
  warmupS: 1,
  rampPerS: 2000,
};

function summary(quotes: number, latenciesUs: readonly number[]): ClientSummary {
  const h = new LogLinearHistogram();
  for (const v of latenciesUs) h.record(v);
  const counters = {
    messages: { snapshot: 0, quote: quotes, trades: 0, bar: 0, error: 0, pong: 0, other: 0 },
    frames: quotes, bytes: quotes * 400, reads: quotes / 10, gaps: 0, duplicates: 0, unknownSymbol: 0, pings: 0, negativeLatency: 0,
  };
  return {
    ...counters,
    pid: 1, elapsedMs: 12_000, attempted: 1000, pending: 0, open: 1000, failed: 0, closed: 0, cpuUserMs: 1000, cpuSysMs: 1000,
    maxRssKb: 10_000, connectTimeUs: h.toJSON(), closes: {}, errors: {}, failures: {}, protocolErrors: {},
    window: { ...counters, marked: true, durationMs: 10_000, cpuMs: 2000, latencyUs: h.toJSON() },
  };
}

export function fixtureRun(target: Target, deliveredPerS: number, latencyMs: number, rssPerConnKb: number): ScenarioRun {
  const ws = buildResult({
    startedAt: new Date('2026-12-06T10:00:00Z'),
    commit: 'abc1234',
    options: { target: 'bourse', connections: 1000, symbolsPerConn: 10, symbols: 500, flushMs: 50, note: '' } as unknown as WsBenchOptions,
    server: { target, url: 'ws://127.0.0.1:1/v1/stream', spawned: true, pid: 42 },
    summaries: [summary(deliveredPerS * 10, [latencyMs * 500, latencyMs * 1000, latencyMs * 1000])],
    connectWallMs: 500,
    serverBaseline: { t: 0, cpuS: 0, rssKb: 100_000, threads: 1 },
    serverAtMark: { t: 1000, cpuS: 1, rssKb: 100_000 + rssPerConnKb * 1000, threads: 1 },
    serverAtStop: { t: 11_000, cpuS: 6, rssKb: 100_000 + rssPerConnKb * 1000, threads: 1 },
    orchestratorCpuUs: 10_000,
    cpus: 2,
    expectedPerS: target === 'bourse' ? null : 200_000,
  });
  const timeline: TimelinePoint[] = Array.from({ length: 10 }, (_, i) => ({
    t: i + 1, phase: i < 2 ? 'warmup' : i < 5 ? 'before' : i < 8 ? 'burst' : 'after', open: 1000, deliveredPerS, p50: latencyMs / 2, p90: latencyMs * 0.9,
    p99: latencyMs, max: latencyMs * 1.2, rssKb: 100_000 + i, serverCores: 0.5, clientCores: 0.2, eventLoopP99Ms: i === 0 ? null : 3,
  }));
  return {
    target, description: `${target} <fixture>`, ws, expectedPerS: ws.window.expectedPerS, timeline,
    phases: { window: { seconds: 10, deliveredPerS, latencyMs: ws.latencyMs } }, eventLoop: { p99MaxMs: 3, p99MeanMs: 2.5 }, serverErrors: 0, sequence: { gaps: 0, duplicates: 0, staleAfterSnapshot: 0 }, notes: ['a note with <html>'],
  };
}

export function fixtureReport(runs: ScenarioRun[], scenario: Scenario = SCENARIO): ScenarioReport {
  return {
    kind: 'bench-scenario', version: 1, scenario, startedAt: '2026-12-06T10:00:00.000Z', commit: 'abc1234',
    machine: { cpus: 2, node: 'v20', platform: 'linux-x64' }, runs, ratios: peerRatios(runs), references: REFERENCES,
    command: 'npm run bench -- --scenario steady --peers',
  };
}

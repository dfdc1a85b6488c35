import type { ThreadCpu } from '../load/proc-sampler.js';
import type { Percentiles, WsBenchResult } from '../load/report.js';
import type { HttpRun } from './http-bench.js';
import type { Scenario, Target } from './scenario.js';
import type { PhaseStats, TimelinePoint } from './timeline.js';

/** One scenario against one server. */
export interface ScenarioRun {
  readonly target: Target;
  readonly description: string;
  /** Connect, delivery, latency, gaps, closes, server CPU/RSS and generator share over the measured window. */
  readonly ws: WsBenchResult;
  /** Nominal deliveries/s for servers that publish every subscribed symbol every flush; null for Bourse (conflated). */
  readonly expectedPerS: number | null;
  readonly timeline: readonly TimelinePoint[];
  readonly phases: Readonly<Record<string, PhaseStats>>;
  /** From the server's /metrics (nodejs_eventloop_lag_p99_seconds); null when it exposes none. */
  readonly eventLoop: { readonly p99MaxMs: number; readonly p99MeanMs: number } | null;
  /** Log lines at error level or above (pino ≥ 50, uncaught errors). */
  readonly serverErrors: number;
  /** Sequence checks over the window (per connection and symbol). */
  readonly sequence: {
    readonly gaps: number;
    readonly duplicates: number;
    /** Of duplicates: a quote whose seq was not above the one a just-received snapshot had set. */
    readonly staleAfterSnapshot: number;
  };
  readonly burst?: {
    readonly multiplier: number;
    readonly startedAt: string;
    readonly durationS: number;
    /** Whether the burst began after the window did (it is scheduled before the clients connect). */
    readonly insideWindow: boolean;
  };
  readonly churn?: {
    readonly perS: number;
    readonly churned: number;
    readonly reconnects: number;
    readonly reconnectFailed: number;
    readonly rssConnectedKb: number | null;
    readonly rssAfterChurnKb: number | null;
    /** rssAfterChurn / rssConnected − 1. */
    readonly rssChange: number | null;
    readonly restart: null | {
      readonly downMs: number;
      /** From the new server answering /readyz until every client was open again. */
      readonly reconnectMs: number | null;
      readonly openAfter: number;
      readonly allBack: boolean;
    };
  };
  readonly slow?: { readonly share: number; readonly messages: number; readonly latencyMs: Percentiles };
  /** The server's threads over the window, busiest first, with the kernel's share of each (absent when a restart split the window). */
  readonly serverThreads?: readonly ThreadCpu[];
  /** CPU profiles taken during the window (`--profile`), files relative to the report. */
  readonly profiles?: readonly ProfileRecord[];
  readonly http?: readonly HttpRun[];
  readonly notes: readonly string[];
}

/** One thread's CPU profile from the server's admin endpoint during the window. */
export interface ProfileRecord {
  readonly thread: string;
  readonly seconds: number;
  /** Flamegraph page and .cpuprofile, names relative to the results directory; null when it failed. */
  readonly html: string | null;
  readonly cpuprofile: string | null;
  /** Functions by self time, share of the profile's samples (idle included, so a mostly idle thread shows it). */
  readonly hottest: readonly { readonly name: string; readonly location: string; readonly selfShare: number }[];
  readonly error?: string;
}

export interface PeerRatio {
  readonly peer: Target;
  /** Bourse ÷ peer delivered messages/s (higher is better for Bourse). */
  readonly delivered: number | null;
  /** Bourse p99 ÷ peer p99 (lower is better for Bourse). */
  readonly p99: number | null;
  /** Bourse RSS per connection ÷ peer's (lower is better for Bourse). */
  readonly memoryPerConn: number | null;
}

/** Published figures of other systems, drawn as reference lines (not measured here). */
export interface Reference {
  readonly name: string;
  readonly connections: number | null;
  readonly messagesPerS: number;
  readonly latencyMs: number;
  readonly latencyPercentile: string;
  readonly source: string;
}

export const REFERENCES: readonly Reference[] = [
  { name: 'LZStock', connections: 5000, messagesPerS: 14_000, latencyMs: 450, latencyPercentile: 'p99', source: 'LZStock published benchmark: 5k concurrent connections, 14k ops/s, P99 ≈ 450 ms' },
  { name: 'Soketi (2 vCPU)', connections: null, messagesPerS: 611, latencyMs: 125, latencyPercentile: 'p95', source: "Soketi's published 2-vCPU run: 611 msg/s, p95 125 ms" },
];

export interface ScenarioReport {
  readonly kind: 'bench-scenario';
  readonly version: 1;
  readonly scenario: Scenario;
  readonly startedAt: string;
  readonly commit: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly runs: readonly ScenarioRun[];
  /** Targets whose run could not complete (e.g. a peer that could not accept the connections), with why. */
  readonly failed?: readonly { readonly target: Target; readonly error: string }[];
  /** With more than one target and Bourse among them. */
  readonly ratios: readonly PeerRatio[];
  readonly references: readonly Reference[];
  readonly command: string;
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;

/** Bourse's ratios to every other target of the report. */
export function peerRatios(runs: readonly ScenarioRun[]): PeerRatio[] {
  const bourse = runs.find((r) => r.target === 'bourse');
  if (!bourse) return [];
  return runs
    .filter((r) => r.target !== 'bourse')
    .map((r) => ({
      peer: r.target,
      delivered: ratio(bourse.ws.window.deliveriesPerS, r.ws.window.deliveriesPerS),
      p99: ratio(bourse.ws.latencyMs.p99, r.ws.latencyMs.p99),
      memoryPerConn: ratio(bourse.ws.server.rssPerConnKb, r.ws.server.rssPerConnKb),
    }));
}

/** Structural check of a report read back from disk (bench:compare). */
export function isScenarioReport(x: unknown): x is ScenarioReport {
  const r = x as ScenarioReport;
  return typeof r === 'object' && r !== null && r.kind === 'bench-scenario' && r.version === 1 && Array.isArray(r.runs) && r.runs.every((run) => typeof run?.target === 'string' && typeof run?.ws === 'object');
}

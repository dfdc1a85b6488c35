import type { ScenarioReport, ScenarioRun } from './result.js';

/**
 * `npm run bench:compare A.json B.json`: the difference between two recorded
 * runs, target by target: each metric with A, B, the change and whether the
 * change is better or worse (higher delivery is better, lower latency, memory
 * and CPU are better).
 */

export interface MetricDiff {
  readonly target: string;
  readonly metric: string;
  readonly a: number | null;
  readonly b: number | null;
  /** b / a − 1; null when either is missing or a is 0. */
  readonly change: number | null;
  readonly verdict: 'better' | 'worse' | 'same' | 'n/a';
}

interface Metric {
  readonly name: string;
  readonly get: (r: ScenarioRun) => number | null | undefined;
  readonly higherIsBetter: boolean;
}

const METRICS: readonly Metric[] = [
  { name: 'open connections', get: (r) => r.ws.connect.open, higherIsBetter: true },
  { name: 'delivered msg/s', get: (r) => r.ws.window.deliveriesPerS, higherIsBetter: true },
  { name: 'p50 ms', get: (r) => r.ws.latencyMs.p50, higherIsBetter: false },
  { name: 'p90 ms', get: (r) => r.ws.latencyMs.p90, higherIsBetter: false },
  { name: 'p99 ms', get: (r) => r.ws.latencyMs.p99, higherIsBetter: false },
  { name: 'p99.9 ms', get: (r) => r.ws.latencyMs.p999, higherIsBetter: false },
  { name: 'max ms', get: (r) => r.ws.latencyMs.max, higherIsBetter: false },
  { name: 'frame→wire p99 ms', get: (r) => r.ws.frameLatencyMs?.p99, higherIsBetter: false },
  { name: 'seq gaps', get: (r) => r.ws.window.gaps, higherIsBetter: false },
  { name: 'server CPU (cores)', get: (r) => r.ws.server.cpuCores, higherIsBetter: false },
  { name: 'RSS KB/conn', get: (r) => r.ws.server.rssPerConnKb, higherIsBetter: false },
  { name: 'event-loop p99 ms', get: (r) => r.eventLoop?.p99MaxMs, higherIsBetter: false },
  { name: 'generator share', get: (r) => r.ws.generator.machineShare, higherIsBetter: false },
  { name: 'server errors', get: (r) => r.serverErrors, higherIsBetter: false },
];

/** Changes within this fraction count as the same (runs on a shared box are noisy). */
export const SAME_WITHIN = 0.02;

export function compareReports(a: ScenarioReport, b: ScenarioReport): MetricDiff[] {
  const out: MetricDiff[] = [];
  const targets = [...new Set([...a.runs.map((r) => r.target), ...b.runs.map((r) => r.target)])];
  for (const target of targets) {
    const ra = a.runs.find((r) => r.target === target);
    const rb = b.runs.find((r) => r.target === target);
    for (const m of METRICS) {
      const va = ra ? (m.get(ra) ?? null) : null;
      const vb = rb ? (m.get(rb) ?? null) : null;
      let change: number | null = null;
      let verdict: MetricDiff['verdict'] = 'n/a';
      if (va !== null && vb !== null) {
        if (va === vb) {
          change = 0;
          verdict = 'same';
        } else if (va !== 0) {
          change = Math.round((vb / va - 1) * 10_000) / 10_000;
          verdict = Math.abs(change) <= SAME_WITHIN ? 'same' : change > 0 === m.higherIsBetter ? 'better' : 'worse';
        } else verdict = vb > 0 === m.higherIsBetter ? 'better' : 'worse';
      }
      out.push({ target, metric: m.name, a: va, b: vb, change, verdict });
    }
  }
  return out;
}

const fmt = (v: number | null): string => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 3 }));

export function formatComparison(a: ScenarioReport, b: ScenarioReport, diffs: readonly MetricDiff[]): string {
  const lines = [
    `A: ${a.scenario.name} ${a.startedAt} (${a.commit})`,
    `B: ${b.scenario.name} ${b.startedAt} (${b.commit})`,
  ];
  if (a.scenario.name !== b.scenario.name) lines.push('warning: different scenarios; the comparison is of unlike runs');
  let target = '';
  for (const d of diffs) {
    if (d.target !== target) {
      target = d.target;
      lines.push('', `${target}`, `  ${'metric'.padEnd(22)} ${'A'.padStart(14)} ${'B'.padStart(14)} ${'change'.padStart(9)}  verdict`);
    }
    const ch = d.change === null ? '—' : `${d.change > 0 ? '+' : ''}${(d.change * 100).toFixed(1)}%`;
    lines.push(`  ${d.metric.padEnd(22)} ${fmt(d.a).padStart(14)} ${fmt(d.b).padStart(14)} ${ch.padStart(9)}  ${d.verdict}`);
  }
  return lines.join('\n');
}

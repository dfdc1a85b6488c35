import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendDocsRow, resultStem, writeResultJson, type DocsSection } from '../load/results-docs.js';
import { renderHtml } from './html-report.js';
import type { ThreadCpu } from '../load/proc-sampler.js';
import type { ScenarioReport, ScenarioRun } from './result.js';

/**
 * Where a suite run is recorded: bench/results/<timestamp>-<scenario>.json
 * and .html, and one summary row per target in the "Scenario suite" section
 * of docs/benchmarks.md (other sections are left alone).
 */

export const SUITE_HEADING = '## Scenario suite (`npm run bench`)';

const TABLE_HEADER = [
  '| Date (UTC) | Commit | Scenario | Target | Load: conns × syms (universe) · ticks/s · flush | Open / failed | Delivered msg/s | p50 ms | p99 ms | p99.9 ms | max ms | Gaps | Closes | Server CPU (% of a core) | RSS KB/conn | ELD p99 ms | Generator (% of machine) | Other CPU | Extra |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

export const SUITE_SECTION: DocsSection = {
  heading: SUITE_HEADING,
  tableHeader: TABLE_HEADER,
  intro: `
${SUITE_HEADING}

One row per target per run of \`npm run bench -- --scenario NAME [--target T | --peers]\`
(scenarios in \`bench/scenarios/\`). The full JSON and an HTML report with
per-second plots are in \`bench/results/<timestamp>-<scenario>.{json,html}\`.
Columns as in the fan-out table above; ELD is the server's event-loop delay
p99 (max over the run) from its /metrics, "—" when it exposes none. Extra holds
the scenario's own figures (burst phases, churn RSS and reconnect storm, slow
consumers) and, for Bourse, frame→wire: read time minus the frame's \`ts\` (its
flush), that is tick-to-wire without the conflation wait (the peers stamp ta = ts).

${TABLE_HEADER.join('\n')}
`,
};

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);

/** `gateway-0 55% (73% sys), …`: the server's busiest threads over the window. */
export function threadsLine(threads: readonly ThreadCpu[], limit = 6): string {
  return threads.slice(0, limit).map((t) => `${t.name} ${(t.cores * 100).toFixed(0)}% (${(t.sysShare * 100).toFixed(0)}% sys)`).join(', ');
}

/** The scenario-specific cell. */
export function extraCell(run: ScenarioRun): string {
  const parts: string[] = [];
  const ph = run.phases;
  const f = run.ws.frameLatencyMs;
  // Bourse's ta is the earliest tick a frame conflates; frame→wire leaves the conflation wait out (peers: ta = ts).
  if (f && run.target === 'bourse' && f.count > 0) parts.push(`frame→wire p50 ${f.p50} p99 ${f.p99} ms`);
  if (run.burst) {
    for (const name of ['before', 'burst', 'after']) {
      const p = ph[name];
      if (p) parts.push(`${name} ${p.deliveredPerS.toLocaleString('en-US')}/s p99 ${p.latencyMs.p99}`);
    }
  }
  if (run.churn) {
    const c = run.churn;
    parts.push(`churned ${c.churned}, RSS ${c.rssChange === null ? '—' : `${(c.rssChange * 100).toFixed(1)}%`}`);
    if (c.restart) parts.push(c.restart.allBack ? `restart: all back in ${c.restart.reconnectMs} ms` : `restart: ${c.restart.openAfter} back`);
  }
  if (run.slow) parts.push(`slow ${pct(run.slow.share)}: p99 ${run.slow.latencyMs.p99} ms`);
  if (run.serverErrors) parts.push(`${run.serverErrors} server errors`);
  if (run.target === 'bourse' && run.serverThreads?.length) parts.push(`threads ${threadsLine(run.serverThreads, 4)}`);
  if (run.http?.length) parts.push(run.http.map((h) => `${h.path} ${h.requestsPerS.toLocaleString('en-US')} req/s p99 ${h.latencyMs.p99} ms`).join('; '));
  return parts.join('; ').replace(/\|/g, '/');
}

/**
 * Connections × symbols (universe), then the feed: ticks/s for Bourse (also
 * with idle connections: the simulator runs all the same; the peers step every
 * symbol each flush) and the flush.
 */
export function loadCell(s: ScenarioReport['scenario'], target: string): string {
  const feed = s.replay ? `replay ${s.replay.symbol} ×${s.replay.speed}` : `${s.tickRate >= 1000 ? `${s.tickRate / 1000}k` : s.tickRate} t/s`;
  const rate = target === 'bourse' ? ` · ${feed}` : '';
  return `${s.connections} × ${s.symbolsPerConn} (${s.universe})${rate} · ${s.flushMs} ms`;
}

export function suiteDocsRow(r: ScenarioReport, run: ScenarioRun): string {
  const w = run.ws;
  const s = r.scenario;
  const closes = Object.entries(w.closes).map(([k, v]) => `${k}×${v}`).join(' ') || '—';
  const cells = [
    r.startedAt.slice(0, 16).replace('T', ' '),
    r.commit,
    s.name,
    run.target,
    loadCell(s, run.target),
    `${w.connect.open} / ${w.connect.failed}`,
    w.window.deliveriesPerS.toLocaleString('en-US'),
    String(w.latencyMs.p50),
    String(w.latencyMs.p99),
    String(w.latencyMs.p999),
    String(w.latencyMs.max),
    String(w.window.gaps),
    closes,
    pct(w.server.cpuCores),
    w.server.rssPerConnKb === null ? '—' : w.server.rssPerConnKb.toFixed(2),
    run.eventLoop ? String(run.eventLoop.p99MaxMs) : '—',
    `${pct(w.generator.machineShare)} (${w.generator.processes} proc)`,
    pct(w.machineLoad.otherCores),
    extraCell(run),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** A target that could not complete: the row says so, with the reason, instead of leaving it out. */
export function failedDocsRow(r: ScenarioReport, f: { readonly target: string; readonly error: string }): string {
  const s = r.scenario;
  const cells = [r.startedAt.slice(0, 16).replace('T', ' '), r.commit, s.name, f.target, loadCell(s, f.target), `FAILED: ${f.error.replaceAll('|', '/')}`];
  return `| ${cells.join(' | ')} |${' — |'.repeat(13)}`;
}

export interface RecordPaths {
  readonly json: string;
  readonly html: string;
}

/** Writes the JSON and the HTML; appends the docs rows unless docPath is undefined. */
export async function recordReport(r: ScenarioReport, resultsDir: string, docPath: string | undefined): Promise<RecordPaths> {
  const json = await writeResultJson(resultsDir, r.scenario.name, r.startedAt, r);
  const html = join(resultsDir, `${resultStem(r.startedAt, r.scenario.name)}.html`);
  await writeFile(html, renderHtml(r));
  if (docPath) for (const run of r.runs) await appendDocsRow(docPath, suiteDocsRow(r, run), SUITE_SECTION);
  if (docPath) for (const f of r.failed ?? []) await appendDocsRow(docPath, failedDocsRow(r, f), SUITE_SECTION);
  return { json, html };
}

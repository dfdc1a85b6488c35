import type { ScenarioReport, ScenarioRun } from './result.js';
import { escapeHtml, lineChart } from './svg-chart.js';
import type { TimelinePoint } from './timeline.js';

/**
 * The HTML report of a scenario run: summary tables, Bourse's ratios to the
 * peers with the published reference figures, and per-target inline SVG
 * charts (latency percentiles over time, delivered rate, open connections,
 * server RSS). One self-contained file next to the JSON.
 */

const COLORS = { p50: '#2a7', p90: '#27c', p99: '#c72', max: '#a3a', rate: '#27c', open: '#2a7', rss: '#c72', eld: '#777' };

const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const codes = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';

function series(points: readonly TimelinePoint[], f: (p: TimelinePoint) => number | null): Array<[number, number | null]> {
  return points.map((p) => [p.t, f(p)]);
}

/** Contiguous runs of a phase on the time axis, for shading. */
export function phaseBands(points: readonly TimelinePoint[], phases: readonly string[]): Array<{ from: number; to: number; label: string }> {
  const out: Array<{ from: number; to: number; label: string }> = [];
  let cur: { from: number; to: number; label: string } | undefined;
  let prevT = 0;
  for (const p of points) {
    if (phases.includes(p.phase)) {
      if (cur && cur.label === p.phase) cur.to = p.t;
      else out.push((cur = { from: prevT, to: p.t, label: p.phase }));
    } else cur = undefined;
    prevT = p.t;
  }
  return out;
}

function runSection(run: ScenarioRun, scenarioName: string): string {
  const w = run.ws;
  const pts = run.timeline;
  const bands = phaseBands(pts, ['burst', 'churn', 'restart']);
  const latencyTarget = scenarioName === 'steady' ? [{ y: 80, label: 'target p99 80 ms' }] : scenarioName === 'active-19500' ? [{ y: 150, label: 'target p99 150 ms' }] : [];
  const charts = [
    lineChart({
      title: 'Tick-to-wire latency per second (fast consumers)',
      yLabel: 'ms',
      series: [
        { name: 'p50', color: COLORS.p50, points: series(pts, (p) => p.p50) },
        { name: 'p90', color: COLORS.p90, points: series(pts, (p) => p.p90) },
        { name: 'p99', color: COLORS.p99, points: series(pts, (p) => p.p99) },
        { name: 'max', color: COLORS.max, points: series(pts, (p) => p.max) },
      ],
      refLines: latencyTarget,
      bands,
    }),
    lineChart({
      title: 'Delivered messages/s',
      yLabel: 'msg/s',
      series: [{ name: 'delivered', color: COLORS.rate, points: series(pts, (p) => p.deliveredPerS) }],
      refLines: run.expectedPerS ? [{ y: run.expectedPerS, label: 'nominal' }] : [],
      bands,
    }),
    lineChart({ title: 'Open connections', yLabel: 'connections', series: [{ name: 'open', color: COLORS.open, points: series(pts, (p) => p.open) }], bands }),
    lineChart({
      title: 'Server RSS and event-loop delay',
      yLabel: 'MB / ms',
      series: [
        { name: 'RSS MB', color: COLORS.rss, points: series(pts, (p) => (p.rssKb === null ? null : Math.round(p.rssKb / 102.4) / 10)) },
        { name: 'ELD p99 ms', color: COLORS.eld, points: series(pts, (p) => p.eventLoopP99Ms) },
      ],
      bands,
    }),
  ];
  const phaseRows = Object.entries(run.phases)
    .map(([name, ph]) => `<tr><td>${escapeHtml(name)}</td><td>${num(ph.seconds, 1)}</td><td>${num(ph.deliveredPerS)}</td><td>${num(ph.latencyMs.p50, 1)}</td><td>${num(ph.latencyMs.p99, 1)}</td><td>${num(ph.latencyMs.max, 1)}</td></tr>`)
    .join('');
  const extra: string[] = [];
  if (run.churn) {
    const c = run.churn;
    extra.push(
      `<p><b>Churn:</b> ${num(c.churned)} closed by clients and ${num(c.reconnects)} reopened (${num(c.reconnectFailed)} failed attempts); RSS ${num(c.rssConnectedKb)} → ${num(c.rssAfterChurnKb)} KB (${c.rssChange === null ? '—' : `${(c.rssChange * 100).toFixed(1)}%`}, target within 10%).` +
        (c.restart ? ` Restart: down ${num(c.restart.downMs)} ms; ${c.restart.allBack ? `all ${num(c.restart.openAfter)} back ${num(c.restart.reconnectMs)} ms after ready` : `only ${num(c.restart.openAfter)} back at the deadline`}.` : '') +
        `</p>`,
    );
  }
  if (run.slow) extra.push(`<p><b>Slow consumers</b> (${(run.slow.share * 100).toFixed(0)}%): ${num(run.slow.messages)} quotes, p50 ${num(run.slow.latencyMs.p50, 1)} ms, p99 ${num(run.slow.latencyMs.p99, 1)} ms, max ${num(run.slow.latencyMs.max, 1)} ms.</p>`);
  if (run.burst) extra.push(`<p><b>Burst:</b> ${run.burst.multiplier}× the tick rate for ${run.burst.durationS} s from ${escapeHtml(run.burst.startedAt)}${run.burst.insideWindow ? '' : ' (began before the window)'}.</p>`);
  if (run.http?.length) {
    extra.push(
      `<h4>REST (autocannon)</h4><table><tr><th>path</th><th>conns</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>status</th><th>errors</th></tr>` +
        run.http.map((h) => `<tr><td>${escapeHtml(h.path)}</td><td>${h.connections}</td><td>${num(h.requestsPerS)}</td><td>${h.latencyMs.p50}</td><td>${h.latencyMs.p90}</td><td>${h.latencyMs.p99}</td><td>${h.latencyMs.max}</td><td>${escapeHtml(codes(h.status))}</td><td>${h.errors}</td></tr>`).join('') +
        `</table>`,
    );
  }
  if (run.serverThreads?.length) {
    extra.push(
      `<h4>Server threads over the window</h4><table><tr><th>thread</th><th>tid</th><th>CPU</th><th>of it in the kernel</th></tr>` +
        run.serverThreads.map((t) => `<tr><td>${escapeHtml(t.name)}</td><td>${t.tid}</td><td>${(t.cores * 100).toFixed(1)}%</td><td>${(t.sysShare * 100).toFixed(0)}%</td></tr>`).join('') +
        `</table>`,
    );
  }
  if (run.profiles?.length) {
    extra.push(
      `<p>V8 samples JavaScript only: time a thread spends in native code outside any JavaScript call (uWS writing the corked frames into sockets after each event-loop pass, the kernel's share above) is counted as <code>(idle)</code>. Read a profile next to the thread's CPU in the table above.</p>`,
    );
  }
  for (const p of run.profiles ?? []) {
    extra.push(
      p.html
        ? `<h4>CPU profile of ${escapeHtml(p.thread)} (${p.seconds} s): <a href="${escapeHtml(p.html)}">flamegraph</a>, <a href="${escapeHtml(p.cpuprofile ?? '')}">.cpuprofile</a></h4>` +
            `<table><tr><th>function (self time)</th><th>where</th><th>share of samples</th></tr>${p.hottest.map((h) => `<tr><td>${escapeHtml(h.name)}</td><td>${escapeHtml(h.location || 'native / VM')}</td><td>${(h.selfShare * 100).toFixed(1)}%</td></tr>`).join('')}</table>`
        : `<p><b>CPU profile of ${escapeHtml(p.thread)} failed:</b> ${escapeHtml(p.error ?? 'unknown error')}</p>`,
    );
  }
  if (run.notes.length) extra.push(`<ul>${run.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  return `<section><h3>${escapeHtml(run.target)} — ${escapeHtml(run.description)}</h3>
<p>Connect: ${num(w.connect.open)} open, ${num(w.connect.failed)} failed in ${num(w.connect.wallMs / 1000, 2)} s (per connection p50 ${w.connect.timeMs.p50} ms, p99 ${w.connect.timeMs.p99} ms).
Window ${w.window.durationS} s: ${num(w.window.deliveriesPerS)} msg/s${run.expectedPerS ? ` of ${num(run.expectedPerS)} nominal` : ''}; tick-to-wire p50 ${w.latencyMs.p50} / p90 ${w.latencyMs.p90} / p99 ${w.latencyMs.p99} / p99.9 ${w.latencyMs.p999} / max ${w.latencyMs.max} ms${w.frameLatencyMs && w.frameLatencyMs.count > 0 ? ` (frame-to-wire, from the frame's flush: p50 ${w.frameLatencyMs.p50} / p99 ${w.frameLatencyMs.p99} / max ${w.frameLatencyMs.max} ms)` : ''};
${num(w.window.gaps)} seq gaps, ${num(w.window.duplicates)} duplicates${run.sequence?.staleAfterSnapshot ? ` (${num(run.sequence.staleAfterSnapshot)} right after a snapshot)` : ''}; closes ${escapeHtml(codes(w.closes))}; errors ${escapeHtml(codes(w.errors))}; server log errors ${run.serverErrors}.
Server CPU ${w.server.cpuCores === null ? '—' : `${(w.server.cpuCores * 100).toFixed(0)}%`}, RSS ${num((w.server.rssConnectedKb ?? 0) / 1024)} MB (${num(w.server.rssPerConnKb, 2)} KB/conn); event-loop p99 ${run.eventLoop ? `${run.eventLoop.p99MaxMs} ms max` : '—'};
generator ${w.generator.processes} processes, ${(w.generator.machineShare * 100).toFixed(0)}% of the machine; other load ${w.machineLoad.otherCores === null ? '—' : `${(w.machineLoad.otherCores * 100).toFixed(0)}% of a core`}.</p>
<table><tr><th>phase</th><th>s</th><th>delivered/s</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr>${phaseRows}</table>
${extra.join('\n')}
<div class="charts">${charts.join('\n')}</div></section>`;
}

export function renderHtml(r: ScenarioReport): string {
  const summary = r.runs
    .map((run) => {
      const w = run.ws;
      return `<tr><td>${escapeHtml(run.target)}</td><td>${num(w.connect.open)}</td><td>${num(w.window.deliveriesPerS)}</td><td>${w.latencyMs.p50}</td><td>${w.latencyMs.p90}</td><td>${w.latencyMs.p99}</td><td>${w.latencyMs.p999}</td><td>${w.latencyMs.max}</td><td>${num(w.window.gaps)}</td><td>${w.server.cpuCores === null ? '—' : `${(w.server.cpuCores * 100).toFixed(0)}%`}</td><td>${num(w.server.rssPerConnKb, 2)}</td><td>${(w.generator.machineShare * 100).toFixed(0)}%</td></tr>`;
    })
    .join('');
  const ratios = r.ratios.length
    ? `<h2>Bourse against the peers</h2><table><tr><th>peer</th><th>delivered/s ratio (↑)</th><th>p99 ratio (↓)</th><th>memory/conn ratio (↓)</th></tr>${r.ratios
        .map((x) => `<tr><td>${escapeHtml(x.peer)}</td><td>${num(x.delivered, 2)}</td><td>${num(x.p99, 2)}</td><td>${num(x.memoryPerConn, 2)}</td></tr>`)
        .join('')}</table>`
    : '';
  const refs = `<h2>Published reference figures (not measured here)</h2><ul>${r.references.map((x) => `<li>${escapeHtml(x.source)}</li>`).join('')}</ul>`;
  const deliveredChart =
    r.runs.length > 1
      ? lineChart({
          title: 'Delivered messages/s by target (dashed: published references)',
          yLabel: 'msg/s',
          series: r.runs.map((run, i) => ({ name: run.target, color: ['#27c', '#2a7', '#c72', '#a3a'][i % 4], points: run.timeline.map((p) => [p.t, p.deliveredPerS] as [number, number]) })),
          refLines: r.references.map((x) => ({ y: x.messagesPerS, label: x.name })),
          width: 800,
        })
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bourse bench — ${escapeHtml(r.scenario.name)} — ${escapeHtml(r.startedAt)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;max-width:1400px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:12px}section{border-top:2px solid #333;margin-top:24px}</style>
</head><body>
<h1>Scenario <code>${escapeHtml(r.scenario.name)}</code></h1>
<p>${escapeHtml(r.scenario.description)}</p>
<p>${escapeHtml(r.startedAt)} · commit ${escapeHtml(r.commit)} · ${r.machine.cpus} cores · Node ${escapeHtml(r.machine.node)} · <code>${escapeHtml(r.command)}</code></p>
<h2>Summary</h2>
<table><tr><th>target</th><th>open</th><th>delivered/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>gaps</th><th>server CPU</th><th>KB/conn</th><th>generator</th></tr>${summary}</table>
${ratios}
${deliveredChart}
${refs}
${r.runs.map((run) => runSection(run, r.scenario.name)).join('\n')}
<details><summary>Scenario file</summary><pre>${escapeHtml(JSON.stringify(r.scenario, null, 2))}</pre></details>
</body></html>
`;
}

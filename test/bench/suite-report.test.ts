import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientProgress } from '../../bench/load/client-fleet.js';
import { LogLinearHistogram } from '../../bench/load/histogram.js';
import { insertRow, SECTION_HEADING } from '../../bench/load/results-docs.js';
import { compareReports, formatComparison } from '../../bench/suite/compare.js';
import { phaseBands, renderHtml } from '../../bench/suite/html-report.js';
import { expandPath } from '../../bench/suite/http-bench.js';
import { extraCell, SUITE_HEADING, SUITE_SECTION, suiteDocsRow } from '../../bench/suite/record.js';
import { isScenarioReport, peerRatios } from '../../bench/suite/result.js';
import { formatTick, lineChart, niceCeil } from '../../bench/suite/svg-chart.js';
import { parseEventLoopP99Ms, Timeline } from '../../bench/suite/timeline.js';
import { fixtureReport, fixtureRun } from './suite-fixtures.js';

function progress(pid: number, atMs: number, quotes: number, cpuMs: number, open: number, latUs: number[]): ClientProgress {
  const h = new LogLinearHistogram();
  for (const v of latUs) h.record(v);
  return {
    pid, elapsedMs: atMs, attempted: open, pending: 0, open, failed: 0, closed: 0, cpuUserMs: cpuMs, cpuSysMs: 0,
    messages: { snapshot: 0, quote: quotes, trades: 0, bar: 0, error: 0, pong: 0, other: 0 },
    frames: 0, bytes: 0, reads: 0, gaps: 0, duplicates: 0, unknownSymbol: 0, pings: 0, negativeLatency: 0, intervalLatencyUs: h.toJSON(),
  };
}

describe('timeline', () => {
  it('turns cumulative progress lines of several processes into per-second points and phase summaries', () => {
    const tl = new Timeline(0);
    tl.phase = 'window';
    tl.onProgress(progress(1, 0, 0, 0, 50, []));
    tl.onProgress(progress(2, 0, 0, 0, 50, []));
    tl.onProgress(progress(1, 1000, 1000, 100, 50, [10_000, 20_000]));
    tl.onProgress(progress(2, 1000, 3000, 300, 50, [30_000]));
    const p1 = tl.tick({ rssKb: 1000, serverCores: 0.5, eventLoopP99Ms: 2 }, 1000);
    assert.equal(p1.deliveredPerS, 4000);
    assert.equal(p1.open, 100);
    assert.equal(p1.clientCores, 0.4);
    const h = new LogLinearHistogram();
    for (const v of [10_000, 20_000, 30_000]) h.record(v);
    assert.equal(p1.p50, Math.round(h.quantile(0.5)) / 1000, 'the merged histogram of both processes');
    assert.ok(p1.p50! >= 20 && p1.p50! < 20.4);
    assert.equal(p1.max, 30);
    tl.phase = 'burst';
    tl.onProgress(progress(1, 3000, 3000, 200, 50, [50_000]));
    const p2 = tl.tick({ rssKb: null, serverCores: null, eventLoopP99Ms: null }, 3000);
    assert.equal(p2.deliveredPerS, 1000 + 3000, 'process 1: 2,000 over its own 2 s; process 2: its latest rate, 3,000/s');
    assert.equal(p2.phase, 'burst');
    assert.equal(p2.t, 3);
    const p3 = tl.tick({ rssKb: null, serverCores: null, eventLoopP99Ms: null }, 4000);
    assert.equal(p3.p50, null, 'no quotes in that second');
    assert.equal(p3.deliveredPerS, 4000, 'a late line does not show as a zero');
    const phases = tl.phases();
    assert.deepEqual(Object.keys(phases), ['window', 'burst']);
    assert.equal(phases.window.latencyMs.count, 3);
    assert.equal(phases.burst.deliveredPerS, 667, '2,000 over the 3 s of the phase');
    assert.equal(phases.burst.seconds, 3);
  });

  it('reads the worst event-loop p99 from a Prometheus page', () => {
    const page = '# TYPE x gauge\nnodejs_eventloop_lag_p99_seconds{thread="gateway-0"} 0.0125\nnodejs_eventloop_lag_p99_seconds{thread="main"} 0.002\nnodejs_eventloop_lag_max_seconds 1\n';
    assert.equal(parseEventLoopP99Ms(page), 12.5);
    assert.equal(parseEventLoopP99Ms('up 1\n'), null);
  });
});

describe('HTML report', () => {
  it('is one self-contained page with the four plots per target, ratios, references and escaped text', () => {
    const report = fixtureReport([fixtureRun('bourse', 1_000_000, 80, 5), fixtureRun('uws', 1_100_000, 40, 2), fixtureRun('ws', 50_000, 900, 30)]);
    const html = renderHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.equal(html.match(/<svg /g)?.length, 3 * 4 + 1, 'latency, delivered, connections, RSS per target + delivered by target');
    for (const title of ['Tick-to-wire latency per second', 'Delivered messages/s', 'Open connections', 'Server RSS']) assert.ok(html.includes(title), title);
    assert.ok(html.includes('Bourse against the peers'));
    assert.ok(html.includes('LZStock') && html.includes('611 msg/s'));
    assert.ok(html.includes('target p99 80 ms'), 'the steady target line');
    assert.ok(!html.includes('<fixture>') && html.includes('&lt;fixture&gt;'), 'descriptions are escaped');
    assert.ok(!/<script|src=|href=/.test(html), 'no script and no external resource');
  });

  it('draws lines with gaps for missing values and bands for phases', () => {
    const svg = lineChart({ title: 't', yLabel: 'y', series: [{ name: 's', color: '#000', points: [[0, 1], [1, null], [2, 3], [3, 4]] }], bands: [{ from: 1, to: 2, label: 'burst' }] });
    const d = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(d.match(/M/g)?.length, 2, 'a null breaks the line');
    assert.ok(svg.includes('<rect') && svg.includes('<title>burst</title>'));
    assert.deepEqual([niceCeil(0), niceCeil(3), niceCeil(7), niceCeil(120), niceCeil(1_000_001)], [1, 5, 10, 200, 2_000_000]);
    assert.deepEqual([formatTick(1500), formatTick(2_000_000), formatTick(0.5)], ['1.5k', '2M', '0.5']);
    const report = fixtureReport([fixtureRun('bourse', 1000, 10, 1)]);
    assert.deepEqual(phaseBands(report.runs[0].timeline, ['burst']), [{ from: 5, to: 8, label: 'burst' }]);
  });
});

describe('peer ratios, docs rows and compare', () => {
  it('computes Bourse ratios to each peer', () => {
    const ratios = peerRatios([fixtureRun('bourse', 1_000_000, 80, 5), fixtureRun('ws', 50_000, 800, 25)]);
    assert.equal(ratios.length, 1);
    assert.equal(ratios[0].peer, 'ws');
    assert.equal(ratios[0].delivered, 20);
    assert.ok(ratios[0].p99 !== null && Math.abs(ratios[0].p99 - 0.1) < 0.01);
    assert.equal(ratios[0].memoryPerConn, 0.2);
    assert.deepEqual(peerRatios([fixtureRun('ws', 1, 1, 1)]), [], 'no Bourse run, no ratios');
  });

  it('writes one docs row per target under its own section, with as many cells as the header', () => {
    const report = fixtureReport([fixtureRun('bourse', 1_000_000, 80, 5), fixtureRun('uws', 1_100_000, 40, 2)]);
    let doc = insertRow(undefined, '| ws row |');
    for (const run of report.runs) doc = insertRow(doc, suiteDocsRow(report, run), SUITE_SECTION);
    assert.ok(doc.indexOf(SECTION_HEADING) < doc.indexOf(SUITE_HEADING));
    const rows = doc.slice(doc.indexOf(SUITE_HEADING)).split('\n').filter((l) => l.startsWith('| 2026'));
    assert.equal(rows.length, 2);
    const cells = (line: string): number => line.split(' | ').length;
    assert.equal(cells(rows[0]), cells(SUITE_SECTION.tableHeader[0]));
    assert.ok(rows[0].includes('| steady | bourse |') && rows[0].includes('1,000,000'));
    assert.ok(doc.includes('| ws row |\n'), 'the fan-out table is untouched');
  });

  it('puts each scenario\'s own figures in the extra cell', () => {
    const run = { ...fixtureRun('bourse', 1000, 10, 1), serverErrors: 2 };
    const withChurn = {
      ...run,
      churn: { perS: 500, churned: 5000, reconnects: 5000, reconnectFailed: 0, rssConnectedKb: 1000, rssAfterChurnKb: 1050, rssChange: 0.05, restart: { downMs: 900, reconnectMs: 2500, openAfter: 1000, allBack: true } },
    };
    assert.equal(extraCell(withChurn), 'churned 5000, RSS 5.0%; restart: all back in 2500 ms; 2 server errors');
  });

  it('compares two reports metric by metric, with better/worse by direction', () => {
    const a = fixtureReport([fixtureRun('bourse', 1_000_000, 100, 5)]);
    const b = fixtureReport([fixtureRun('bourse', 1_100_000, 80, 5), fixtureRun('ws', 1, 1, 1)]);
    const diffs = compareReports(a, b);
    const get = (target: string, metric: string) => diffs.find((d) => d.target === target && d.metric === metric)!;
    assert.equal(get('bourse', 'delivered msg/s').verdict, 'better');
    assert.equal(get('bourse', 'delivered msg/s').change, 0.1);
    assert.equal(get('bourse', 'p99 ms').verdict, 'better');
    assert.equal(get('bourse', 'RSS KB/conn').verdict, 'same');
    assert.equal(get('ws', 'p99 ms').verdict, 'n/a', 'only in B');
    const worse = compareReports(b, a);
    assert.equal(worse.find((d) => d.target === 'bourse' && d.metric === 'p99 ms')!.verdict, 'worse');
    const text = formatComparison(a, b, diffs);
    assert.match(text, /delivered msg\/s\s+1,000,000\s+1,100,000\s+\+10\.0%\s+better/);
  });

  it('fills REST path templates with tickers and search prefixes, without repeats', () => {
    assert.deepEqual(expandPath('/v1/quotes/{symbol}', ['AAPL', 'BRK.B']), ['/v1/quotes/AAPL', '/v1/quotes/BRK.B']);
    assert.deepEqual(expandPath('/v1/search?q={prefix}&limit=10', ['AAPL', 'AAL', 'MSFT']), ['/v1/search?q=aa&limit=10', '/v1/search?q=ms&limit=10']);
    assert.deepEqual(expandPath('/v1/symbols', ['AAPL']), ['/v1/symbols']);
  });

  it('recognises its own JSON and nothing else', () => {
    assert.ok(isScenarioReport(JSON.parse(JSON.stringify(fixtureReport([fixtureRun('bourse', 1, 1, 1)])))));
    assert.ok(!isScenarioReport({ kind: 'ws-fanout' }));
    assert.ok(!isScenarioReport(null));
  });
});

/**
 * `npm run bench -- --scenario NAME [--target T | --peers]`: a scenario of
 * bench/scenarios/ against Bourse and/or the reference peers; writes
 * bench/results/<timestamp>-<scenario>.{json,html} and docs rows.
 * The work is in bench/suite/.
 */
import { BENCHMARKS_DOC, RESULTS_DIR, SCENARIOS_DIR } from './load/paths.js';
import { applyOverrides, BENCH_USAGE, CliError, parseBenchArgs } from './suite/cli-args.js';
import { join } from 'node:path';
import { recordReport, threadsLine } from './suite/record.js';
import { loadScenario, ScenarioError, supportsTarget, TARGETS, type Target } from './suite/scenario.js';
import { runSuite } from './suite/suite.js';

async function main(): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let targets: Target[];
  let scenario;
  let o;
  try {
    const parsed = parseBenchArgs(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(BENCH_USAGE);
      return 0;
    }
    o = parsed;
    scenario = applyOverrides(await loadScenario(o.scenario, SCENARIOS_DIR), o.overrides);
    const s = scenario;
    targets = o.targets === 'peers' ? TARGETS.filter((t) => supportsTarget(s, t)) : [...o.targets];
    const unsupported = targets.filter((t) => !supportsTarget(s, t));
    if (unsupported.length) throw new CliError(`scenario ${s.name} does not run against ${unsupported.join(', ')}`);
  } catch (err) {
    if (err instanceof CliError || err instanceof ScenarioError) {
      process.stderr.write(`bench: ${err.message}\n\n${BENCH_USAGE}`);
      return 2;
    }
    throw err;
  }
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  const resultsDir = o.resultsDir ?? RESULTS_DIR;
  const report = await runSuite(scenario, targets, { log, command, echoServer: true, ...(o.profile ? { profile: { ...o.profile, dir: resultsDir } } : {}) });
  const paths = await recordReport(report, resultsDir, o.docs ? BENCHMARKS_DOC : undefined);
  for (const run of report.runs) {
    const w = run.ws;
    process.stdout.write(
      `${run.target.padEnd(9)} open ${w.connect.open}/${w.connect.attempted} | ${w.window.deliveriesPerS.toLocaleString('en-US')} msg/s | ` +
        `p50 ${w.latencyMs.p50} p90 ${w.latencyMs.p90} p99 ${w.latencyMs.p99} p99.9 ${w.latencyMs.p999} max ${w.latencyMs.max} ms | gaps ${w.window.gaps} | ` +
        `server ${w.server.cpuCores === null ? '—' : `${(w.server.cpuCores * 100).toFixed(0)}%`} ${w.server.rssPerConnKb ?? '—'} KB/conn | generator ${(w.generator.machineShare * 100).toFixed(0)}% of machine\n`,
    );
  }
  for (const run of report.runs) {
    const f = run.ws.frameLatencyMs;
    if (f && f.count > 0 && run.target === 'bourse') process.stdout.write(`${run.target.padEnd(9)} frame→wire (from the frame's flush, without the conflation wait) p50 ${f.p50} p99 ${f.p99} max ${f.max} ms\n`);
    if (run.serverThreads?.length) process.stdout.write(`${run.target.padEnd(9)} threads: ${threadsLine(run.serverThreads)}\n`);
    for (const p of run.profiles ?? []) {
      process.stdout.write(`${run.target.padEnd(9)} profile ${p.thread}: ${p.html ? `${join(resultsDir, p.html)}; top self: ${p.hottest.slice(0, 4).map((h) => `${h.name} ${(h.selfShare * 100).toFixed(1)}%`).join(', ')}` : `failed: ${p.error}`}\n`);
    }
  }
  for (const run of report.runs) for (const n of run.notes) process.stdout.write(`${run.target.padEnd(9)} note: ${n}\n`);
  for (const f of report.failed ?? []) process.stdout.write(`${f.target.padEnd(9)} FAILED: ${f.error}\n`);
  for (const r of report.ratios) process.stdout.write(`bourse / ${r.peer}: delivered ×${r.delivered ?? '—'}, p99 ×${r.p99 ?? '—'}, memory/conn ×${r.memoryPerConn ?? '—'}\n`);
  process.stdout.write(`\nresults: ${paths.json}\nreport:  ${paths.html}\n${o.docs ? 'docs rows appended to docs/benchmarks.md\n' : ''}`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

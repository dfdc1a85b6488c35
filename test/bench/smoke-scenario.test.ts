import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SCENARIOS_DIR } from '../../bench/load/paths.js';
import { recordReport } from '../../bench/suite/record.js';
import { isScenarioReport } from '../../bench/suite/result.js';
import { loadScenario, validateScenario } from '../../bench/suite/scenario.js';
import { runSuite } from '../../bench/suite/suite.js';

/**
 * The `smoke` scenario end to end, as `npm run bench -- --scenario smoke`
 * runs it: a real Bourse in a child process, 200 native clients in two
 * processes over two source addresses, the per-second timeline, autocannon on
 * a REST path, then the JSON and the HTML report (in a temporary directory,
 * with the docs rows written to a temporary copy). Then a shorter run against
 * each peer, which checks that the generator speaks their protocols
 * (Socket.IO's Engine.IO framing especially).
 */
describe('bench scenario: smoke', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('runs against Bourse and writes its JSON, HTML and docs rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    dirs.push(dir);
    const scenario = await loadScenario('smoke', SCENARIOS_DIR);
    const report = await runSuite(scenario, ['bourse'], { log: () => {}, command: 'npm run bench -- --scenario smoke' });
    const docPath = join(dir, 'benchmarks.md');
    const paths = await recordReport(report, dir, docPath);

    const json: unknown = JSON.parse(readFileSync(paths.json, 'utf8'));
    assert.ok(isScenarioReport(json));
    assert.match(paths.json, /-smoke\.json$/);
    const run = json.runs[0];
    assert.equal(run.target, 'bourse');
    assert.equal(run.ws.connect.open, 200, JSON.stringify(run.ws.connect.failures));
    assert.equal(run.ws.connect.failed, 0);
    assert.ok(run.ws.window.deliveriesPerS > 0, 'quotes were delivered');
    assert.ok(run.ws.latencyMs.count > 0 && run.ws.latencyMs.p50 <= run.ws.latencyMs.p99);
    assert.equal(run.ws.window.gaps, 0, 'no sequence gaps at this load');
    assert.equal(run.ws.generator.processes, 2);
    assert.equal(run.serverErrors, 0);
    assert.ok(run.timeline.length >= 4, `${run.timeline.length} timeline points`);
    assert.ok(run.timeline.some((p) => p.phase === 'window' && p.open === 200 && p.deliveredPerS > 0 && p.p99 !== null && p.rssKb !== null));
    assert.ok(run.phases.window.latencyMs.count > 0);
    assert.equal(run.http?.length, 1);
    assert.ok(run.http![0].requestsPerS > 0 && (run.http![0].status['200'] ?? 0) > 0, JSON.stringify(run.http));

    const html = readFileSync(paths.html, 'utf8');
    assert.ok(html.startsWith('<!doctype html>') && (html.match(/<svg /g)?.length ?? 0) >= 4);
    assert.ok(existsSync(docPath) && readFileSync(docPath, 'utf8').includes('| smoke | bourse |'));
  });

  it('speaks every peer\'s protocol: uWS, ws and Socket.IO deliver to all clients without gaps', async () => {
    const smoke = await loadScenario('smoke', SCENARIOS_DIR);
    const short = validateScenario({ ...smoke, connections: 60, durationS: 2, warmupS: 0.5, http: undefined }, 'smoke (short)');
    const report = await runSuite(short, ['uws', 'ws', 'socketio'], { log: () => {}, command: 'test' });
    assert.deepEqual(report.ratios, [], 'no Bourse run, no ratios');
    for (const run of report.runs) {
      const w = run.ws;
      assert.equal(w.connect.open, 60, `${run.target}: ${JSON.stringify(w.connect.failures)} closes ${JSON.stringify(w.closes)}`);
      assert.ok(w.window.messages.quote > 0, `${run.target} delivered quotes`);
      assert.equal(w.window.gaps, 0, `${run.target} gaps`);
      assert.equal(w.window.unknownSymbol, 0);
      assert.deepEqual(w.closes, {}, `${run.target} closes`);
      assert.ok(run.expectedPerS === 60 * 5 * 20, 'peers publish every subscribed symbol each flush');
      assert.ok(run.eventLoop !== null, `${run.target} reports event-loop delay`);
    }
  });
});

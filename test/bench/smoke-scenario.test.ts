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
import type { CpuProfile } from '../../core/index.js';

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
    const report = await runSuite(scenario, ['bourse'], {
      log: () => {},
      command: 'npm run bench -- --scenario smoke --profile shard-0,gateway-0 --profile-seconds 2',
      profile: { threads: ['shard-0', 'gateway-0'], seconds: 2, dir },
    });
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

    // Frame-to-wire leaves the conflation wait out of tick-to-wire: never longer than it for the same frames.
    assert.ok(run.ws.frameLatencyMs && run.ws.frameLatencyMs.count === run.ws.latencyMs.count, JSON.stringify(run.ws.frameLatencyMs));
    assert.ok(run.ws.frameLatencyMs.p50 <= run.ws.latencyMs.p50);
    // The server's threads by name (core/thread-name.ts), with their CPU over the window.
    const names = (run.serverThreads ?? []).map((t) => t.name);
    assert.ok(names.includes('gateway-0') && names.includes('shard-0'), names.join(', '));
    // Profiles taken inside the window, written beside the report and linked from it.
    assert.deepEqual(run.profiles?.map((p) => p.thread), ['shard-0', 'gateway-0']);
    for (const p of run.profiles!) {
      assert.ok(p.html && p.cpuprofile, `${p.thread}: ${p.error}`);
      assert.ok(existsSync(join(dir, p.html)) && existsSync(join(dir, p.cpuprofile)));
      assert.ok(p.hottest.length > 0);
    }
    // The shard profile shows the shard at work: its own tick-path functions (the server runs from dist/).
    const shardProfile = JSON.parse(readFileSync(join(dir, run.profiles![0].cpuprofile!), 'utf8')) as CpuProfile;
    const shardFns = new Set(shardProfile.nodes.map((n) => `${n.callFrame.url.replace(/^.*\/dist\//, '')}#${n.callFrame.functionName}`));
    assert.ok(shardFns.has('actors/shard.js#flush') || shardFns.has('actors/ticker-actor.js#apply'), [...shardFns].filter((f) => f.startsWith('actors/')).join(' '));

    const html = readFileSync(paths.html, 'utf8');
    assert.ok(html.startsWith('<!doctype html>') && (html.match(/<svg /g)?.length ?? 0) >= 4);
    assert.ok(html.includes(`href="${run.profiles![1].html}"`) && html.includes('Server threads over the window'));
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
      assert.equal(run.expectedPerS, 60 * 5 * 20, 'peers publish every subscribed symbol each flush');
      assert.ok(run.eventLoop !== null, `${run.target} reports event-loop delay`);
    }
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCENARIOS_DIR } from '../../bench/load/paths.js';
import { applyOverrides, CliError, parseBenchArgs } from '../../bench/suite/cli-args.js';
import { loadScenario, parseScenario, ScenarioError, supportsTarget, validateScenario, type Scenario } from '../../bench/suite/scenario.js';

const base: Scenario = {
  name: 'x',
  description: 'a test scenario',
  connections: 100,
  symbolsPerConn: 5,
  universe: 50,
  flushMs: 50,
  tickRate: 1000,
  durationS: 10,
  warmupS: 1,
  rampPerS: 1000,
};

/** The message of the ScenarioError that validating `raw` throws. */
function errorOf(raw: unknown, source = 'test'): string {
  try {
    validateScenario(raw, source);
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    assert.equal(err.code, 'bench_scenario_invalid');
    return err.message;
  }
  assert.fail('expected a ScenarioError');
}

describe('bench scenarios', () => {
  it('ships every scenario of issue 7, each valid and named after its file', async () => {
    const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json'));
    const names = files.map((f) => f.slice(0, -5)).sort();
    assert.deepEqual(names, ['active-19500', 'burst', 'churn', 'hot-symbol', 'idle-capacity', 'replay', 'saturation', 'slow-consumers', 'smoke', 'steady']);
    for (const f of files) {
      const s = parseScenario(readFileSync(join(SCENARIOS_DIR, f), 'utf8'), join(SCENARIOS_DIR, f));
      assert.equal(s.name, f.slice(0, -5));
    }
  });

  it('keeps the scenario figures the issue asks for', async () => {
    const steady = await loadScenario('steady', SCENARIOS_DIR);
    assert.deepEqual([steady.connections, steady.symbolsPerConn, steady.universe, steady.flushMs], [5000, 10, 500, 50]);
    assert.ok(steady.tickRate >= 100_000);
    const burst = await loadScenario('burst', SCENARIOS_DIR);
    assert.deepEqual([burst.burst?.multiplier, burst.burst?.durationS], [10, 10]);
    const hot = await loadScenario('hot-symbol', SCENARIOS_DIR);
    assert.deepEqual(hot.hot, { share: 0.8, symbols: 5 });
    const idle = await loadScenario('idle-capacity', SCENARIOS_DIR);
    assert.ok(idle.connections >= 19_500 && idle.symbolsPerConn === 0);
    assert.ok((idle.processes ?? 1) >= 2 && Math.ceil(idle.connections / (idle.connsPerSource ?? 20_000)) >= 2, 'spread over processes and source addresses');
    const churn = await loadScenario('churn', SCENARIOS_DIR);
    assert.equal(churn.churn?.restart, true);
    const replay = await loadScenario('replay', SCENARIOS_DIR);
    assert.ok(replay.replay?.file.startsWith('/work/shared/data/intraday/'));
    assert.equal(supportsTarget(replay, 'ws'), false);
    assert.equal(supportsTarget(steady, 'socketio'), true);
    const smoke = await loadScenario('smoke', SCENARIOS_DIR);
    assert.ok(smoke.connections <= 200 && smoke.durationS <= 5);
    const active = await loadScenario('active-19500', SCENARIOS_DIR);
    assert.deepEqual([active.connections, active.symbolsPerConn, active.universe], [19_500, 10, 500]);
    assert.ok(active.tickRate > 0 && (active.processes ?? 1) >= 2);
  });

  it('rejects unknown keys, wrong types and out-of-range values, naming the JSON path', () => {
    assert.match(errorOf({ ...base, conections: 5 }), /\/conections/);
    assert.match(errorOf({ ...base, connections: '100' }), /\/connections/);
    assert.match(errorOf({ ...base, connections: 0 }), /\/connections/);
    assert.match(errorOf({ ...base, hot: { share: 1.5, symbols: 5 } }), /\/hot\/share/);
    assert.match(errorOf({ ...base, replay: { file: 'x.csv', symbol: 'spy', speed: 60 } }), /\/replay\/symbol/);
    assert.match(errorOf({ ...base, targets: ['bourse', 'soketi'] }), /\/targets/);
    assert.match(errorOf(null), /invalid scenario/);
  });

  it('checks rules across fields', () => {
    assert.match(errorOf({ ...base, symbolsPerConn: 60 }), /\/symbolsPerConn: cannot exceed \/universe \(50\)/);
    assert.match(errorOf({ ...base, hot: { share: 0.8, symbols: 51 } }), /\/hot\/symbols/);
    assert.match(errorOf({ ...base, symbolsPerConn: 0, hot: { share: 0.8, symbols: 5 } }), /idle connections/);
    assert.match(errorOf({ ...base, burst: { afterS: 5, durationS: 10, multiplier: 10 } }), /\/burst: afterS \+ durationS must fit/);
    assert.match(errorOf({ ...base, connections: 19_500, processes: 1 }), /fd limit/);
    assert.match(errorOf({ ...base, replay: { file: 'f.csv', symbol: 'SPY', speed: 1 }, targets: ['bourse', 'ws'] }), /replay scenario runs against bourse only/);
    assert.match(errorOf({ ...base, name: 'other' }, '/dir/steady.json'), /\/name: must match the file name \(steady\)/);
    // Defaults for the fd limit: 19,500 connections need two processes, which is what the default gives.
    assert.equal(validateScenario({ ...base, connections: 19_500 }, 'test').connections, 19_500);
  });

  it('says which scenarios exist when a name is unknown, and rejects malformed JSON', async () => {
    await assert.rejects(loadScenario('stedy', SCENARIOS_DIR), (e: Error) => e instanceof ScenarioError && /known: .*steady/.test(e.message));
    await assert.rejects(loadScenario('../etc/passwd', SCENARIOS_DIR), ScenarioError);
    assert.throws(() => parseScenario('{"name":', 'bad.json'), (e: Error) => e instanceof ScenarioError && e.message.startsWith('bad.json: not JSON'));
  });
});

describe('npm run bench arguments', () => {
  it('parses targets, peers and overrides', () => {
    assert.deepEqual(parseBenchArgs(['--scenario', 'steady']), { scenario: 'steady', targets: ['bourse'], overrides: {}, docs: true, resultsDir: undefined });
    const o = parseBenchArgs(['--scenario', 'steady', '--target', 'bourse,ws', '--target', 'uws', '--duration', '3', '--no-docs']);
    assert.ok(o !== 'help');
    assert.deepEqual(o.targets, ['bourse', 'ws', 'uws']);
    assert.deepEqual(o.overrides, { durationS: 3 });
    assert.equal(o.docs, false);
    assert.equal((parseBenchArgs(['--scenario', 'smoke', '--peers']) as { targets: unknown }).targets, 'peers');
    assert.equal(parseBenchArgs(['--help']), 'help');
    const sweep = parseBenchArgs(['--scenario', 'active-19500', '--tick-rate', '2000', '--flush', '100']);
    assert.ok(sweep !== 'help');
    assert.deepEqual(sweep.overrides, { tickRate: 2000, flushMs: 100 });
  });

  it('parses --profile thread lists and checks them', () => {
    const o = parseBenchArgs(['--scenario', 'steady', '--profile', 'gateway-0,shard-0,gateway-0', '--profile-seconds', '8']);
    assert.ok(o !== 'help');
    assert.deepEqual(o.profile, { threads: ['gateway-0', 'shard-0'], seconds: 8 });
    assert.equal((parseBenchArgs(['--scenario', 'steady', '--profile', 'ingest']) as { profile: { seconds: number } }).profile.seconds, 10);
    assert.throws(() => parseBenchArgs(['--scenario', 'steady', '--profile', 'gateway-0,worker-7']), /--profile takes thread names.*"worker-7"/);
    assert.throws(() => parseBenchArgs(['--scenario', 'steady', '--profile', 'shard-0', '--profile-seconds', '0']), /--profile-seconds must be a whole number/);
    assert.throws(() => parseBenchArgs(['--scenario', 'steady', '--target', 'uws', '--profile', 'shard-0']), /no bourse target/);
  });

  it('rejects what it does not know', () => {
    assert.throws(() => parseBenchArgs([]), /--scenario is required/);
    assert.throws(() => parseBenchArgs(['--scenario', 'x', '--target', 'soketi']), CliError);
    assert.throws(() => parseBenchArgs(['--scenario', 'x', '--peers', '--target', 'ws']), /exclude each other/);
    assert.throws(() => parseBenchArgs(['--scenario', 'x', '--duration', 'soon']), /must be a number/);
    assert.throws(() => parseBenchArgs(['--scenario', 'x', '--speed', '3']), /unknown option/);
    assert.throws(() => parseBenchArgs(['--scenario']), /needs a value/);
  });

  it('validates the scenario again after overrides', () => {
    assert.equal(applyOverrides(base, { connections: 10 }).connections, 10);
    assert.throws(() => applyOverrides(base, { connections: 0 }), ScenarioError);
    assert.throws(() => applyOverrides(base, { tickRate: -1 }), ScenarioError);
    assert.throws(() => applyOverrides({ ...base, burst: { afterS: 2, durationS: 5, multiplier: 10 } }, { durationS: 4 }), /shorter than the scenario's burst/);
  });
});

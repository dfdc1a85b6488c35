import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, type WsBenchOptions } from '../../bench/load/args.js';
import { runWsBench } from '../../bench/load/run.js';

/**
 * The whole `bench:ws` path against the real uws-bare peer on a free port:
 * native client build, server spawn and readiness, symbol fetch, ramp,
 * warm-up, measured window, merge. Small: 50 connections for 2 s.
 */
describe('bench:ws against uws-bare', () => {
  it('delivers every published quote to 50 connections with no gaps and records latency', async () => {
    const options = parseArgs([
      '--target', 'uws-bare', '--connections', '50', '--symbols-per-conn', '10', '--symbols', '100',
      '--flush-ms', '50', '--warmup', '0.5', '--duration', '2', '--no-record',
    ]) as WsBenchOptions;
    const { result: r, resultFile } = await runWsBench(options);

    assert.equal(resultFile, undefined, '--no-record writes nothing');
    assert.equal(r.connect.open, 50);
    assert.equal(r.connect.failed, 0, JSON.stringify(r.connect.failures));
    assert.ok(r.connect.timeMs.count === 50 && r.connect.timeMs.max > 0);

    // uws-bare publishes every symbol every flush: 50 × 10 × 20/s = 10,000 quotes/s.
    assert.equal(r.window.expectedPerS, 10_000);
    assert.ok(r.window.messages.quote > 0);
    assert.ok(r.window.deliveriesPerS > 0.5 * 10_000, `delivered ${r.window.deliveriesPerS}/s`);
    assert.equal(r.window.gaps, 0);
    assert.equal(r.window.duplicates, 0);
    assert.equal(r.window.unknownSymbol, 0);

    assert.equal(r.latencyMs.count, r.window.messages.quote);
    assert.ok(r.latencyMs.p50 > 0 && r.latencyMs.p50 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
    assert.ok(r.latencyMs.max < 5000, `max latency ${r.latencyMs.max} ms`);

    assert.deepEqual(r.errors, {});
    assert.deepEqual(r.closes, {});
    assert.deepEqual(r.protocolErrors, {});
    assert.ok(r.server.pid && r.server.spawned);
    assert.ok(r.server.cpuCores !== null && r.server.cpuCores > 0);
    assert.ok(r.server.rssConnectedKb !== null && r.server.rssConnectedKb > 0);
    assert.ok(r.generator.clientCores > 0);
  });
});

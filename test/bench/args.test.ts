import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableParallelism } from 'node:os';
import { ArgError, defaultProcesses, parseArgs, type WsBenchOptions } from '../../bench/load/args.js';

function parse(...argv: string[]): WsBenchOptions {
  const o = parseArgs(argv);
  assert.notEqual(o, 'help');
  return o as WsBenchOptions;
}

describe('bench:ws arguments', () => {
  it('has defaults for everything', () => {
    const o = parse();
    assert.equal(o.target, 'bourse');
    assert.equal(o.connections, 1000);
    assert.equal(o.symbolsPerConn, 10);
    assert.equal(o.symbols, 500);
    assert.equal(o.durationS, 30);
    assert.equal(o.flushMs, 50);
    assert.equal(o.processes, Math.max(1, availableParallelism()));
    assert.equal(o.record, true);
    assert.equal(o.attach, undefined);
  });

  it('parses the documented command line', () => {
    const o = parse('--connections', '5000', '--symbols-per-conn', '10', '--symbols', '500', '--duration', '30', '--rate', '100000', '--flush-ms', '50', '--target', 'uws-bare');
    assert.equal(o.connections, 5000);
    assert.equal(o.rate, 100_000);
    assert.equal(o.target, 'uws-bare');
    assert.equal(o.processes, defaultProcesses(5000, 5000));
  });

  it('accepts --flag=value and fractional seconds', () => {
    const o = parse('--duration=2.5', '--warmup=0.5', '--no-record', '--note=first try');
    assert.equal(o.durationS, 2.5);
    assert.equal(o.warmupS, 0.5);
    assert.equal(o.record, false);
    assert.equal(o.note, 'first try');
  });

  it('spreads connections over processes of at most --conns-per-process', () => {
    assert.equal(parse('--connections', '12000', '--conns-per-process', '4000').processes, Math.max(3, availableParallelism()));
    assert.equal(parse('--connections', '12000', '--processes', '4').processes, 4);
    assert.equal(parse('--connections', '50').processes, 1);
  });

  it('uses one process per core from 1,000 connections, and enough for the fd limit', () => {
    assert.equal(defaultProcesses(999, 5000, 2), 1);
    assert.equal(defaultProcesses(1000, 5000, 2), 2);
    assert.equal(defaultProcesses(5000, 5000, 2), 2);
    assert.equal(defaultProcesses(12_000, 5000, 2), 3);
    assert.equal(defaultProcesses(12_000, 5000, 8), 8);
    assert.equal(defaultProcesses(40_000, 5000, 1), 8);
  });

  it('attaches with --url, defaulting the path', () => {
    const o = parse('--url', 'ws://127.0.0.1:9000', '--server-pid', '1234');
    assert.deepEqual(o.attach, { url: 'ws://127.0.0.1:9000/v1/stream', pid: 1234 });
    assert.equal(parse('--url', 'ws://localhost:9000/custom').attach?.url, 'ws://localhost:9000/custom');
  });

  it('returns help for --help', () => {
    assert.equal(parseArgs(['--connections', '5', '--help']), 'help');
  });

  const bad: Array<[string[], RegExp]> = [
    [['--connectoins', '5'], /unknown option --connectoins/],
    [['--connections'], /--connections needs a value/],
    [['--connections', 'many'], /--connections must be a number/],
    [['--connections', '1.5'], /--connections must be an integer/],
    [['--connections', '0'], /--connections must be from 1/],
    [['--duration', '-1'], /--duration must be from 0.1/],
    [['--symbols', '5', '--symbols-per-conn', '10'], /cannot exceed --symbols/],
    [['--target', 'nginx'], /--target must be one of bourse, uws-bare/],
    [['--url', 'http://127.0.0.1:9000'], /--url must be ws:/],
    [['--url', 'ws://127.0.0.1'], /explicit port/],
    [['--url', 'not a url'], /not a URL/],
    [['--server-pid', '12'], /--server-pid needs --url/],
    [['--url', 'ws://127.0.0.1:1', '--server-pid', 'x'], /--server-pid must be a positive integer/],
    [['--connections', '3', '--processes', '4'], /cannot exceed --connections/],
    [['--connections', '40000', '--processes', '2'], /per process \(fd limit\)/],
    [['--conns-per-process', '19000'], /--conns-per-process must be from 1 to 18000/],
    [['--rate', '5', '--rate', '6'], /given twice/],
    [['connections'], /unexpected argument/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(() => parseArgs(argv), (err: unknown) => err instanceof ArgError && message.test(err.message));
    });
  }
});

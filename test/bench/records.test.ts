import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { splitConnections } from '../../bench/load/client-fleet.js';
import { parseMachineBusyS, parseRssKb, parseStat, readProcessTable, readThreadTable, threadCpu, topConsumers, type ProcessTable, type ThreadTable } from '../../bench/load/proc-sampler.js';
import { loadCell, threadsLine } from '../../bench/suite/record.js';
import { validateScenario } from '../../bench/suite/scenario.js';
import { insertRow, SECTION_HEADING } from '../../bench/load/results-docs.js';

describe('docs/benchmarks.md rows', () => {
  it('creates the file with our section and table', () => {
    const doc = insertRow(undefined, '| row 1 |');
    assert.match(doc, /^# Benchmarks\n/);
    assert.ok(doc.includes(SECTION_HEADING));
    assert.match(doc, /\| Date \(UTC\) \|.*\n\|---.*\n\| row 1 \|\n$/);
  });

  it('appends after the last row of our table', () => {
    const doc = insertRow(insertRow(undefined, '| row 1 |'), '| row 2 |');
    assert.match(doc, /\| row 1 \|\n\| row 2 \|\n$/);
  });

  it('leaves other sections alone, before and after ours', () => {
    const before = '# Benchmarks\n\nIntro.\n\n## Transport\n\n| a |\n|---|\n| t1 |\n';
    const ours = insertRow(before, '| row 1 |');
    const after = `${ours}\n## Later section\n\n| b |\n|---|\n| l1 |\n`;
    const doc = insertRow(after, '| row 2 |');
    assert.ok(doc.startsWith(before), 'text before our section is unchanged');
    assert.ok(doc.endsWith('## Later section\n\n| b |\n|---|\n| l1 |\n'), 'text after our section is unchanged');
    assert.match(doc, /\| row 1 \|\n\| row 2 \|\n\n## Later section/);
    assert.equal(doc.match(/\| t1 \|/g)?.length, 1);
  });

  it('puts a fresh table back if ours was deleted by hand', () => {
    const doc = insertRow(`# B\n\n${SECTION_HEADING}\n\nJust prose.\n`, '| row 1 |');
    assert.match(doc, /Just prose\.\n\n\| Date \(UTC\) \|.*\n\|---.*\n\| row 1 \|\n$/);
  });
});

describe('/proc parsing', () => {
  it('reads CPU and threads from /proc/<pid>/stat even with odd command names', () => {
    const stat = '4242 (node (MainThread) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
    assert.deepEqual(parseStat(stat), { cpuS: 3, userTicks: 250, sysTicks: 50, threads: 11 });
  });

  it('reads VmRSS from /proc/<pid>/status', () => {
    assert.equal(parseRssKb('Name:\tnode\nVmRSS:\t  123456 kB\nThreads:\t11\n'), 123_456);
    assert.equal(parseRssKb('Name:\tzombie\n'), 0);
  });

  it('counts machine busy time without idle and iowait', () => {
    assert.equal(parseMachineBusyS('cpu  100 10 50 1000 30 5 5 0 0 0\ncpu0 1 2 3\n'), 1.7);
  });

  it('names the busiest other processes between two tables', () => {
    const a: ProcessTable = { t: 0, procs: new Map([[1, { comm: 'init', cpuS: 1 }], [2, { comm: 'ksoftirqd/0', cpuS: 5 }], [3, { comm: 'server', cpuS: 0 }]]) };
    const b: ProcessTable = { t: 10_000, procs: new Map([[1, { comm: 'init', cpuS: 1 }], [2, { comm: 'ksoftirqd/0', cpuS: 6 }], [3, { comm: 'server', cpuS: 9 }], [4, { comm: 'newcomer', cpuS: 3 }]]) };
    assert.deepEqual(topConsumers(a, b, new Set([3])), [{ pid: 4, comm: 'newcomer', cores: 0.3 }, { pid: 2, comm: 'ksoftirqd/0', cores: 0.1 }]);
    assert.ok(readProcessTable().procs.has(process.pid));
  });

  it('reads this process from the real /proc', () => {
    assert.ok(parseStat(readFileSync('/proc/self/stat', 'utf8')).threads >= 1);
  });
});

describe('per-thread CPU', () => {
  const table = (t: number, rows: Array<[number, string, number, number]>): ThreadTable => ({
    t,
    threads: new Map(rows.map(([tid, name, userTicks, sysTicks]) => [tid, { name, userTicks, sysTicks }])),
  });

  it('gives each thread its cores and kernel share over the interval, busiest first, leaving out idle ones', () => {
    const a = table(0, [[1, 'node', 100, 10], [2, 'gateway-0', 500, 1000], [3, 'shard-0', 300, 10], [4, 'store', 50, 50]]);
    // 2 s later: gateway-0 +40 user +80 sys ticks = 0.6 cores, 67% sys; shard-0 +20 ticks = 0.1 cores; store idle.
    const b = table(2000, [[1, 'node', 101, 10], [2, 'gateway-0', 540, 1080], [3, 'shard-0', 318, 12], [4, 'store', 50, 50], [5, 'gateway-1', 30, 30]]);
    const cpu = threadCpu(a, b);
    assert.deepEqual(cpu.map((c) => c.name), ['gateway-0', 'gateway-1', 'shard-0', 'node']);
    assert.deepEqual(cpu[0], { name: 'gateway-0', tid: 2, cores: 0.6, sysShare: 0.67 });
    assert.equal(cpu[1].cores, 0.3, 'a thread born inside the interval counts from zero');
    assert.equal(threadsLine(cpu, 2), 'gateway-0 60% (67% sys), gateway-1 30% (50% sys)');
    assert.deepEqual(threadCpu(b, a), [], 'no interval, no figures');
  });

  it('reads this process\'s threads, by name, from the real /proc', () => {
    const t = readThreadTable(process.pid);
    assert.ok(t && t.threads.size >= 1 && t.threads.has(process.pid));
    assert.equal(readThreadTable(2 ** 22 + 7), undefined, 'a process that is gone');
  });
});

describe('docs row load cell', () => {
  const base = validateScenario({ name: 'x', description: 'x', connections: 100, symbolsPerConn: 5, universe: 50, flushMs: 50, tickRate: 100_000, durationS: 5, warmupS: 1, rampPerS: 100 }, 'test');
  it('says the feed for Bourse and only the flush for the peers', () => {
    assert.equal(loadCell(base, 'bourse'), '100 × 5 (50) · 100k t/s · 50 ms');
    assert.equal(loadCell({ ...base, tickRate: 500 }, 'bourse'), '100 × 5 (50) · 500 t/s · 50 ms');
    assert.equal(loadCell(base, 'ws'), '100 × 5 (50) · 50 ms');
    assert.equal(loadCell({ ...base, symbolsPerConn: 0 }, 'bourse'), '100 × 0 (50) · 100k t/s · 50 ms', 'idle connections: the feed still runs');
    assert.equal(loadCell({ ...base, replay: { file: 'f.csv', symbol: 'SPY', speed: 1200 } }, 'bourse'), '100 × 5 (50) · replay SPY ×1200 · 50 ms');
  });
});

describe('splitting connections over client processes', () => {
  it('gives every process an even share with contiguous offsets', () => {
    assert.deepEqual(splitConnections(10, 3), [{ offset: 0, count: 4 }, { offset: 4, count: 3 }, { offset: 7, count: 3 }]);
    assert.deepEqual(splitConnections(5000, 1), [{ offset: 0, count: 5000 }]);
  });
});

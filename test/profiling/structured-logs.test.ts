import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveBourse } from '../helpers/cli.js';
import { emptyPostgresDatabase } from '../helpers/db.js';
import { sleep } from '../helpers/wait.js';

/** Runs `bourse serve` until it is ready, stops it with SIGTERM, and returns every line it wrote (stdout, then stderr). */
async function serveLines(env: Record<string, string>): Promise<string[]> {
  const db = await emptyPostgresDatabase();
  try {
    const server = await serveBourse({ HOST: '127.0.0.1', PORT: '0', GATEWAY_THREADS: '2', SHARDS: '2', UNIVERSE_SIZE: '50', SIM_RATE: '500', DATABASE_URL: db.url, BOURSE_ADMIN_TOKEN: '', ...env });
    await sleep(300); // a moment of running before the stop
    server.child.kill('SIGTERM');
    const all = () => `${server.out()}\n${server.err()}`;
    assert.equal(await server.exited, 0, all());
    return all().split('\n').filter((l) => l.trim() && !l.startsWith('bourse '));
  } finally {
    await db.drop();
  }
}

test('structured logs: every line is JSON with pid, time, level and the thread that wrote it (and its shard); LOG_LEVEL filters', async () => {
  const lines = await serveLines({ LOG_LEVEL: 'debug' });
  const threads = new Set<string>();
  for (const line of lines) {
    const entry = JSON.parse(line) as { level: number; time: string; pid: number; thread: string; shard?: number; msg: string };
    assert.equal((line.match(/"thread":/g) ?? []).length, 1, `one thread field: ${line}`);
    assert.equal(typeof entry.level, 'number');
    assert.ok(!Number.isNaN(Date.parse(entry.time)), line);
    assert.equal(typeof entry.pid, 'number');
    assert.match(entry.thread, /^(main|gateway-\d|shard-\d|ingest|store)$/, line);
    const shard = /^shard-(\d)$/.exec(entry.thread)?.[1];
    assert.equal(entry.shard, shard === undefined ? undefined : Number(shard), line);
    threads.add(entry.thread);
  }
  assert.deepEqual([...threads].sort(), ['gateway-0', 'gateway-1', 'ingest', 'main', 'shard-0', 'shard-1', 'store']);

  const quiet = await serveLines({ LOG_LEVEL: 'warn' });
  assert.ok(quiet.every((l) => (JSON.parse(l) as { level: number }).level >= 40), quiet.join('\n'));
  assert.ok(lines.length > quiet.length);
});

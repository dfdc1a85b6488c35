import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { emptyPostgresDatabase } from '../helpers/db.js';

const BIN = new URL('../../../bin/bourse.js', import.meta.url).pathname;

/** Runs `bourse serve` until it is ready, stops it with SIGTERM, and returns every stdout line. */
async function serveLines(env: Record<string, string>): Promise<string[]> {
  const db = await emptyPostgresDatabase();
  try {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', GATEWAY_THREADS: '2', SHARDS: '2', UNIVERSE_SIZE: '50', SIM_RATE: '500', DATABASE_URL: db.url, BOURSE_ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const deadline = Date.now() + 30_000;
    while (!/listening on http/.test(out)) {
      if (Date.now() > deadline) throw new Error(`not ready: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    return out.split('\n').filter((l) => l.trim() && !l.startsWith('bourse '));
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

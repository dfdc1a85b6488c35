import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyPostgresDatabase } from '../helpers/db.js';

const BIN = new URL('../../../bin/bourse.js', import.meta.url).pathname;

function bourse(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

test('bourse migrate status | up | down on Postgres', async (t) => {
  const pg = await emptyPostgresDatabase();
  t.after(() => pg.drop());
  const env = { DATABASE_URL: pg.url };
  let r = await bourse(['migrate', 'status'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /database: postgres/);
  assert.match(r.out, /^pending {2}0001-initial$/m);

  r = await bourse(['migrate', 'up'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^applied {2}0001-initial$/m);
  r = await bourse(['migrate', 'up'], env);
  assert.match(r.out, /nothing to apply/);
  r = await bourse(['migrate', 'status'], env);
  assert.match(r.out, /^applied {2}0001-initial {2}\d{4}-/m);

  r = await bourse(['migrate', 'down', '--steps', '5'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^reverted {2}0001-initial$/m);
  assert.match(r.out, /nothing to revert/);

  for (const bad of [['migrate'], ['migrate', 'sideways'], ['migrate', 'down', '--steps', '0'], ['migrate', 'up', '--steps', '1']]) {
    r = await bourse(bad, env);
    assert.equal(r.code, 2, bad.join(' '));
    assert.match(r.err, /usage: bourse migrate/);
  }
});

test('the README first command works without a database server: PGlite in DATA_DIR, and its state kept on disk for the next process', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-pglite-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, DATABASE_URL: '', HOST: '127.0.0.1', PORT: '0', FEED: 'none', GATEWAY_THREADS: '1', SHARDS: '1' };
  // A migration run by the CLI, then the server on the same directory.
  const m = await bourse(['migrate', 'up'], env);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /applied {2}0001-initial/);

  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/bars/AAPL`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { bars: unknown[] }).bars, []);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
  }
  const status = await bourse(['migrate', 'status'], env);
  assert.match(status.out, /pglite/);
  assert.match(status.out, /^applied {2}0001-initial/m);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBourse, serveBourse } from '../helpers/cli.js';
import { emptyPostgresDatabase } from '../helpers/db.js';

test('bourse migrate status | up | down on Postgres', async (t) => {
  const pg = await emptyPostgresDatabase();
  t.after(() => pg.drop());
  const env = { DATABASE_URL: pg.url };
  let r = await runBourse(['migrate', 'status'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /database: postgres/);
  assert.match(r.out, /^pending {2}0001-initial$/m);

  r = await runBourse(['migrate', 'up'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^applied {2}0001-initial$/m);
  r = await runBourse(['migrate', 'up'], env);
  assert.match(r.out, /nothing to apply/);
  r = await runBourse(['migrate', 'status'], env);
  assert.match(r.out, /^applied {2}0001-initial {2}\d{4}-/m);

  r = await runBourse(['migrate', 'down', '--steps', '5'], env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^reverted {2}0001-initial$/m);
  assert.match(r.out, /nothing to revert/);

  for (const bad of [['migrate'], ['migrate', 'sideways'], ['migrate', 'down', '--steps', '0'], ['migrate', 'up', '--steps', '1']]) {
    r = await runBourse(bad, env);
    assert.equal(r.code, 2, bad.join(' '));
    assert.match(r.err, /usage: bourse migrate/);
  }
});

test('the README first command works without a database server: PGlite in DATA_DIR, and its state kept on disk for the next process', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-pglite-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, DATABASE_URL: '', HOST: '127.0.0.1', PORT: '0', FEED: 'none', GATEWAY_THREADS: '1', SHARDS: '1' };
  // A migration run by the CLI, then the server on the same directory.
  const m = await runBourse(['migrate', 'up'], env);
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /applied {2}0001-initial/);

  const server = await serveBourse(env);
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/v1/bars/AAPL`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { bars: unknown[] }).bars, []);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    assert.equal(ready.status, 200);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.err());
  }
  const status = await runBourse(['migrate', 'status'], env);
  assert.match(status.out, /pglite/);
  assert.match(status.out, /^applied {2}0001-initial/m);
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TestClient } from '../helpers/ws-client.js';

const BIN = new URL('../../../bin/bourse.js', import.meta.url).pathname;

/** Runs `bourse` with its own empty DATA_DIR (embedded PGlite, signing key), removed when the test file ends. */
function run(env: Record<string, string>, args = ['serve']) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** The port from `bourse serve`'s "listening on" line. */
function listeningPort(p: ReturnType<typeof run>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // Generous: a first start initialises PGlite in the new DATA_DIR, slow on a loaded machine.
    const timer = setTimeout(() => reject(new Error(`no listening line: ${p.out()} ${p.err()}`)), 90_000);
    p.child.stdout.on('data', () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(p.out());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
}

test('bourse serve: SIGTERM drains clients with 4000 and exits 0', async () => {
  const p = run({ HOST: '127.0.0.1', PORT: '0', SIM_RATE: '2000', UNIVERSE_SIZE: '100', SHUTDOWN_TIMEOUT_MS: '5000' });
  try {
    const port = await listeningPort(p);
    const c = await TestClient.connect(port, 'msgpack');
    c.send({ op: 'subscribe', symbols: ['AAPL'] });
    await c.next((m) => m.type === 'quote', 5000);
    p.child.kill('SIGTERM');
    const closed = await c.closed;
    assert.equal(closed.code, 4000);
    assert.equal(await p.exited, 0, p.err());
  } finally {
    p.child.kill('SIGKILL');
  }
});

test('bourse serve: an invalid variable exits 2 and names the variable', async () => {
  const p = run({ PORT: 'eighty' });
  assert.equal(await p.exited, 2);
  assert.match(p.err(), /config_invalid: PORT="eighty" must be an integer/);
});

test('bourse: unknown command exits 2 with usage; env lists the variables', async () => {
  const bad = run({}, ['frobnicate']);
  assert.equal(await bad.exited, 2);
  assert.match(bad.err(), /unknown command/);
  const env = run({}, ['env']);
  assert.equal(await env.exited, 0);
  assert.match(env.out(), /FLUSH_MS\s+50/);
});

test('bourse serve: a port another server listens on is refused, not silently shared', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const { port } = busy.address() as { port: number };
  try {
    const p = run({ HOST: '127.0.0.1', PORT: String(port) });
    assert.equal(await p.exited, 1);
    assert.match(p.err(), /already in use/);
  } finally {
    busy.close();
  }
});

test('bourse serve: NATS unreachable → serves with /readyz 503 naming nats, and still stops gracefully', async () => {
  const p = run({ HOST: '127.0.0.1', PORT: '0', NATS_URL: 'nats://127.0.0.1:1', FEED: 'none', UNIVERSE_SIZE: '50' });
  try {
    const port = await listeningPort(p);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { threads: Record<string, string> };
    assert.notEqual(body.threads.nats, 'ready');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.err());
  } finally {
    p.child.kill('SIGKILL');
  }
});

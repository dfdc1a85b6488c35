import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runBourse, serveBourse } from '../helpers/cli.js';
import { TestClient } from '../helpers/ws-client.js';

/** `env` with its own empty DATA_DIR (embedded PGlite, signing key), removed when the test file ends. */
function withDataDir(env: Record<string, string>): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  return { DATA_DIR: dataDir, ...env };
}

test('bourse serve: SIGTERM drains clients with 4000 and exits 0', async () => {
  const p = await serveBourse(withDataDir({ HOST: '127.0.0.1', PORT: '0', SIM_RATE: '2000', UNIVERSE_SIZE: '100', SHUTDOWN_TIMEOUT_MS: '5000' }));
  try {
    const c = await TestClient.connect(p.port, 'msgpack');
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
  const r = await runBourse(['serve'], withDataDir({ PORT: 'eighty' }));
  assert.equal(r.code, 2);
  assert.match(r.err, /config_invalid: PORT="eighty" must be an integer/);
});

test('bourse: unknown command exits 2 with usage; env lists the variables', async () => {
  const bad = await runBourse(['frobnicate'], withDataDir({}));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown command/);
  const env = await runBourse(['env'], withDataDir({}));
  assert.equal(env.code, 0);
  assert.match(env.out, /FLUSH_MS\s+50/);
});

test('bourse serve: a port another server listens on is refused, not silently shared', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const { port } = busy.address() as { port: number };
  try {
    const r = await runBourse(['serve'], withDataDir({ HOST: '127.0.0.1', PORT: String(port) }));
    assert.equal(r.code, 1);
    assert.match(r.err, /already in use/);
  } finally {
    busy.close();
  }
});

test('bourse serve: NATS unreachable → serves with /readyz 503 naming nats, and still stops gracefully', async () => {
  const p = await serveBourse(withDataDir({ HOST: '127.0.0.1', PORT: '0', NATS_URL: 'nats://127.0.0.1:1', FEED: 'none', UNIVERSE_SIZE: '50' }));
  try {
    const res = await fetch(`http://127.0.0.1:${p.port}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { threads: Record<string, string> };
    assert.notEqual(body.threads.nats, 'ready');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.err());
  } finally {
    p.child.kill('SIGKILL');
  }
});

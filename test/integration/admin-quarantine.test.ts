import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { natsFixture } from '../helpers/nats.js';
import { startTestServer, until } from '../helpers/server.js';

const TOKEN = 'test-admin-token-0123456789';

test('/admin/quarantine: a poison pill from MARKET is listed, shown, replayed and deleted over HTTP, behind the admin token', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = { ...streams.env, BOURSE_ADMIN_TOKEN: TOKEN };
  const server = await startTestServer(env);
  const base = `http://127.0.0.1:${server.port}/admin/quarantine`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> => {
    const r = await fetch(url, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });
    return { status: r.status, body: await r.json() };
  };
  try {
    const js = nats.nc.jetstream();
    await js.publish(`${env.NATS_SUBJECT_PREFIX}.trade.AAPL`, new Uint8Array([0xc1, 0xff, 0x00]));
    let list = await call(base);
    await until(async () => (list = await call(base)).body.entries?.length === 1, 5000, 'the poison pill in quarantine');
    assert.equal(list.status, 200);
    assert.equal(list.body.entries.length, 1);
    const entry = list.body.entries[0];
    assert.equal(entry.subject, `${env.NATS_SUBJECT_PREFIX}.trade.AAPL`);
    assert.equal(entry.payload, Buffer.from([0xc1, 0xff, 0x00]).toString('base64'));

    const noToken = await fetch(base);
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'unauthorized');
    assert.equal((await fetch(base, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);

    const shown = await call(`${base}/${entry.id}`);
    assert.equal(shown.body.reason, entry.reason);
    assert.equal((await call(`${base}/999999`)).body.error.code, 'quarantine_entry_not_found');
    assert.equal((await call(`${base}/abc`)).status, 400);
    assert.equal((await call(`${base}?limit=0`)).status, 400);

    // Replaying a poison pill sends it through the consumer again: it comes back to quarantine with a new id.
    const replayed = await call(`${base}/${entry.id}/replay`, { method: 'POST' });
    assert.deepEqual(replayed.body, { replayed: entry.id });
    let again = await call(base);
    await until(async () => {
      again = await call(base);
      return again.body.entries.length === 1 && again.body.entries[0].id !== entry.id;
    }, 5000, 'the replayed pill quarantined again');
    assert.notEqual(again.body.entries[0].id, entry.id);
    const del = await call(`${base}/${again.body.entries[0].id}`, { method: 'DELETE' });
    assert.deepEqual(del.body, { purged: 1 });
    assert.equal((await call(base)).body.entries.length, 0);
  } finally {
    await server.stop();
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

test('/admin routes are absent without BOURSE_ADMIN_TOKEN, and answer 503 quarantine_unavailable without NATS', async () => {
  const plain = await startTestServer();
  try {
    assert.equal((await fetch(`http://127.0.0.1:${plain.port}/admin/quarantine`)).status, 404);
  } finally {
    await plain.stop();
  }
  const admin = await startTestServer({ BOURSE_ADMIN_TOKEN: TOKEN });
  try {
    const r = await fetch(`http://127.0.0.1:${admin.port}/admin/quarantine`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'quarantine_unavailable');
  } finally {
    await admin.stop();
  }
});

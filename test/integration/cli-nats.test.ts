import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { JetStreamQuarantineStore, ensureStreams } from '../../ingest/jetstream/index.js';
import { natsFixture, uniqueSuffix } from '../helpers/nats.js';

const BIN = new URL('../../../bin/bourse.js', import.meta.url).pathname;

function bourse(env: Record<string, string>, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('bourse streams ensure and bourse quarantine list/show/replay/purge against real JetStream', async () => {
  const nats = await natsFixture();
  const id = uniqueSuffix();
  const env = {
    NATS_URL: nats.url,
    NATS_MARKET_STREAM: `MARKET_${id}`,
    NATS_QUARANTINE_STREAM: `QUARANTINE_${id}`,
    NATS_SUBJECT_PREFIX: `md_${id}`,
    NATS_QUARANTINE_PREFIX: `q_${id}`,
  };
  try {
    const first = await bourse(env, ['streams', 'ensure']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`MARKET_${id}: created`));
    assert.match((await bourse(env, ['streams', 'ensure'])).out, new RegExp(`MARKET_${id}: unchanged`));

    await ensureStreams(nats.jsm, {
      market: { name: env.NATS_MARKET_STREAM, prefix: env.NATS_SUBJECT_PREFIX, maxAgeMs: 3_600_000, maxBytes: 1 << 26 },
      quarantine: { name: env.NATS_QUARANTINE_STREAM, prefix: env.NATS_QUARANTINE_PREFIX, maxAgeMs: 3_600_000, maxBytes: 1 << 26 },
    });
    const store = await JetStreamQuarantineStore.create(nats.nc, { stream: env.NATS_QUARANTINE_STREAM, prefix: env.NATS_QUARANTINE_PREFIX });
    const entry = { subject: `${env.NATS_SUBJECT_PREFIX}.trade.AAPL`, reason: 'undecodable' as const, detail: 'not msgpack', deliveryCount: 1, streamSeq: 7, headers: [['x-trace', 'abc']] as const, payload: new Uint8Array([1, 2, 3]) };
    const a = await store.add(entry);
    await store.add({ ...entry, streamSeq: 8 });

    const list = await bourse(env, ['quarantine', 'list']);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /2 entries/);
    assert.match(list.out, /undecodable/);
    const show = await bourse(env, ['quarantine', 'show', String(a)]);
    assert.equal(JSON.parse(show.out).payload, Buffer.from([1, 2, 3]).toString('base64'));
    assert.equal((await bourse(env, ['quarantine', 'show', '999999'])).code, 1);

    const sub = nats.nc.subscribe(entry.subject, { max: 1 });
    const replayed = (async () => {
      for await (const m of sub) return m;
    })();
    assert.equal((await bourse(env, ['quarantine', 'replay', String(a)])).code, 0);
    const m = await replayed;
    assert.deepEqual([...m!.data], [1, 2, 3], 'the original payload went back to its subject');
    assert.equal(m!.headers?.get('x-trace'), 'abc', 'with its original headers');

    assert.match((await bourse(env, ['quarantine', 'purge', '--all'])).out, /purged 1/);
    assert.match((await bourse(env, ['quarantine', 'list'])).out, /0 entries/);
    assert.equal((await bourse(env, ['quarantine', 'frobnicate'])).code, 2);
  } finally {
    await nats.jsm.streams.delete(env.NATS_MARKET_STREAM).catch(() => undefined);
    await nats.jsm.streams.delete(env.NATS_QUARANTINE_STREAM).catch(() => undefined);
    await nats.close();
  }
});

test('bourse sec sync --from-file: the real SEC files into a stream; a second run publishes nothing', async () => {
  const nats = await natsFixture();
  const id = uniqueSuffix();
  const data = new URL('../../../../shared/data/', import.meta.url).pathname;
  const env = { NATS_URL: nats.url, SEC_STREAM: `SEC_${id}`, SEC_SUBJECT_PREFIX: `sec_${id}` };
  try {
    const first = await bourse(env, ['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`, '--from-file', `${data}edgar_submissions`]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /read 7960, published 7960, unchanged 0/, 'the 7,959 CIKs of the list plus WDDD, known only from its submissions file');
    const again = await bourse(env, ['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`]);
    assert.match(again.out, /published 0, unchanged 7959/);
    assert.equal((await bourse(env, ['sec', 'sync'])).code, 2);
    assert.equal((await bourse({ ...env, SEC_USER_AGENT: '' }, ['sec', 'sync', '--from-edgar'])).code, 2, 'EDGAR without a User-Agent is refused');
  } finally {
    await nats.jsm.streams.delete(env.SEC_STREAM).catch(() => undefined);
    await nats.close();
  }
});

test('UNIVERSE_SOURCE=sec: the server starts from the companies `bourse sec sync` stored', async () => {
  const { startTestServer } = await import('../helpers/server.js');
  const nats = await natsFixture();
  const id = uniqueSuffix();
  const data = new URL('../../../../shared/data/', import.meta.url).pathname;
  const env = { NATS_URL: nats.url, SEC_STREAM: `SEC_${id}`, SEC_SUBJECT_PREFIX: `sec_${id}` };
  try {
    const sync = await bourse(env, ['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`, '--from-file', `${data}edgar_submissions`]);
    assert.equal(sync.code, 0, sync.err);
    const streams = { NATS_MARKET_STREAM: `MARKET_${id}`, NATS_QUARANTINE_STREAM: `QUARANTINE_${id}`, NATS_SUBJECT_PREFIX: `md_${id}`, NATS_QUARANTINE_PREFIX: `q_${id}`, NATS_DURABLE: `ingest_${id}` };
    const server = await startTestServer({ ...env, ...streams, UNIVERSE_SOURCE: 'sec', UNIVERSE_SIZE: '100000' });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const symbols = (await (await fetch(`${base}/v1/symbols`)).json()) as { count: number; symbols: string[] };
      assert.equal(symbols.count, 10_218 - 265 + 1, 'every listing with a venue, plus WDDD known only from its submissions file');
      for (const s of ['AAPL', 'BRK-A', 'BRK-B', 'WDDD']) assert.ok(symbols.symbols.includes(s), s);
      const aapl = (await (await fetch(`${base}/v1/quotes/AAPL`)).json()) as { name: string; exchange: string };
      assert.deepEqual([aapl.name, aapl.exchange], ['Apple Inc.', 'Nasdaq']);
    } finally {
      await server.stop();
      for (const s of [streams.NATS_MARKET_STREAM, streams.NATS_QUARANTINE_STREAM]) await nats.jsm.streams.delete(s).catch(() => undefined);
    }
  } finally {
    await nats.jsm.streams.delete(env.SEC_STREAM).catch(() => undefined);
    await nats.close();
  }
});

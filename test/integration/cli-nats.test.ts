import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JetStreamQuarantineStore, ensureStreams } from '../../ingest/jetstream/index.js';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { runBourse } from '../helpers/cli.js';
import { natsFixture, uniqueSuffix } from '../helpers/nats.js';

test('bourse streams ensure and bourse quarantine list/show/replay/purge against real JetStream', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = streams.env;
  try {
    const first = await runBourse(['streams', 'ensure'], env);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`${env.NATS_MARKET_STREAM}: created`));
    assert.match((await runBourse(['streams', 'ensure'], env)).out, new RegExp(`${env.NATS_MARKET_STREAM}: unchanged`));

    await ensureStreams(nats.jsm, {
      market: { name: env.NATS_MARKET_STREAM, prefix: env.NATS_SUBJECT_PREFIX, maxAgeMs: 3_600_000, maxBytes: 1 << 26 },
      quarantine: { name: env.NATS_QUARANTINE_STREAM, prefix: env.NATS_QUARANTINE_PREFIX, maxAgeMs: 3_600_000, maxBytes: 1 << 26 },
    });
    const store = await JetStreamQuarantineStore.create(nats.nc, { stream: env.NATS_QUARANTINE_STREAM, prefix: env.NATS_QUARANTINE_PREFIX });
    const entry = { subject: `${env.NATS_SUBJECT_PREFIX}.trade.AAPL`, reason: 'undecodable' as const, detail: 'not msgpack', deliveryCount: 1, streamSeq: 7, headers: [['x-trace', 'abc']] as const, payload: new Uint8Array([1, 2, 3]) };
    const a = await store.add(entry);
    await store.add({ ...entry, streamSeq: 8 });

    const list = await runBourse(['quarantine', 'list'], env);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /2 entries/);
    assert.match(list.out, /undecodable/);
    const show = await runBourse(['quarantine', 'show', String(a)], env);
    assert.equal(JSON.parse(show.out).payload, Buffer.from([1, 2, 3]).toString('base64'));
    assert.equal((await runBourse(['quarantine', 'show', '999999'], env)).code, 1);

    const sub = nats.nc.subscribe(entry.subject, { max: 1 });
    const replayed = (async () => {
      for await (const m of sub) return m;
    })();
    assert.equal((await runBourse(['quarantine', 'replay', String(a)], env)).code, 0);
    const m = await replayed;
    assert.deepEqual([...m!.data], [1, 2, 3], 'the original payload went back to its subject');
    assert.equal(m!.headers?.get('x-trace'), 'abc', 'with its original headers');

    assert.match((await runBourse(['quarantine', 'purge', '--all'], env)).out, /purged 1/);
    assert.match((await runBourse(['quarantine', 'list'], env)).out, /0 entries/);
    assert.equal((await runBourse(['quarantine', 'frobnicate'], env)).code, 2);
  } finally {
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

test('bourse sec sync --from-file: the real SEC files into a stream; a second run publishes nothing', async () => {
  const nats = await natsFixture();
  const id = uniqueSuffix();
  const data = new URL('../../../../shared/data/', import.meta.url).pathname;
  const env = { NATS_URL: nats.url, SEC_STREAM: `SEC_${id}`, SEC_SUBJECT_PREFIX: `sec_${id}` };
  try {
    const first = await runBourse(['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`, '--from-file', `${data}edgar_submissions`], env);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /read 7960, published 7960, unchanged 0/, 'the 7,959 CIKs of the list plus WDDD, known only from its submissions file');
    const again = await runBourse(['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`], env);
    assert.match(again.out, /published 0, unchanged 7959/);
    assert.equal((await runBourse(['sec', 'sync'], env)).code, 2);
    assert.equal((await runBourse(['sec', 'sync', '--from-edgar'], { ...env, SEC_USER_AGENT: '' })).code, 2, 'EDGAR without a User-Agent is refused');
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
    const sync = await runBourse(['sec', 'sync', '--from-file', `${data}company_tickers_exchange.json`, '--from-file', `${data}edgar_submissions`], env);
    assert.equal(sync.code, 0, sync.err);
    const market = bourseNatsEnv(nats.url);
    const server = await startTestServer({ ...env, ...market.env, UNIVERSE_SOURCE: 'sec', UNIVERSE_SIZE: '100000' });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const symbols = (await (await fetch(`${base}/v1/symbols`)).json()) as { count: number; symbols: string[] };
      assert.equal(symbols.count, 10_218 - 265 + 1, 'every listing with a venue, plus WDDD known only from its submissions file');
      for (const s of ['AAPL', 'BRK-A', 'BRK-B', 'WDDD']) assert.ok(symbols.symbols.includes(s), s);
      const aapl = (await (await fetch(`${base}/v1/quotes/AAPL`)).json()) as { name: string; exchange: string };
      assert.deepEqual([aapl.name, aapl.exchange], ['Apple Inc.', 'Nasdaq']);
    } finally {
      await server.stop();
      await market.cleanup(nats.jsm);
    }
  } finally {
    await nats.jsm.streams.delete(env.SEC_STREAM).catch(() => undefined);
    await nats.close();
  }
});

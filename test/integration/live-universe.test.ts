import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, TickKind, type QuoteMessage } from '../../core/index.js';
import { StaticCompanySource } from '../../ingest/sec/company-source.js';
import { syncCompanies } from '../../ingest/sec/company-sync.js';
import type { CompanyObservation } from '../../ingest/sec/company.js';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { natsFixture, uniqueSuffix } from '../helpers/nats.js';
import { startTestServer, tickRecords, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const company = (cik: number, name: string, ...tickers: string[]): CompanyObservation => ({ cik, name, tickers: tickers.map((ticker) => ({ ticker, exchange: 'NYSE' })) });

test('UNIVERSE_SOURCE=sec follows the SEC stream live: a new listing streams without a restart, a rename shows, a restarted shard keeps both', async (t) => {
  const nats = await natsFixture();
  const id = uniqueSuffix();
  const stream = { name: `SEC_${id}`, prefix: `sec_${id}`, duplicateWindowMs: 60_000, historyPerCompany: 1 };
  const clock = new ManualClock();
  const sync = (...companies: CompanyObservation[]) => syncCompanies({ nc: nats.nc, source: new StaticCompanySource(companies.map((company) => ({ kind: 'company' as const, company }))), stream, clock });
  await sync(company(1, 'Alpha Corp', 'ALPH'), company(2, 'Beta Inc', 'BETA'), company(3, 'Gamma Ltd', 'GAMA'));
  const market = bourseNatsEnv(nats.url);
  const env = {
    ...market.env,
    SEC_STREAM: stream.name,
    SEC_SUBJECT_PREFIX: stream.prefix,
    UNIVERSE_SOURCE: 'sec',
    UNIVERSE_HEADROOM: '4',
    RESTART_BACKOFF_MS: '20',
  };
  const server = await startTestServer(env);
  t.after(async () => {
    await server.stop();
    await nats.jsm.streams.delete(stream.name).catch(() => undefined);
    await market.cleanup(nats.jsm);
    await nats.close();
  });
  const base = `http://127.0.0.1:${server.port}`;
  const symbols = async () => ((await (await fetch(`${base}/v1/symbols`)).json()) as { symbols: string[] }).symbols;
  assert.deepEqual(await symbols(), ['ALPH', 'BETA', 'GAMA']);

  // A new company and a renamed one arrive on the stream while the server runs.
  await sync(company(4, 'Delta Holdings', 'DLTA'), company(2, 'Beta Incorporated', 'BETA'));
  await until(async () => (await symbols()).includes('DLTA'), 10_000, 'DLTA in /v1/symbols');
  const quote = async (s: string) => (await (await fetch(`${base}/v1/quotes/${s}`)).json()) as { name: string; last: number | null; seq: number };
  await until(async () => (await quote('BETA')).name === 'Beta Incorporated', 5000, 'the rename');
  assert.equal((await quote('DLTA')).name, 'Delta Holdings');

  // It streams like any other symbol: subscribe, then a trade reaches the client.
  const c = await TestClient.connect(server.port);
  t.after(() => c.close());
  c.send({ op: 'subscribe', symbols: ['DLTA'], channels: ['quotes'], id: 1 });
  await c.next((m) => m.type === 'snapshot' && m.symbol === 'DLTA');
  const dlta = server.universe.id('DLTA');
  server.inject(tickRecords([{ symbol: dlta, kind: TickKind.trade, price: 42, size: 10, sourceSeq: 1 }]), 1);
  const q = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.symbol === 'DLTA');
  assert.equal(q.last, 42);

  // A shard restarted after the growth starts from the grown universe and keeps the new symbol's state.
  const shard = `shard-${[0, 1].find((s) => server.worker(`shard-${s}`))}`;
  for (const s of ['shard-0', 'shard-1']) server.worker(s)?.postMessage({ type: 'fault' });
  await until(() => server.restarts()[shard] >= 1 && Object.entries(server.threads()).filter(([k]) => k.startsWith('shard')).every(([, v]) => v === 'ready'), 10_000, 'shards back');
  server.inject(tickRecords([{ symbol: dlta, kind: TickKind.trade, price: 43, size: 10, sourceSeq: 2 }]), 1);
  const after = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.symbol === 'DLTA' && m.last === 43, 10_000);
  assert.ok(after.seq > q.seq, 'seq keeps increasing across the restart');

  // Past the headroom, new listings wait for a restart (and nothing breaks).
  await sync(...Array.from({ length: 12 }, (_, i) => company(100 + i, `Filler ${i}`, `FIL${String.fromCharCode(65 + i)}`)));
  await until(async () => (await symbols()).length > 4, 10_000, 'some fillers admitted');
  const n = (await symbols()).length;
  assert.ok(n < 3 + 1 + 12, `${n} symbols: the headroom (4 per shard) refused some`);
});

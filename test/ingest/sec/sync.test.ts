import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nanos } from 'nats';
import { ManualClock } from '../../../core/clock.js';
import { observeCompany, type CompanyObservation } from '../../../ingest/sec/company.js';
import { CompanyDirectory } from '../../../ingest/sec/company-directory.js';
import { CompanyDirectoryConsumer } from '../../../ingest/sec/company-directory-consumer.js';
import { companySubject, encodeCompanyEvent } from '../../../ingest/sec/company-event.js';
import { StaticCompanySource, type CompanySource, type SourceItem } from '../../../ingest/sec/company-source.js';
import { syncCompanies, type SyncProgress } from '../../../ingest/sec/company-sync.js';
import { FileCompanySource } from '../../../ingest/sec/file-company-source.js';
import { ensureSecStream, readCompanyState, type SecStreamConfig } from '../../../ingest/sec/sec-stream.js';
import { eventually, natsFixture, uniqueSuffix, type NatsFixture } from '../../helpers/nats.js';

/** Integration tests on the real NATS JetStream (test/helpers/nats.ts); every test has its own SEC stream, deleted after. */
const DATA = '/work/shared/data';
const LIST = `${DATA}/company_tickers_exchange.json`;
const SUBMISSIONS = `${DATA}/edgar_submissions`;

let nats: NatsFixture;
const streams: string[] = [];

before(async () => {
  nats = await natsFixture();
});

after(async () => {
  for (const s of streams) await nats.jsm.streams.delete(s).catch(() => false);
  await nats.close();
});

function testStream(): SecStreamConfig {
  const suffix = uniqueSuffix();
  const config = { name: `SEC_${suffix}`, prefix: `t${suffix}.sec`, duplicateWindowMs: 10 * 60_000, historyPerCompany: 1 };
  streams.push(config.name);
  return config;
}

test('ensureSecStream: created once, then unchanged; a changed window is updated', async () => {
  const config = testStream();
  assert.equal(await ensureSecStream(nats.jsm, config), 'created');
  assert.equal(await ensureSecStream(nats.jsm, config), 'unchanged');
  assert.equal(await ensureSecStream(nats.jsm, { ...config, duplicateWindowMs: 60_000 }), 'updated');
  const info = await nats.jsm.streams.info(config.name);
  assert.deepEqual(info.config.subjects, [`${config.prefix}.company.>`]);
  assert.equal(info.config.max_msgs_per_subject, 1);
  assert.equal(info.config.duplicate_window, nanos(60_000));
  assert.equal(info.config.max_age, 0);
});

test('SEC sync: the real files into JetStream, run twice; the directory consumer ends with every company', async () => {
  const stream = testStream();
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const progress: SyncProgress[] = [];
  const source = new FileCompanySource([LIST, SUBMISSIONS]);

  const first = await syncCompanies({ nc: nats.nc, source, stream, clock, onProgress: (p) => progress.push(p) });
  assert.deepEqual(
    { stream: first.stream, before: first.before, read: first.read, published: first.published, unchanged: first.unchanged, duplicates: first.duplicates, skipped: first.skipped, warnings: first.warnings, failed: first.failed },
    { stream: 'created', before: 0, read: 7_960, published: 7_960, unchanged: 0, duplicates: 0, skipped: 0, warnings: 0, failed: 0 },
  );
  assert.equal(progress[0].expected, 7_960);
  assert.equal(progress.at(-1)?.published, 7_960);
  assert.equal((await nats.jsm.streams.info(stream.name)).state.messages, 7_960);

  // Second run: nothing new is stored.
  clock.advance(86_400_000);
  const second = await syncCompanies({ nc: nats.nc, source, stream, clock });
  assert.deepEqual([second.stream, second.before, second.read, second.published, second.unchanged, second.failed], ['unchanged', 7_960, 7_960, 0, 7_960, 0]);
  // A list-only run finds the same content: it does not wipe the SIC codes the submissions gave.
  const listOnly = await syncCompanies({ nc: nats.nc, source: new FileCompanySource([LIST]), stream, clock });
  assert.deepEqual([listOnly.read, listOnly.published, listOnly.unchanged], [7_959, 0, 7_959]);
  const info = await nats.jsm.streams.info(stream.name);
  assert.equal(info.state.messages, 7_960);
  assert.equal(info.state.last_seq, 7_960);

  const directory = new CompanyDirectory();
  const batches: number[] = [];
  directory.onChange((changes) => batches.push(changes.length));
  const consumer = new CompanyDirectoryConsumer({ nc: nats.nc, directory, stream, durable: `dir_${uniqueSuffix()}` });
  await consumer.start();
  try {
    await consumer.whenCaughtUp();
    assert.equal(directory.size, 7_960);
    assert.equal(directory.tickerCount, 10_219); // the list's 10,218 and WDDD
    assert.equal(batches.reduce((a, b) => a + b, 0), 7_960);
    assert.ok(batches.length < 100, `onChange called ${batches.length} times for 7,960 companies`);
    await eventually(() => consumer.stats.acked === 7_960, 5000, 'all events acked');
    assert.equal(consumer.invalidTotal, 0);

    const brk = directory.getByTicker('BRK-A');
    assert.equal(brk, directory.getByTicker('brk-b'));
    assert.deepEqual([brk?.cik, brk?.sic, brk?.tickers.map((t) => t.ticker), brk?.exchanges], [1067983, 6331, ['BRK-B', 'BRK-A'], ['NYSE']]);
    const apple = directory.getByTicker('AAPL')!;
    assert.deepEqual([apple.name, apple.sic, apple.sicDescription, apple.formerNames.length, apple.updatedAt], ['Apple Inc.', 3571, 'Electronic Computers', 3, Date.UTC(2026, 0, 5)]);
    const spy = directory.getByTicker('SPY')!;
    assert.deepEqual([spy.sic, spy.sicDescription, spy.entityType, spy.hasSubmissions], [null, null, 'other', true]);
    const worlds = directory.getByTicker('WDDD')!;
    assert.deepEqual([worlds.cik, worlds.name, worlds.exchanges], [1961, 'WORLDS INC', ['OTC']]);
    const nvda = directory.getByTicker('NVDA')!;
    assert.deepEqual([nvda.hasSubmissions, nvda.sic], [false, null]);
    assert.equal(directory.getByTicker('UTX')?.exchanges.length, 0); // null venue in the list

    // A change arrives live: one company renamed.
    const renamed = new StaticCompanySource([{ kind: 'company', company: { ...observeCompany([{ cik: 1045810, name: 'NVIDIA CORPORATION', ticker: 'NVDA', exchange: 'Nasdaq' }], undefined) } }]);
    const third = await syncCompanies({ nc: nats.nc, source: renamed, stream, clock });
    assert.equal(third.published, 1);
    await eventually(() => directory.getByTicker('NVDA')?.name === 'NVIDIA CORPORATION', 5000, 'the rename to reach the directory');
    assert.equal(directory.size, 7_960);
  } finally {
    await consumer.stop();
  }
});

/** A source whose read() waits at a gate before yielding, so a test can line up concurrent syncs. */
class GatedSource implements CompanySource {
  readonly description = 'gated';
  entered = 0;
  #open!: () => void;
  readonly gate = new Promise<void>((r) => (this.#open = r));
  constructor(readonly items: readonly SourceItem[]) {}
  open(): void {
    this.#open();
  }
  async *read(): AsyncIterable<SourceItem> {
    this.entered++;
    await this.gate;
    yield* this.items;
  }
}

const company = (cik: number, name: string, ticker: string, sic?: number): CompanyObservation => ({
  cik,
  name,
  tickers: [{ ticker, exchange: 'NYSE' }],
  ...(sic === undefined ? {} : { profile: { sic, sicDescription: null, entityType: 'operating', formerNames: [] } }),
});

test('SEC sync: two syncs of the same data at once store each company once (Nats-Msg-Id dedupe)', async () => {
  const stream = testStream();
  const items: SourceItem[] = [company(1, 'One', 'ONE'), company(2, 'Two', 'TWO'), company(3, 'Three', 'THR')].map((c) => ({ kind: 'company', company: c }));
  const a = new GatedSource(items);
  const b = new GatedSource(items);
  const clock = new ManualClock();
  const runs = [syncCompanies({ nc: nats.nc, source: a, stream, clock }), syncCompanies({ nc: nats.nc, source: b, stream, clock })];
  await eventually(() => a.entered === 1 && b.entered === 1, 5000, 'both syncs to have read the (empty) stream state');
  a.open();
  b.open();
  const [ra, rb] = await Promise.all(runs);
  assert.equal(ra.published + rb.published, 3);
  assert.equal(ra.duplicates + rb.duplicates, 3);
  assert.equal(ra.conflicts + rb.conflicts, 0);
  assert.equal((await nats.jsm.streams.info(stream.name)).state.messages, 3);
});

test('SEC sync: a list-only sync racing a full one re-reads and keeps the SIC code (no lost update)', async () => {
  const stream = testStream();
  const clock = new ManualClock();
  await syncCompanies({ nc: nats.nc, source: new StaticCompanySource([{ kind: 'company', company: company(7, 'Seven', 'SVN') }]), stream, clock });
  // The list-only sync reads the state (no SIC yet) and waits; meanwhile a full sync stores SIC 1234.
  const listOnly = new GatedSource([{ kind: 'company', company: company(7, 'Seven Inc', 'SVN') }]);
  const pending = syncCompanies({ nc: nats.nc, source: listOnly, stream, clock });
  await eventually(() => listOnly.entered === 1, 5000, 'the list-only sync to read the state');
  const full = await syncCompanies({ nc: nats.nc, source: new StaticCompanySource([{ kind: 'company', company: company(7, 'Seven', 'SVN', 1234) }]), stream, clock });
  assert.equal(full.published, 1);
  listOnly.open();
  const r = await pending;
  assert.deepEqual([r.conflicts, r.published, r.failed], [1, 1, 0]);
  const state = await readCompanyState(nats.nc, stream);
  const stored = state.companies.get(7)!.record;
  assert.deepEqual([stored.name, stored.sic, stored.hasSubmissions], ['Seven Inc', 1234, true]);
});

test('directory consumer: invalid events are terminated and counted; good ones behind them are applied', async () => {
  const stream = testStream();
  await ensureSecStream(nats.jsm, stream);
  const js = nats.nc.jetstream();
  const good = (await syncCompanies({ nc: nats.nc, source: new StaticCompanySource([{ kind: 'company', company: company(5, 'Five', 'FIVE') }]), stream })).published;
  assert.equal(good, 1);
  const enc = new TextEncoder();
  const valid = encodeCompanyEvent({ cik: 6, name: 'Six', tickers: [{ ticker: 'SIX', exchange: null }], exchanges: [], formerNames: [], sic: null, sicDescription: null, entityType: null, hasSubmissions: false, updatedAt: 0 });
  await js.publish(companySubject(stream.prefix, 100), enc.encode('not json'));
  await js.publish(companySubject(stream.prefix, 101), enc.encode(JSON.stringify({ v: 2, type: 'company.upsert' })));
  await js.publish(companySubject(stream.prefix, 102), valid.data); // CIK 6 on the subject of 102
  await js.publish(companySubject(stream.prefix, 6), valid.data);

  const directory = new CompanyDirectory();
  const durable = `dir_${uniqueSuffix()}`;
  const consumer = new CompanyDirectoryConsumer({ nc: nats.nc, directory, stream, durable });
  await consumer.start();
  try {
    await consumer.whenCaughtUp();
    await eventually(() => consumer.stats.acked === 2, 5000, 'good events acked');
    assert.deepEqual([...directory.companies()].map((c) => c.cik).sort(), [5, 6]);
    assert.deepEqual(consumer.stats.invalid, { malformed: 1, unsupported_version: 1, invalid_field: 0, subject_mismatch: 1, hash_mismatch: 0 });
    assert.deepEqual(consumer.rejected.map((r) => r.reason), ['malformed', 'unsupported_version', 'subject_mismatch']);
    await eventually(async () => (await nats.jsm.consumers.info(stream.name, durable)).num_ack_pending === 0, 5000, 'nothing left unacked');
  } finally {
    await consumer.stop();
  }
});

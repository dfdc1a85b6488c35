import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompanyRecord } from '../../../ingest/sec/company.js';
import { companyMsgId, companySubject, decodeCompanyEvent, encodeCompanyEvent } from '../../../ingest/sec/company-event.js';
import { CompanyDirectory, type CompanyChange } from '../../../ingest/sec/company-directory.js';

const APPLE: CompanyRecord = {
  cik: 320193,
  name: 'Apple Inc.',
  tickers: [{ ticker: 'AAPL', exchange: 'Nasdaq' }],
  exchanges: ['Nasdaq'],
  formerNames: [{ name: 'APPLE INC', from: '2007-01-10', to: '2019-08-05' }],
  sic: 3571,
  sicDescription: 'Electronic Computers',
  entityType: 'operating',
  hasSubmissions: true,
  updatedAt: 1_767_623_400_000,
};
const BRK: CompanyRecord = { ...APPLE, cik: 1067983, name: 'BERKSHIRE HATHAWAY INC', tickers: [{ ticker: 'BRK-B', exchange: 'NYSE' }, { ticker: 'BRK-A', exchange: 'NYSE' }], exchanges: ['NYSE'], formerNames: [], sic: 6331 };
const enc = new TextEncoder();

test('company event v1: round trip; the hash ignores updatedAt; msg id per (cik, hash)', () => {
  const { data, hash } = encodeCompanyEvent(APPLE);
  const json = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['v', 'type', 'hash', 'company']);
  assert.equal(json.v, 1);
  const d = decodeCompanyEvent(data, companySubject('sec', 320193), 'sec');
  assert.ok(d.ok);
  assert.deepEqual(d.event.company, APPLE);
  assert.equal(encodeCompanyEvent({ ...APPLE, updatedAt: 1 }).hash, hash);
  assert.notEqual(encodeCompanyEvent({ ...APPLE, sic: 3572 }).hash, hash);
  assert.equal(companySubject('sec', 320193), 'sec.company.upsert.320193');
  assert.equal(companyMsgId(320193, hash), `sec-company-320193-${hash}`);
});

test('company event: invalid payloads are rejected with a reason', () => {
  const good = JSON.parse(new TextDecoder().decode(encodeCompanyEvent(APPLE).data)) as Record<string, unknown> & { company: Record<string, unknown> };
  const subject = 'sec.company.upsert.320193';
  const cases: [Uint8Array, string, string][] = [
    [enc.encode('{"v":1,'), subject, 'malformed'],
    [new Uint8Array([0xff, 0xfe]), subject, 'malformed'],
    [enc.encode('[1]'), subject, 'malformed'],
    [enc.encode(JSON.stringify({ ...good, v: 2 })), subject, 'unsupported_version'],
    [enc.encode(JSON.stringify({ ...good, company: { ...good.company, sic: '3571' } })), subject, 'invalid_field'],
    [enc.encode(JSON.stringify({ ...good, company: { ...good.company, tickers: [{ ticker: 'aapl', exchange: 'Nasdaq' }] } })), subject, 'invalid_field'],
    [enc.encode(JSON.stringify({ ...good, company: { ...good.company, formerNames: [{ name: 'X', from: '2007-01-10T05:00:00Z', to: null }] } })), subject, 'invalid_field'],
    [enc.encode(JSON.stringify({ ...good, company: { ...good.company, cik: 0 } })), subject, 'invalid_field'],
    [encodeCompanyEvent(APPLE).data, 'sec.company.upsert.320194', 'subject_mismatch'],
    [encodeCompanyEvent(APPLE).data, 'other.company.upsert.320193', 'subject_mismatch'],
    [enc.encode(JSON.stringify({ ...good, company: { ...good.company, name: 'Pear Inc.' } })), subject, 'hash_mismatch'],
  ];
  for (const [data, subj, reason] of cases) {
    const d = decodeCompanyEvent(data, subj, 'sec');
    assert.equal(d.ok ? 'ok' : d.reason, reason, new TextDecoder().decode(data).slice(0, 120));
  }
});

test('CompanyDirectory: lookups by CIK and ticker, one onChange per batch, identical records are not changes', () => {
  const dir = new CompanyDirectory();
  const seen: CompanyChange[][] = [];
  dir.onChange((c) => seen.push([...c]));
  dir.upsert([APPLE, BRK]);
  assert.equal(dir.size, 2);
  assert.equal(dir.tickerCount, 3);
  assert.equal(dir.getByTicker('brk-a'), BRK);
  assert.equal(dir.getByTicker('BRK-B'), BRK);
  assert.equal(dir.getByCik(320193), APPLE);
  assert.equal(dir.getByTicker('not a ticker'), undefined);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0].map((c) => [c.before, c.after.cik]), [[undefined, 320193], [undefined, 1067983]]);

  assert.deepEqual(dir.upsert([APPLE]), []);
  assert.equal(seen.length, 1, 'no call for a batch without changes');

  // BRK drops BRK-A; a new CIK takes it over.
  const brk2 = { ...BRK, tickers: [{ ticker: 'BRK-B', exchange: 'NYSE' }], updatedAt: BRK.updatedAt + 1 };
  const newco: CompanyRecord = { ...APPLE, cik: 42, name: 'New Co', tickers: [{ ticker: 'BRK-A', exchange: null }], exchanges: [] };
  const changes = dir.upsert([brk2, newco]);
  assert.equal(changes.length, 2);
  assert.equal(changes[0].before, BRK);
  assert.equal(dir.getByTicker('BRK-A')?.cik, 42);
  assert.equal(dir.tickerCount, 3);
});

test('CompanyDirectory: a throwing listener does not stop the others or undo the batch', () => {
  const errors: unknown[] = [];
  const dir = new CompanyDirectory({ onError: (e) => errors.push(e) });
  let calls = 0;
  dir.onChange(() => {
    throw new Error('index rebuild failed');
  });
  const off = dir.onChange(() => calls++);
  dir.upsert([APPLE]);
  assert.equal(dir.size, 1);
  assert.equal(calls, 1);
  assert.equal(errors.length, 1);
  off();
  dir.upsert([BRK]);
  assert.equal(calls, 1);
});

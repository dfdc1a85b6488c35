import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hasCode } from '../../../core/errors.js';
import { mergeCompany, observeCompany, parseCik, type CompanyObservation, type SubmissionsDoc, type TickerListRow } from '../../../ingest/sec/company.js';
import { parseTickerListRows } from '../../../ingest/sec/company-tickers-file.js';
import { parseSubmissions } from '../../../ingest/sec/submissions.js';

const DATA = '/work/shared/data';
const LIST = `${DATA}/company_tickers_exchange.json`;
const sub = (cik: string): unknown => JSON.parse(readFileSync(`${DATA}/edgar_submissions/CIK${cik}.json`, 'utf8'));
const doc = (cik: string): SubmissionsDoc => {
  const r = parseSubmissions(sub(cik));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.deepEqual(r.warnings, []);
  return r.doc;
};
const list = parseTickerListRows(JSON.parse(readFileSync(LIST, 'utf8')), LIST);
const rowsOf = (cik: number): TickerListRow[] => list.rows.filter((r) => r.cik === cik);

test('parseTickerListRows: the real list keeps 10,218 rows under 7,959 CIKs, 265 without a venue', () => {
  assert.equal(list.total, 10_218);
  assert.equal(list.rows.length, 10_218);
  assert.deepEqual(list.skipped, []);
  assert.equal(new Set(list.rows.map((r) => r.cik)).size, 7_959);
  assert.equal(list.rows.filter((r) => r.exchange === null).length, 265);
  assert.deepEqual(list.rows[0], { cik: 1045810, name: 'NVIDIA CORP', ticker: 'NVDA', exchange: 'Nasdaq' });
  assert.equal(list.rows.find((r) => r.ticker === 'MEHCQ')?.exchange, 'NYSE'); // SEC's one "NYS"
  assert.deepEqual(rowsOf(1067983).map((r) => r.ticker), ['BRK-B', 'BRK-A']);
  assert.deepEqual(rowsOf(1961), []); // WORLDS INC is not in the December 2025 list
});

test('parseTickerListRows: bad rows are skipped with their index and reason; a missing cik column is fatal', () => {
  const r = parseTickerListRows(
    {
      fields: ['cik', 'name', 'ticker', 'exchange'],
      data: [[1, 'A Co', 'AAA', 'NYSE'], ['x', 'B Co', 'BBB', 'NYSE'], [0, 'C Co', 'CCC', null], [2, 'Other', 'AAA', 'NYSE'], [3, 'D Co', 'd', ''], [4, 'E Co', '$E', 'NYSE'], 'row'],
    },
    'inline',
  );
  assert.deepEqual(r.rows, [{ cik: 1, name: 'A Co', ticker: 'AAA', exchange: 'NYSE' }, { cik: 3, name: 'D Co', ticker: 'D', exchange: null }]);
  assert.deepEqual(r.skipped, [
    { row: 1, reason: 'cik "x" of BBB is not a CIK' },
    { row: 2, reason: 'cik 0 of CCC is not a CIK' },
    { row: 3, reason: 'ticker AAA of CIK 2 already listed for CIK 1' },
    { row: 5, reason: 'ticker "$E" is not a valid symbol' },
    { row: 6, reason: 'not an array' },
  ]);
  assert.throws(() => parseTickerListRows({ fields: ['name', 'ticker', 'exchange'], data: [] }, 'inline'), (e: unknown) => hasCode(e, 'config_invalid') && /no "cik" column/.test((e as Error).message));
});

test('parseCik: integers and zero-padded strings up to 10 digits', () => {
  assert.equal(parseCik('0000320193'), 320193);
  assert.equal(parseCik(320193), 320193);
  assert.equal(parseCik(9_999_999_999), 9_999_999_999);
  for (const bad of ['', '0', 0, -1, 1.5, '12345678901', '32O193', null, undefined, 10_000_000_000]) assert.equal(parseCik(bad), undefined, String(bad));
});

test('parseSubmissions: the five real documents', () => {
  const apple = doc('0000320193');
  assert.deepEqual({ ...apple, formerNames: undefined }, { cik: 320193, name: 'Apple Inc.', entityType: 'operating', sic: 3571, sicDescription: 'Electronic Computers', tickers: [{ ticker: 'AAPL', exchange: 'Nasdaq' }], formerNames: undefined });
  assert.deepEqual(apple.formerNames, [
    { name: 'APPLE INC', from: '2007-01-10', to: '2019-08-05' },
    { name: 'APPLE COMPUTER INC', from: '1994-01-26', to: '2007-01-04' },
    { name: 'APPLE COMPUTER INC/ FA', from: '1997-07-28', to: '1997-07-28' },
  ]);
  assert.deepEqual(doc('0000034088').tickers, [{ ticker: 'XOM', exchange: 'NYSE' }]);
  assert.equal(doc('0000034088').sic, 2911);
  const brk = doc('0001067983');
  assert.deepEqual(brk.tickers, [{ ticker: 'BRK-B', exchange: 'NYSE' }, { ticker: 'BRK-A', exchange: 'NYSE' }]);
  assert.deepEqual(brk.formerNames, [{ name: 'NBH INC', from: '1998-08-10', to: '1999-01-05' }]);
  // The ETF has sic "" and sicDescription "": no SIC, not SIC 0.
  const spy = doc('0000884394');
  assert.equal(spy.sic, null);
  assert.equal(spy.sicDescription, null);
  assert.equal(spy.entityType, 'other');
  assert.deepEqual(spy.tickers, [{ ticker: 'SPY', exchange: 'NYSE' }]);
  const worlds = doc('0000001961');
  assert.deepEqual([worlds.name, worlds.sic, worlds.tickers], ['WORLDS INC', 7372, [{ ticker: 'WDDD', exchange: 'OTC' }]]);
  assert.equal(worlds.formerNames.length, 3);
});

test('parseSubmissions: a bad field rejects the document with a reason naming it', () => {
  const base = { cik: '0000000042', name: 'Test Co', sic: '1234', sicDescription: 'X', entityType: 'operating', tickers: ['TST'], exchanges: ['NYSE'], formerNames: [] };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ cik: 'CIK42' }, /^cik "CIK42" is not a CIK$/],
    [{ cik: undefined }, /^cik undefined is not a CIK$/],
    [{ name: '  ' }, /^name "  " is not a non-empty string$/],
    [{ sic: 'abc' }, /^sic "abc" is not a SIC code/],
    [{ sic: '12345' }, /^sic "12345" is not a SIC code/],
    [{ sicDescription: 7 }, /^sicDescription 7 is not a string$/],
    [{ entityType: {} }, /^entityType \{\} is not a string$/],
    [{ tickers: 'TST' }, /^tickers "TST" is not an array$/],
    [{ exchanges: ['NYSE', 'OTC'] }, /^tickers \(1\) and exchanges \(2\) differ in length$/],
    [{ formerNames: {} }, /^formerNames \{\} is not an array$/],
  ];
  for (const [patch, reason] of cases) {
    const r = parseSubmissions({ ...base, ...patch });
    assert.equal(r.ok, false, JSON.stringify(patch));
    assert.match((r as { reason: string }).reason, reason);
  }
  assert.deepEqual(parseSubmissions([]), { ok: false, reason: 'not a JSON object' });
  assert.equal(parseSubmissions({ ...base, sic: 3571 }).ok, true);
});

test('parseSubmissions: a bad ticker or former name is dropped with a warning; the company is kept', () => {
  const r = parseSubmissions({
    cik: 42,
    name: 'Test Co',
    sic: '',
    tickers: ['GOOD', 'bad ticker', 'GOOD', 'ODD'],
    exchanges: ['NYS', 'NYSE', 'NYSE', 5],
    formerNames: [{ name: 'OLD CO', from: '2001-02-03T05:00:00.000Z', to: null }, { name: '', from: null, to: null }, { name: 'WHEN', from: 'yesterday', to: null }],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.doc.tickers, [{ ticker: 'GOOD', exchange: 'NYSE' }]);
  assert.deepEqual(r.doc.formerNames, [{ name: 'OLD CO', from: '2001-02-03', to: null }]);
  assert.deepEqual(r.warnings, [
    'tickers[1] "bad ticker" is not a valid symbol; dropped',
    'tickers[2] GOOD repeats; dropped',
    'exchanges[3] 5 of ODD is neither a string nor null; ticker dropped',
    'formerNames[1] has no name; dropped',
    'formerNames[2] (WHEN) has a date that is not ISO 8601; dropped',
  ]);
});

test('observeCompany: list and submissions merged; Berkshire keeps both classes under one CIK', () => {
  const brk = observeCompany(rowsOf(1067983), doc('0001067983'));
  assert.equal(brk.cik, 1067983);
  assert.deepEqual(brk.tickers, [{ ticker: 'BRK-B', exchange: 'NYSE' }, { ticker: 'BRK-A', exchange: 'NYSE' }]);
  assert.equal(brk.profile?.sic, 6331);
  const apple = observeCompany(rowsOf(320193), doc('0000320193'));
  assert.equal(apple.name, 'Apple Inc.');
  assert.equal(apple.profile?.formerNames.length, 3);
});

test('observeCompany: WORLDS INC, missing from the ticker list, comes from its submissions alone', () => {
  const w = observeCompany(undefined, doc('0000001961'));
  assert.deepEqual([w.cik, w.name, w.tickers], [1961, 'WORLDS INC', [{ ticker: 'WDDD', exchange: 'OTC' }]]);
  assert.equal(w.profile?.sicDescription, 'Services-Prepackaged Software');
});

test('observeCompany: list-only companies have no profile; a null venue is filled from submissions; extra tickers are appended', () => {
  const utx = rowsOf(2046954);
  assert.deepEqual(observeCompany(utx, undefined), { cik: 2046954, name: 'Ultratrex Inc.', tickers: [{ ticker: 'UTX', exchange: null }] });
  const merged = observeCompany(utx, { cik: 2046954, name: 'Ultratrex Inc.', entityType: null, sic: null, sicDescription: null, tickers: [{ ticker: 'UTXW', exchange: 'OTC' }, { ticker: 'UTX', exchange: 'OTC' }], formerNames: [] });
  assert.deepEqual(merged.tickers, [{ ticker: 'UTX', exchange: 'OTC' }, { ticker: 'UTXW', exchange: 'OTC' }]);
  assert.throws(() => observeCompany(undefined, undefined), RangeError);
  assert.throws(() => observeCompany([...utx, ...rowsOf(320193)], undefined), RangeError);
});

test('mergeCompany: a list-only observation keeps the profile an earlier sync found; updatedAt moves only on change', () => {
  const full = mergeCompany(undefined, observeCompany(rowsOf(320193), doc('0000320193')), 1000);
  assert.deepEqual([full.sic, full.hasSubmissions, full.exchanges, full.updatedAt], [3571, true, ['Nasdaq'], 1000]);
  const listOnly = observeCompany(rowsOf(320193), undefined);
  assert.equal(mergeCompany(full, listOnly, 2000), full, 'same content: the previous record, updatedAt unchanged');
  const renamed: CompanyObservation = { ...listOnly, name: 'Apple Computer Inc.' };
  const r = mergeCompany(full, renamed, 3000);
  assert.deepEqual([r.name, r.sic, r.formerNames.length, r.updatedAt], ['Apple Computer Inc.', 3571, 3, 3000]);
  const fresh = mergeCompany(undefined, listOnly, 4000);
  assert.deepEqual([fresh.sic, fresh.sicDescription, fresh.entityType, fresh.formerNames, fresh.hasSubmissions], [null, null, null, [], false]);
});

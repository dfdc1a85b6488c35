import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../../core/errors.js';
import type { CompanyObservation } from '../../../ingest/sec/company.js';
import type { CompanySource, SecProblem } from '../../../ingest/sec/company-source.js';
import { FileCompanySource } from '../../../ingest/sec/file-company-source.js';

const DATA = '/work/shared/data';

async function readAll(source: CompanySource): Promise<{ companies: CompanyObservation[]; skipped: SecProblem[]; warnings: SecProblem[]; expected: number | undefined }> {
  const out = { companies: [] as CompanyObservation[], skipped: [] as SecProblem[], warnings: [] as SecProblem[], expected: undefined as number | undefined };
  for await (const item of source.read()) {
    if (item.kind === 'company') out.companies.push(item.company);
    else if (item.kind === 'expected') out.expected = item.companies;
    else out[item.kind === 'skipped' ? 'skipped' : 'warnings'].push(item.problem);
  }
  return out;
}

test('FileCompanySource: the real list and the five submissions give 7,960 companies, each CIK once', async () => {
  const r = await readAll(new FileCompanySource([`${DATA}/company_tickers_exchange.json`, `${DATA}/edgar_submissions`]));
  assert.equal(r.expected, 7_960);
  assert.equal(r.companies.length, 7_960);
  assert.deepEqual(r.skipped, []);
  assert.deepEqual(r.warnings, []);
  assert.equal(new Set(r.companies.map((c) => c.cik)).size, 7_960);
  // Companies with a submissions document come first, in file-name order, with a profile.
  assert.deepEqual(r.companies.slice(0, 5).map((c) => [c.cik, c.profile !== undefined]), [[1961, true], [34088, true], [320193, true], [884394, true], [1067983, true]]);
  assert.equal(r.companies.filter((c) => c.profile).length, 5);
  const by = new Map(r.companies.map((c) => [c.cik, c]));
  assert.deepEqual(by.get(1067983)?.tickers.map((t) => t.ticker), ['BRK-B', 'BRK-A']);
  assert.deepEqual(by.get(1961)?.tickers, [{ ticker: 'WDDD', exchange: 'OTC' }]);
  assert.equal(by.get(884394)?.profile?.sic, null);
  assert.deepEqual(by.get(1045810), { cik: 1045810, name: 'NVIDIA CORP', tickers: [{ ticker: 'NVDA', exchange: 'Nasdaq' }] });
});

test('FileCompanySource: a directory is read by SEC file names, not recursively', async () => {
  const r = await readAll(new FileCompanySource([DATA]));
  assert.equal(r.companies.length, 7_959); // company_tickers_exchange.json only; edgar_submissions/ is a subdirectory
  const subs = await readAll(new FileCompanySource([`${DATA}/edgar_submissions/CIK0000001961.json`]));
  assert.deepEqual(subs.companies.map((c) => c.name), ['WORLDS INC']);
});

test('FileCompanySource: bad documents are skipped with reasons, the rest still read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-sec-'));
  try {
    writeFileSync(join(dir, 'CIK0000000001.json'), '{"cik": "0000000001", "name": "Trunc');
    writeFileSync(join(dir, 'CIK0000000002.json'), JSON.stringify({ cik: '0000000002', name: 'Bad SIC Co', sic: 'n/a' }));
    writeFileSync(join(dir, 'CIK0000000003.json'), JSON.stringify({ cik: '0000000003', name: 'Good Co', sic: '7372', tickers: ['GOOD', '??'], exchanges: ['OTC', 'OTC'] }));
    writeFileSync(join(dir, 'CIK0000000004.json'), JSON.stringify({ cik: '0000000003', name: 'Same CIK again' }));
    writeFileSync(join(dir, 'company_tickers_exchange.json'), JSON.stringify({ fields: ['cik', 'name', 'ticker', 'exchange'], data: [[3, 'Good Co', 'GOOD', 'OTC'], [5, 'Listed', 'LST', 'NYSE'], [6, 'Bad', 7, 'NYSE']] }));
    const r = await readAll(new FileCompanySource([dir]));
    assert.deepEqual(r.companies.map((c) => [c.cik, c.name]), [[3, 'Good Co'], [5, 'Listed']]);
    assert.deepEqual(r.skipped.map((p) => p.reason.replace(/\(.*\)/, '(…)')), [
      'ticker 7 is not a valid symbol',
      'is not valid JSON (…)',
      'sic "n/a" is not a SIC code (…)',
      `CIK 3 was already read from CIK0000000003.json`,
    ]);
    assert.match(r.skipped[0].where, /company_tickers_exchange\.json data\[2\]$/);
    assert.match(r.skipped[1].where, /CIK0000000001\.json$/);
    assert.deepEqual(r.warnings, [{ where: 'CIK0000000003.json', reason: 'tickers[1] "??" is not a valid symbol; dropped' }]);

    // A list whose shape is wrong is one skipped document, not a crash.
    writeFileSync(join(dir, 'company_tickers_exchange.json'), JSON.stringify({ fields: ['name'], data: [] }));
    const bad = await readAll(new FileCompanySource([dir]));
    assert.match(bad.skipped[0].reason, /has no "cik" column/);
    assert.deepEqual(bad.companies.map((c) => c.cik), [3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileCompanySource: a path that does not exist fails the read with config_invalid', async () => {
  const missing = join(tmpdir(), 'no-such-sec-dir-for-bourse');
  await assert.rejects(readAll(new FileCompanySource([missing])), (e: unknown) => hasCode(e, 'config_invalid') && (e as Error).message.includes(missing));
  assert.throws(() => new FileCompanySource([]), (e: unknown) => hasCode(e, 'config_invalid'));
});

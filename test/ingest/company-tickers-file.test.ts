import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../core/errors.js';
import { parseCompanyTickers, readCompanyTickersFile } from '../../ingest/sec/company-tickers-file.js';

const SEC_FILE = '/work/shared/data/company_tickers_exchange.json';
const FIELDS = ['cik', 'name', 'ticker', 'exchange'];

test('readCompanyTickersFile: the real SEC file (December 2025 snapshot)', () => {
  const f = readCompanyTickersFile(SEC_FILE);
  assert.equal(f.rows, 10_218);
  assert.equal(f.skipped, 0);
  assert.equal(f.duplicates, 0);
  assert.equal(f.companies.length, 10_218);
  const by = new Map(f.companies.map((c) => [c.symbol, c]));
  assert.deepEqual(f.companies[0], { symbol: 'NVDA', name: 'NVIDIA CORP', exchange: 'Nasdaq' });
  assert.deepEqual(by.get('AAPL'), { symbol: 'AAPL', name: 'Apple Inc.', exchange: 'Nasdaq' });
  assert.deepEqual(by.get('BRK-B'), { symbol: 'BRK-B', name: 'BERKSHIRE HATHAWAY INC', exchange: 'NYSE' });
  assert.deepEqual(by.get('CRWV')?.exchange, 'Nasdaq');
  // exchange null → "", SEC's one "NYS" → "NYSE".
  assert.deepEqual(by.get('UTX'), { symbol: 'UTX', name: 'Ultratrex Inc.', exchange: '' });
  assert.equal(by.get('MEHCQ')?.exchange, 'NYSE');
  assert.equal(f.companies.filter((c) => c.exchange === '').length, 265);
});

test('parseCompanyTickers: bad rows are skipped and counted, not fatal', () => {
  const f = parseCompanyTickers(
    {
      fields: FIELDS,
      data: [
        [1, 'Good Co', 'GOOD', 'NYSE'],
        [2, 'Bad Ticker', 'not a ticker!', 'NYSE'],
        [3, 'No Ticker', null, 'Nasdaq'],
        'not a row',
        [4, 42, 'NUM', 'NYSE'],
        [5, 'Odd Venue', 'ODD', 7],
        [6, 'Good Co again', 'GOOD', 'NYSE'],
        [7, '  Lower Case Inc  ', 'low', null],
      ],
    },
    'inline',
  );
  assert.equal(f.rows, 8);
  assert.equal(f.skipped, 5);
  assert.equal(f.duplicates, 1);
  assert.deepEqual(f.companies, [
    { symbol: 'GOOD', name: 'Good Co', exchange: 'NYSE' },
    { symbol: 'LOW', name: 'Lower Case Inc', exchange: '' },
  ]);
  assert.equal(f.problems.length, 5);
  assert.match(f.problems[0], /^data\[1\]: ticker "not a ticker!" is not a valid symbol$/);
  assert.match(f.problems[2], /^data\[3\]: not an array$/);
});

test('parseCompanyTickers: columns are found by name, not position', () => {
  const f = parseCompanyTickers({ fields: ['exchange', 'ticker', 'cik', 'name'], data: [['NYSE', 'XOM', 34088, 'EXXON MOBIL CORP']] }, 'inline');
  assert.deepEqual(f.companies, [{ symbol: 'XOM', name: 'EXXON MOBIL CORP', exchange: 'NYSE' }]);
});

test('readCompanyTickersFile: malformed files fail with an error naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-sec-'));
  try {
    const cases: Array<[string, string, RegExp]> = [
      ['not-json.json', '{"fields": [', /is not valid JSON/],
      ['array.json', '[[1, "A", "A", "NYSE"]]', /is not a JSON object with "fields" and "data"/],
      ['null.json', 'null', /is not a JSON object/],
      ['no-fields.json', JSON.stringify({ data: [] }), /has no "fields" array/],
      ['bad-fields.json', JSON.stringify({ fields: [1, 2], data: [] }), /has no "fields" array/],
      ['no-ticker.json', JSON.stringify({ fields: ['cik', 'name', 'exchange'], data: [] }), /has no "ticker" column/],
      ['no-data.json', JSON.stringify({ fields: FIELDS, data: { 0: [] } }), /has no "data" array/],
    ];
    for (const [name, text, why] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      assert.throws(
        () => readCompanyTickersFile(path),
        (err: unknown) => {
          assert.ok(hasCode(err, 'config_invalid'), name);
          const message = (err as Error).message;
          assert.ok(message.includes(path), `${name}: ${message}`);
          assert.match(message, why, name);
          return true;
        },
      );
    }
    const missing = join(dir, 'missing.json');
    assert.throws(() => readCompanyTickersFile(missing), (err: unknown) => hasCode(err, 'config_invalid') && /cannot be read \(ENOENT\)/.test((err as Error).message) && (err as Error).message.includes(missing));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ fields: FIELDS, data: [] }));
    assert.equal(readCompanyTickersFile(empty).companies.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

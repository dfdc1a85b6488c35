import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../core/errors.js';
import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { normaliseSymbol } from '../../core/universe.js';
import { loadUniverse } from '../../ingest/universe-loader.js';

const SEC_FILE = '/work/shared/data/company_tickers_exchange.json';

test('embedded universe: at least 500 unique valid US tickers, the largest first', () => {
  const symbols = EMBEDDED_COMPANIES.map((c) => c.symbol);
  assert.ok(new Set(symbols).size >= 500);
  assert.equal(new Set(symbols).size, symbols.length, 'no duplicates');
  for (const c of EMBEDDED_COMPANIES) {
    assert.equal(normaliseSymbol(c.symbol), c.symbol, c.symbol);
    assert.match(c.symbol, /^[A-Z]{1,5}(-[A-Z])?$/);
    assert.ok(['Nasdaq', 'NYSE', 'CBOE'].includes(c.exchange), `${c.symbol} ${c.exchange}`);
    assert.ok(c.name.length > 0 && c.name === c.name.trim(), c.symbol);
  }
  for (const s of ['AAPL', 'MSFT', 'NVDA', 'BRK-B', 'JPM']) assert.ok(symbols.includes(s), s);
  assert.deepEqual(EMBEDDED_COMPANIES[0], { symbol: 'NVDA', name: 'NVIDIA CORP', exchange: 'Nasdaq' });
});

test('loadUniverse: the embedded list by default, truncated to universeSize', () => {
  const all = loadUniverse({ universeSize: 100_000 });
  assert.equal(all.size, EMBEDDED_COMPANIES.length);
  const small = loadUniverse({ universeFile: undefined, universeSize: 3 });
  assert.deepEqual(small.companies.map((c) => c.symbol), ['NVDA', 'AAPL', 'GOOGL']);
  assert.equal(small.id('AAPL'), 1);
  assert.throws(() => loadUniverse({ universeSize: 0 }), RangeError);
});

test('loadUniverse: an SEC file when given', () => {
  const u = loadUniverse({ universeFile: SEC_FILE, universeSize: 100_000 });
  assert.equal(u.size, 10_218);
  assert.equal(u.symbol(0), 'NVDA');
  assert.equal(u.companies[u.id('UTX')].exchange, '');
  assert.equal(loadUniverse({ universeFile: SEC_FILE, universeSize: 5000 }).size, 5000);
});

test('loadUniverse: a file with no valid ticker is an error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-universe-'));
  try {
    const path = join(dir, 'empty.json');
    writeFileSync(path, JSON.stringify({ fields: ['cik', 'name', 'ticker', 'exchange'], data: [[1, 'X', '??', 'NYSE']] }));
    assert.throws(
      () => loadUniverse({ universeFile: path, universeSize: 10 }),
      (err: unknown) => hasCode(err, 'config_invalid') && (err as Error).message.includes(path),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BourseError, ERRORS, TEMPORARY_CLOSE_RANGE, TERMINAL_CLOSE_RANGE, hasCode, isTemporaryClose, type ErrorSpec } from '../../core/errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the "Codes" table: code | status | close | retryable | meaning. */
function documentedCodes(): Map<string, { status: number; close?: number; retryable: boolean }> {
  const rows = new Map<string, { status: number; close?: number; retryable: boolean }>();
  const section = doc.slice(doc.indexOf('## Codes'));
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !/^[a-z_]+$/.test(cells[1]) || !/^\d+$/.test(cells[2])) continue;
    rows.set(cells[1], { status: Number(cells[2]), close: cells[3] ? Number(cells[3]) : undefined, retryable: cells[4] === 'yes' });
  }
  return rows;
}

test('docs/errors.md lists exactly the registry codes, with the same status, close code and retryability', () => {
  const documented = documentedCodes();
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS) as [string, ErrorSpec][]) {
    const row = documented.get(code)!;
    assert.equal(row.status, spec.status, `${code}: status`);
    assert.equal(row.close, spec.closeCode, `${code}: close code`);
    assert.equal(row.retryable, spec.retryable, `${code}: retryable`);
  }
});

test('close codes sit in their documented ranges: temporary ones are retryable, terminal ones are not', () => {
  const seen = new Set<number>();
  for (const [code, spec] of Object.entries(ERRORS) as [string, ErrorSpec][]) {
    if (spec.closeCode === undefined) continue;
    assert.ok(!seen.has(spec.closeCode), `close code ${spec.closeCode} reused by ${code}`);
    seen.add(spec.closeCode);
    const temporary = spec.closeCode >= TEMPORARY_CLOSE_RANGE[0] && spec.closeCode <= TEMPORARY_CLOSE_RANGE[1];
    const terminal = spec.closeCode >= TERMINAL_CLOSE_RANGE[0] && spec.closeCode <= TERMINAL_CLOSE_RANGE[1];
    assert.ok(temporary || terminal, `${code}: ${spec.closeCode} outside both ranges`);
    assert.equal(spec.retryable, temporary, `${code}: retryable must match its range`);
    assert.equal(isTemporaryClose(spec.closeCode), temporary);
  }
});

test('BourseError keeps its code across a structured clone (as between threads), compared by code', () => {
  const err = new BourseError('unknown_symbol', 'ZZZZ is not in the universe');
  const cloned = structuredClone(err.toJSON());
  assert.ok(hasCode(cloned, 'unknown_symbol'));
  assert.ok(!hasCode(cloned, 'invalid_symbol'));
  assert.equal(err.status, 404);
  assert.equal(err.retryable, false);
});

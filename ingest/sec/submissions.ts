import { normaliseSymbol } from '../../core/universe.js';
import { normaliseExchange, parseCik, type FormerName, type Listing, type SubmissionsDoc } from './company.js';

/**
 * Reader for an EDGAR submissions document
 * (https://data.sec.gov/submissions/CIK##########.json). Only the identity
 * fields are read; `filings` (most of the bytes) is ignored.
 *
 *   {"cik":"0000320193", "entityType":"operating", "sic":"3571",
 *    "sicDescription":"Electronic Computers", "name":"Apple Inc.",
 *    "tickers":["AAPL"], "exchanges":["Nasdaq"],
 *    "formerNames":[{"name":"APPLE INC","from":"2007-01-10T05:00:00.000Z","to":"2019-08-05T04:00:00.000Z"}], ...}
 *
 * Field by field:
 * - cik: a zero-padded digit string (the SEC's spelling) or an integer. Required.
 * - name: a non-empty string. Required.
 * - sic: a string of 1–4 digits, an integer 0..9999, or "" / null / absent
 *   for none (ETFs and trusts have ""). Anything else rejects the document.
 * - sicDescription, entityType: a string ("" → null), null or absent.
 * - tickers / exchanges: parallel arrays of equal length (absent: none).
 *   Different lengths reject the document. A ticker that is not a valid
 *   symbol, or repeats, is dropped with a warning; the company is kept.
 * - formerNames: an array of {name, from, to} (absent: none). An entry
 *   without a name or with an unparseable date is dropped with a warning.
 *   Dates become YYYY-MM-DD (the UTC date of SEC's timestamp: 05:00Z is
 *   midnight in New York).
 * A rejected document comes back as { ok: false, reason }; nothing throws.
 */
export type SubmissionsResult =
  | { readonly ok: true; readonly doc: SubmissionsDoc; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export function parseSubmissions(json: unknown): SubmissionsResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not a JSON object');
  const j = json as Record<string, unknown>;
  const warnings: string[] = [];

  const cik = parseCik(j.cik);
  if (cik === undefined) return fail(`cik ${show(j.cik)} is not a CIK`);
  if (typeof j.name !== 'string' || j.name.trim() === '') return fail(`name ${show(j.name)} is not a non-empty string`);

  let sic: number | null;
  if (j.sic === undefined || j.sic === null || j.sic === '') sic = null;
  else if (typeof j.sic === 'string' && /^\d{1,4}$/.test(j.sic)) sic = Number(j.sic);
  else if (typeof j.sic === 'number' && Number.isInteger(j.sic) && j.sic >= 0 && j.sic <= 9999) sic = j.sic;
  else return fail(`sic ${show(j.sic)} is not a SIC code (1–4 digits or "")`);

  const sicDescription = optionalText(j.sicDescription);
  if (sicDescription === false) return fail(`sicDescription ${show(j.sicDescription)} is not a string`);
  const entityType = optionalText(j.entityType);
  if (entityType === false) return fail(`entityType ${show(j.entityType)} is not a string`);

  const rawTickers = j.tickers ?? [];
  const rawExchanges = j.exchanges ?? [];
  if (!Array.isArray(rawTickers)) return fail(`tickers ${show(j.tickers)} is not an array`);
  if (!Array.isArray(rawExchanges)) return fail(`exchanges ${show(j.exchanges)} is not an array`);
  if (rawTickers.length !== rawExchanges.length) return fail(`tickers (${rawTickers.length}) and exchanges (${rawExchanges.length}) differ in length`);
  const tickers: Listing[] = [];
  for (let i = 0; i < rawTickers.length; i++) {
    const ticker = normaliseSymbol(rawTickers[i]);
    const ex: unknown = rawExchanges[i];
    if (ticker === undefined) warnings.push(`tickers[${i}] ${show(rawTickers[i])} is not a valid symbol; dropped`);
    else if (ex !== null && typeof ex !== 'string') warnings.push(`exchanges[${i}] ${show(ex)} of ${ticker} is neither a string nor null; ticker dropped`);
    else if (tickers.some((t) => t.ticker === ticker)) warnings.push(`tickers[${i}] ${ticker} repeats; dropped`);
    else tickers.push({ ticker, exchange: normaliseExchange(ex) });
  }

  const rawFormer = j.formerNames ?? [];
  if (!Array.isArray(rawFormer)) return fail(`formerNames ${show(j.formerNames)} is not an array`);
  const formerNames: FormerName[] = [];
  for (let i = 0; i < rawFormer.length; i++) {
    const f: unknown = rawFormer[i];
    const entry = typeof f === 'object' && f !== null ? (f as Record<string, unknown>) : undefined;
    const name = typeof entry?.name === 'string' ? entry.name.trim() : '';
    const from = isoDate(entry?.from);
    const to = isoDate(entry?.to);
    if (name === '') warnings.push(`formerNames[${i}] has no name; dropped`);
    else if (from === false || to === false) warnings.push(`formerNames[${i}] (${name}) has a date that is not ISO 8601; dropped`);
    else formerNames.push({ name, from, to });
  }

  return { ok: true, doc: { cik, name: j.name.trim(), entityType, sic, sicDescription, tickers, formerNames }, warnings };
}

function fail(reason: string): SubmissionsResult {
  return { ok: false, reason };
}

/** A string (trimmed; "" → null), null or absent → null; anything else → false. */
function optionalText(v: unknown): string | null | false {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return false;
  const t = v.trim();
  return t === '' ? null : t;
}

/** "2007-01-10T05:00:00.000Z" or "2007-01-10" → "2007-01-10"; null/absent/"" → null; anything else → false. */
function isoDate(v: unknown): string | null | false {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v)) return false;
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(t) ? false : new Date(t).toISOString().slice(0, 10);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

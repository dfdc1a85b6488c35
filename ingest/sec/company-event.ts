import { SYMBOL_PATTERN } from '../../core/universe.js';
import { MAX_CIK, companyContentHash, distinctExchanges, type CompanyRecord, type FormerName, type Listing } from './company.js';

/**
 * The company event on JetStream, schema v1 (documented in README.md beside
 * this file). One subject per company, `<prefix>.company.upsert.<cik>`, so
 * the stream can keep the last event of each company (a last-value store)
 * and the sync can read each company's current state back.
 *
 * Payload: UTF-8 JSON (not msgpack: about 8,000 small events per full sync,
 * and an operator can read them with `nats stream view`):
 *
 *   {"v":1,"type":"company.upsert","hash":"<32 hex>","company":{
 *     "cik":320193,"name":"Apple Inc.",
 *     "tickers":[{"ticker":"AAPL","exchange":"Nasdaq"}],"exchanges":["Nasdaq"],
 *     "formerNames":[{"name":"APPLE INC","from":"2007-01-10","to":"2019-08-05"}],
 *     "sic":3571,"sicDescription":"Electronic Computers","entityType":"operating",
 *     "hasSubmissions":true,"updatedAt":1767623400000}}
 *
 * Header Nats-Msg-Id: `sec-company-<cik>-<hash>`, so JetStream drops an
 * identical event published again within the stream's duplicate window.
 *
 * Decoding checks every field; a reader rejects (never guesses) an event of
 * another version, a subject whose CIK differs from the payload's, or a hash
 * that does not match the content.
 */
export const COMPANY_EVENT_VERSION = 1;

/** Largest event the SEC stream accepts (a company with many former names is still < 8 KiB). */
export const MAX_COMPANY_EVENT_BYTES = 64 * 1024;

export interface CompanyUpsertEvent {
  readonly v: typeof COMPANY_EVENT_VERSION;
  readonly type: 'company.upsert';
  /** companyContentHash(company). */
  readonly hash: string;
  readonly company: CompanyRecord;
}

export type CompanyEventRejectReason = 'malformed' | 'unsupported_version' | 'invalid_field' | 'subject_mismatch' | 'hash_mismatch';

export type DecodedCompanyEvent =
  | { readonly ok: true; readonly event: CompanyUpsertEvent }
  | { readonly ok: false; readonly reason: CompanyEventRejectReason; readonly detail: string };

export function companySubject(prefix: string, cik: number): string {
  return `${prefix}.company.upsert.${cik}`;
}

/** Every company upsert subject under `prefix`. */
export function companyUpsertFilter(prefix: string): string {
  return `${prefix}.company.upsert.*`;
}

export function companyMsgId(cik: number, hash: string): string {
  return `sec-company-${cik}-${hash}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeCompanyEvent(company: CompanyRecord): { readonly data: Uint8Array; readonly hash: string } {
  const hash = companyContentHash(company);
  const c = company;
  const event: CompanyUpsertEvent = {
    v: COMPANY_EVENT_VERSION,
    type: 'company.upsert',
    hash,
    // Fields spelled out so the payload never carries anything a caller's object happened to hold.
    company: {
      cik: c.cik,
      name: c.name,
      tickers: c.tickers.map((t) => ({ ticker: t.ticker, exchange: t.exchange })),
      exchanges: c.exchanges,
      formerNames: c.formerNames.map((f) => ({ name: f.name, from: f.from, to: f.to })),
      sic: c.sic,
      sicDescription: c.sicDescription,
      entityType: c.entityType,
      hasSubmissions: c.hasSubmissions,
      updatedAt: c.updatedAt,
    },
  };
  return { data: encoder.encode(JSON.stringify(event)), hash };
}

/** Decodes and validates an event that arrived on `subject` (checked against `prefix` and the payload's CIK). */
export function decodeCompanyEvent(data: Uint8Array, subject: string, prefix: string): DecodedCompanyEvent {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch (err) {
    return reject('malformed', `not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject('malformed', 'not a JSON object');
  const e = json as Record<string, unknown>;
  if (e.v !== COMPANY_EVENT_VERSION) return reject('unsupported_version', `v ${JSON.stringify(e.v)}; this reader knows ${COMPANY_EVENT_VERSION}`);
  if (e.type !== 'company.upsert') return reject('invalid_field', `type ${JSON.stringify(e.type)} is not "company.upsert"`);
  if (typeof e.hash !== 'string' || !/^[0-9a-f]{32}$/.test(e.hash)) return reject('invalid_field', 'hash is not 32 hex digits');
  const company = checkCompany(e.company);
  if (typeof company === 'string') return reject('invalid_field', company);
  const head = `${prefix}.company.upsert.`;
  if (!subject.startsWith(head) || subject.slice(head.length) !== String(company.cik)) return reject('subject_mismatch', `subject ${subject} does not match CIK ${company.cik} under ${prefix}`);
  if (companyContentHash(company) !== e.hash) return reject('hash_mismatch', `hash ${e.hash} does not match the content of CIK ${company.cik}`);
  return { ok: true, event: { v: COMPANY_EVENT_VERSION, type: 'company.upsert', hash: e.hash, company } };
}

function reject(reason: CompanyEventRejectReason, detail: string): DecodedCompanyEvent {
  return { ok: false, reason, detail };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The validated record, or what is wrong with it. */
function checkCompany(v: unknown): CompanyRecord | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'company is not an object';
  const c = v as Record<string, unknown>;
  if (typeof c.cik !== 'number' || !Number.isInteger(c.cik) || c.cik < 1 || c.cik > MAX_CIK) return 'company.cik is not a CIK';
  if (typeof c.name !== 'string' || c.name === '') return 'company.name is not a non-empty string';
  if (!Array.isArray(c.tickers)) return 'company.tickers is not an array';
  const tickers: Listing[] = [];
  for (const [i, t] of c.tickers.entries()) {
    const l = t as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null || typeof l.ticker !== 'string' || !SYMBOL_PATTERN.test(l.ticker)) return `company.tickers[${i}].ticker is not a symbol`;
    if (l.exchange !== null && (typeof l.exchange !== 'string' || l.exchange === '')) return `company.tickers[${i}].exchange is neither a venue nor null`;
    if (tickers.some((x) => x.ticker === l.ticker)) return `company.tickers[${i}] repeats ${l.ticker}`;
    tickers.push({ ticker: l.ticker, exchange: l.exchange as string | null });
  }
  if (!Array.isArray(c.exchanges) || !c.exchanges.every((x) => typeof x === 'string')) return 'company.exchanges is not an array of strings';
  if (!Array.isArray(c.formerNames)) return 'company.formerNames is not an array';
  const formerNames: FormerName[] = [];
  for (const [i, f] of c.formerNames.entries()) {
    const n = f as Record<string, unknown> | null;
    if (typeof n !== 'object' || n === null || typeof n.name !== 'string' || n.name === '') return `company.formerNames[${i}].name is not a non-empty string`;
    for (const k of ['from', 'to'] as const) if (n[k] !== null && (typeof n[k] !== 'string' || !DATE.test(n[k] as string))) return `company.formerNames[${i}].${k} is neither YYYY-MM-DD nor null`;
    formerNames.push({ name: n.name, from: n.from as string | null, to: n.to as string | null });
  }
  if (c.sic !== null && (typeof c.sic !== 'number' || !Number.isInteger(c.sic) || c.sic < 0 || c.sic > 9999)) return 'company.sic is neither a SIC code nor null';
  for (const k of ['sicDescription', 'entityType'] as const) if (c[k] !== null && typeof c[k] !== 'string') return `company.${k} is neither a string nor null`;
  if (typeof c.hasSubmissions !== 'boolean') return 'company.hasSubmissions is not a boolean';
  if (typeof c.updatedAt !== 'number' || !Number.isFinite(c.updatedAt) || c.updatedAt < 0) return 'company.updatedAt is not a time in ms';
  return {
    cik: c.cik,
    name: c.name,
    tickers,
    exchanges: distinctExchanges(tickers),
    formerNames,
    sic: c.sic as number | null,
    sicDescription: c.sicDescription as string | null,
    entityType: c.entityType as string | null,
    hasSubmissions: c.hasSubmissions,
    updatedAt: c.updatedAt,
  };
}

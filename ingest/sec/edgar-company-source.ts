import { BourseError } from '../../core/errors.js';
import { observeCompany, paddedCik, type TickerListRow } from './company.js';
import { parseTickerListRows } from './company-tickers-file.js';
import type { CompanySource, SourceItem } from './company-source.js';
import { EdgarClient, type EdgarClientOptions } from './edgar-client.js';
import { isSecError, secError } from './sec-errors.js';
import { parseSubmissions } from './submissions.js';

/**
 * Companies from EDGAR over HTTP (see edgar-client.ts for the User-Agent,
 * rate limit and retries): the ticker list (one request), then the
 * submissions document of each company chosen by `submissions`:
 * - 'all' (default): every CIK of the list; ≈ 8,000 requests, about 14
 *   minutes at 10 requests/s;
 * - 'none': the list alone (name, tickers, venues; no SIC);
 * - a list of CIKs: only those companies, with their list rows when they
 *   have any (a CIK missing from the list, like a delisted OTC company, is
 *   read from its submissions document alone).
 * `limit` keeps the first N companies of the list (trial runs of 'all' or
 * 'none'; an explicit CIK list is taken whole).
 *
 * Companies are yielded in list order with up to `concurrency` requests in
 * flight (the token bucket, not concurrency, bounds the rate). A listed
 * company whose submissions document is missing (404), invalid or
 * unreachable is still yielded from its list rows, with a warning; a chosen
 * CIK with neither is skipped. After `maxConsecutiveFailures` fetch failures
 * in a row the read fails with sec_fetch_failed (EDGAR is down, not one
 * document); a 403 fails it at once (sec_access_denied); a ticker list that
 * is not the expected shape fails it with sec_data_invalid.
 */
export interface EdgarCompanySourceOptions extends EdgarClientOptions {
  /** Default https://www.sec.gov/files/company_tickers_exchange.json. */
  readonly tickersUrl?: string;
  /** Default https://data.sec.gov/submissions/ (CIK##########.json is appended). */
  readonly submissionsBaseUrl?: string;
  readonly submissions?: 'all' | 'none' | readonly number[];
  readonly limit?: number;
  /** Requests in flight. Default 4. */
  readonly concurrency?: number;
  /** Default 10. */
  readonly maxConsecutiveFailures?: number;
}

export const SEC_TICKERS_URL = 'https://www.sec.gov/files/company_tickers_exchange.json';
export const SEC_SUBMISSIONS_BASE_URL = 'https://data.sec.gov/submissions/';

export class EdgarCompanySource implements CompanySource {
  readonly description: string;
  readonly client: EdgarClient;
  readonly #tickersUrl: string;
  readonly #submissionsBase: string;
  readonly #submissions: 'all' | 'none' | readonly number[];
  readonly #limit: number;
  readonly #concurrency: number;
  readonly #maxConsecutiveFailures: number;

  /** Throws config_invalid for a missing User-Agent, a rate above 10/s or a base URL that is not http(s). */
  constructor(opts: EdgarCompanySourceOptions) {
    this.client = new EdgarClient(opts);
    this.#tickersUrl = httpUrl(opts.tickersUrl ?? SEC_TICKERS_URL, 'tickersUrl');
    const base = httpUrl(opts.submissionsBaseUrl ?? SEC_SUBMISSIONS_BASE_URL, 'submissionsBaseUrl');
    this.#submissionsBase = base.endsWith('/') ? base : `${base}/`;
    this.#submissions = opts.submissions ?? 'all';
    this.#limit = opts.limit ?? Infinity;
    this.#concurrency = Math.max(1, opts.concurrency ?? 4);
    this.#maxConsecutiveFailures = Math.max(1, opts.maxConsecutiveFailures ?? 10);
    this.description = `edgar ${new URL(this.#tickersUrl).origin}`;
  }

  submissionsUrl(cik: number): string {
    return `${this.#submissionsBase}CIK${paddedCik(cik)}.json`;
  }

  async *read(signal?: AbortSignal): AsyncIterable<SourceItem> {
    const list = await this.client.getJson(this.#tickersUrl, signal);
    if (list.status === 'not_found') throw secError('sec_data_invalid', `${this.#tickersUrl} answered 404`);
    if (list.status === 'invalid_json') throw secError('sec_data_invalid', `${this.#tickersUrl} ${list.reason}`);
    let parsed;
    try {
      parsed = parseTickerListRows(list.json, this.#tickersUrl);
    } catch (err) {
      throw secError('sec_data_invalid', (err as Error).message, err);
    }
    for (const s of parsed.skipped) yield { kind: 'skipped', problem: { where: `${this.#tickersUrl} data[${s.row}]`, reason: s.reason } };

    const chosen = this.#submissions;
    const limit = typeof chosen === 'string' ? this.#limit : Infinity; // an explicit CIK list is not cut
    const byCik = new Map<number, TickerListRow[]>();
    for (const r of parsed.rows) {
      const rows = byCik.get(r.cik);
      if (rows) rows.push(r);
      else if (byCik.size < limit) byCik.set(r.cik, [r]);
    }
    const ciks = typeof chosen === 'string' ? [...byCik.keys()] : [...new Set(chosen)];
    yield { kind: 'expected', companies: ciks.length };
    if (chosen === 'none') {
      for (const rows of byCik.values()) yield { kind: 'company', company: observeCompany(rows, undefined) };
      return;
    }

    // Up to `concurrency` companies in flight, yielded in order; a fatal error aborts the rest.
    const inner = new AbortController();
    const abort = (): void => inner.abort(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    const window: Promise<CompanyItems>[] = [];
    let next = 0;
    let failures = 0;
    try {
      while (next < ciks.length || window.length > 0) {
        while (next < ciks.length && window.length < this.#concurrency) {
          const cik = ciks[next++];
          const p = this.#company(cik, byCik.get(cik), inner.signal);
          p.catch(() => {}); // awaited below, in order
          window.push(p);
        }
        const { items, fetchFailed } = await window.shift()!;
        failures = fetchFailed === undefined ? 0 : failures + 1;
        if (failures >= this.#maxConsecutiveFailures) throw secError('sec_fetch_failed', `${failures} submissions documents in a row could not be fetched; last: ${fetchFailed}`);
        yield* items;
      }
    } finally {
      inner.abort();
      signal?.removeEventListener('abort', abort);
    }
  }

  /** One company's items: its submissions document merged with its list rows, and any warning. */
  async #company(cik: number, rows: TickerListRow[] | undefined, signal: AbortSignal): Promise<CompanyItems> {
    const url = this.submissionsUrl(cik);
    let problem: string;
    let fetchFailed: string | undefined;
    try {
      const res = await this.client.getJson(url, signal);
      if (res.status === 'ok') {
        const parsed = parseSubmissions(res.json);
        if (parsed.ok && parsed.doc.cik === cik) {
          const items: SourceItem[] = parsed.warnings.map((reason) => ({ kind: 'warning', problem: { where: url, reason } }));
          items.push({ kind: 'company', company: observeCompany(rows, parsed.doc) });
          return { items };
        }
        problem = parsed.ok ? `holds CIK ${parsed.doc.cik}, not ${cik}` : parsed.reason;
      } else problem = res.status === 'not_found' ? 'not found (404)' : res.reason;
    } catch (err) {
      if (signal.aborted || !isSecError(err, 'sec_fetch_failed')) throw err;
      problem = fetchFailed = (err as Error).message;
    }
    if (!rows) return { items: [{ kind: 'skipped', problem: { where: url, reason: problem } }], fetchFailed };
    return {
      items: [
        { kind: 'warning', problem: { where: url, reason: `${problem}; company taken from the ticker list alone` } },
        { kind: 'company', company: observeCompany(rows, undefined) },
      ],
      fetchFailed,
    };
  }
}

interface CompanyItems {
  readonly items: readonly SourceItem[];
  /** Why the submissions fetch failed (after the client's retries); undefined when it did not. */
  readonly fetchFailed?: string | undefined;
}

function httpUrl(value: string, name: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new BourseError('config_invalid', `SEC ${name} ${JSON.stringify(value)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BourseError('config_invalid', `SEC ${name} ${JSON.stringify(value)} is not an http(s) URL`);
  return u.href;
}

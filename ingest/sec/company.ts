import { createHash } from 'node:crypto';

/**
 * The normalised company: what the rest of Bourse knows of an SEC registrant.
 * One record per CIK (the SEC's Central Index Key), which may list several
 * tickers (BRK-A and BRK-B, preferreds such as ET-PI) or none.
 *
 * Raw SEC shapes (company_tickers_exchange.json rows, submissions JSON) are
 * parsed and validated in company-tickers-file.ts and submissions.ts and turned
 * into this type here; they never leave ingest/sec.
 */
export interface CompanyRecord {
  /** Central Index Key, 1..9,999,999,999 (SEC writes it zero-padded to 10 digits; here it is a number). */
  readonly cik: number;
  /** Conformed name as the SEC spells it ("Apple Inc.", "EXXON MOBIL CORP"). */
  readonly name: string;
  /** Listings, primary first (the SEC's order), each ticker once. */
  readonly tickers: readonly Listing[];
  /** Distinct non-null venues of `tickers`, in ticker order. Derived; not part of the content hash. */
  readonly exchanges: readonly string[];
  /** Former names, as the SEC orders them (most recent first). [] when none or unknown (see hasSubmissions). */
  readonly formerNames: readonly FormerName[];
  /** Standard Industrial Classification code; null when the SEC has none (ETFs, trusts) or it is unknown. */
  readonly sic: number | null;
  readonly sicDescription: string | null;
  /** SEC entity type ("operating", "other", ...); null when unknown. */
  readonly entityType: string | null;
  /**
   * Whether a submissions document has ever been read for this company. When
   * false, sic, sicDescription, entityType and formerNames are unknown rather
   * than empty (the ticker list alone does not carry them).
   */
  readonly hasSubmissions: boolean;
  /** When this content (everything but updatedAt) was first seen by a sync, ms since the epoch. */
  readonly updatedAt: number;
}

export interface Listing {
  /** Ticker in Bourse symbol syntax (core/universe.ts SYMBOL_PATTERN). */
  readonly ticker: string;
  /** Venue ("Nasdaq", "NYSE", "OTC", "CBOE"); null when the SEC gives none. */
  readonly exchange: string | null;
}

export interface FormerName {
  readonly name: string;
  /** First day the name was used, YYYY-MM-DD (UTC date of SEC's timestamp), or null. */
  readonly from: string | null;
  /** Last day, YYYY-MM-DD, or null. */
  readonly to: string | null;
}

/** What one SEC document says about a company's identity in the ticker list: one row per (cik, ticker). */
export interface TickerListRow {
  readonly cik: number;
  readonly name: string;
  readonly ticker: string;
  readonly exchange: string | null;
}

/** The validated parts of a submissions document (data.sec.gov/submissions/CIK##########.json) Bourse uses. */
export interface SubmissionsDoc {
  readonly cik: number;
  readonly name: string;
  readonly entityType: string | null;
  readonly sic: number | null;
  readonly sicDescription: string | null;
  readonly tickers: readonly Listing[];
  readonly formerNames: readonly FormerName[];
}

/**
 * What one sync learned about one company: the ticker-list rows of its CIK,
 * its submissions document, or both. The profile fields (sic, ...) are present
 * only when the submissions document was read.
 */
export interface CompanyObservation {
  readonly cik: number;
  readonly name: string;
  readonly tickers: readonly Listing[];
  readonly profile?: {
    readonly sic: number | null;
    readonly sicDescription: string | null;
    readonly entityType: string | null;
    readonly formerNames: readonly FormerName[];
  };
}

export const MAX_CIK = 9_999_999_999;

/** A CIK from the SEC's spellings: an integer, or a string of 1–10 digits ("0000320193"). undefined when it is neither. */
export function parseCik(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\d{1,10}$/.test(value)) n = Number(value);
  else return undefined;
  return Number.isInteger(n) && n >= 1 && n <= MAX_CIK ? n : undefined;
}

/** SEC's 10-digit zero-padded spelling, as in CIK0000320193.json. */
export function paddedCik(cik: number): string {
  return String(cik).padStart(10, '0');
}

/** SEC venue spellings → Bourse's short names. */
const EXCHANGE_ALIASES: Readonly<Record<string, string>> = { NYS: 'NYSE' };

/** Trims a venue, maps SEC aliases (NYS → NYSE); null, undefined and "" become null. */
export function normaliseExchange(value: string | null | undefined): string | null {
  const v = value?.trim() ?? '';
  return v === '' ? null : (EXCHANGE_ALIASES[v] ?? v);
}

/**
 * Turns what the SEC says about one CIK into an observation. Either source may
 * be missing, not both. When both exist:
 * - name: the submissions document's (the registrant's own record);
 * - tickers: the ticker list's rows in their order, then any ticker only the
 *   submissions document lists; a ticker's venue comes from the ticker list
 *   unless that is null, then from the submissions document;
 * - profile (sic, sicDescription, entityType, formerNames): submissions only.
 * Throws RangeError when the CIKs disagree or nothing is given (a caller bug).
 */
export function observeCompany(rows: readonly TickerListRow[] | undefined, submissions: SubmissionsDoc | undefined): CompanyObservation {
  const first = rows?.[0];
  const cik = submissions?.cik ?? first?.cik;
  if (cik === undefined) throw new RangeError('observeCompany needs ticker-list rows or a submissions document');
  if (rows?.some((r) => r.cik !== cik)) throw new RangeError(`observeCompany: rows of several CIKs given for ${cik}`);

  const tickers: Listing[] = [];
  const index = new Map<string, number>();
  const add = (l: Listing): void => {
    const at = index.get(l.ticker);
    if (at === undefined) {
      index.set(l.ticker, tickers.length);
      tickers.push({ ticker: l.ticker, exchange: l.exchange });
    } else if (tickers[at].exchange === null && l.exchange !== null) {
      tickers[at] = { ticker: l.ticker, exchange: l.exchange };
    }
  };
  for (const r of rows ?? []) add({ ticker: r.ticker, exchange: r.exchange });
  for (const l of submissions?.tickers ?? []) add(l);

  const name = submissions?.name ?? first!.name;
  if (!submissions) return { cik, name, tickers };
  const { sic, sicDescription, entityType, formerNames } = submissions;
  return { cik, name, tickers, profile: { sic, sicDescription, entityType, formerNames } };
}

/**
 * The record after applying an observation to what was known before:
 * name and tickers come from the observation; the profile from the
 * observation when it has one, else from `previous` (a sync that read only the
 * ticker list must not erase the SIC code an earlier sync found). updatedAt
 * stays `previous.updatedAt` when the content did not change, else is `now`.
 */
export function mergeCompany(previous: CompanyRecord | undefined, obs: CompanyObservation, now: number): CompanyRecord {
  const kept = previous !== undefined && previous.cik === obs.cik && previous.hasSubmissions ? previous : undefined;
  const profile = obs.profile ?? kept;
  const draft: CompanyRecord = {
    cik: obs.cik,
    name: obs.name,
    tickers: obs.tickers,
    exchanges: distinctExchanges(obs.tickers),
    formerNames: profile?.formerNames ?? [],
    sic: profile?.sic ?? null,
    sicDescription: profile?.sicDescription ?? null,
    entityType: profile?.entityType ?? null,
    hasSubmissions: profile !== undefined,
    updatedAt: now,
  };
  if (previous !== undefined && companyContentHash(previous) === companyContentHash(draft)) return previous;
  return draft;
}

export function distinctExchanges(tickers: readonly Listing[]): string[] {
  const out: string[] = [];
  for (const t of tickers) if (t.exchange !== null && !out.includes(t.exchange)) out.push(t.exchange);
  return out;
}

/**
 * A hash of everything that makes a company's content, in a fixed field
 * order: not updatedAt (when it was seen) and not exchanges (derived). Two
 * syncs that see the same data produce the same hash; the sync uses it in the
 * Nats-Msg-Id so JetStream drops a republished identical event. 32 hex chars
 * (128 bits of SHA-256).
 */
export function companyContentHash(c: CompanyRecord): string {
  const canonical = JSON.stringify([
    c.cik,
    c.name,
    c.tickers.map((t) => [t.ticker, t.exchange]),
    c.formerNames.map((f) => [f.name, f.from, f.to]),
    c.sic,
    c.sicDescription,
    c.entityType,
    c.hasSubmissions,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

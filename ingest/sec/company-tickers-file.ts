import { readFileSync } from 'node:fs';
import { BourseError } from '../../core/errors.js';
import { normaliseSymbol, type Company } from '../../core/universe.js';
import { normaliseExchange, parseCik, type TickerListRow } from './company.js';

/**
 * Reader for SEC's company_tickers_exchange.json
 * (https://www.sec.gov/files/company_tickers_exchange.json), column-oriented:
 *
 *   {"fields":["cik","name","ticker","exchange"],
 *    "data":[[1045810,"NVIDIA CORP","NVDA","Nasdaq"], ..., [2046954,"Ultratrex Inc.","UTX",null]]}
 *
 * This is the anti-corruption layer: SEC's shapes stay in this file, callers get
 * Companies. Columns are found by name in `fields`, so a reordering by the SEC
 * does not silently swap names and tickers.
 *
 * A file whose overall shape is wrong (not JSON, no `fields`/`data`, a required
 * column missing) is rejected with an error naming the file and the problem.
 * A single bad row (not an array, a ticker that is not a valid symbol, a name
 * that is not a string, a duplicate ticker) is skipped and counted: one odd
 * entry in 10,000 must not stop the server.
 */
export interface CompanyTickersFile {
  /** The companies in file order (SEC orders them roughly by size). */
  readonly companies: Company[];
  /** Data rows in the file. */
  readonly rows: number;
  /** Rows skipped as invalid (bad ticker, name or exchange, or not a row). */
  readonly skipped: number;
  /** Rows skipped because their ticker appeared earlier in the file. */
  readonly duplicates: number;
  /** Up to five descriptions of skipped rows, for a start-up log line. */
  readonly problems: readonly string[];
}

const REQUIRED_COLUMNS = ['name', 'ticker', 'exchange'] as const;
const MAX_PROBLEMS = 5;

/** Reads and validates the file at `path`. Throws BourseError('config_invalid') naming the file when its shape is wrong. */
export function readCompanyTickersFile(path: string): CompanyTickersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(path, `is not valid JSON (${(err as Error).message})`, err);
  }
  return parseCompanyTickers(json, path);
}

/** Validates an already parsed document; `source` names it in errors. */
export function parseCompanyTickers(json: unknown, source: string): CompanyTickersFile {
  const { column, data } = columnsOf(json, source, REQUIRED_COLUMNS);
  const companies: Company[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let skipped = 0;
  let duplicates = 0;
  for (let i = 0; i < data.length; i++) {
    const r = checkRow(data[i], column);
    if (typeof r === 'string') {
      skipped++;
      if (problems.length < MAX_PROBLEMS) problems.push(`data[${i}]: ${r}`);
      continue;
    }
    if (seen.has(r.ticker)) {
      duplicates++;
      continue;
    }
    seen.add(r.ticker);
    companies.push({ symbol: r.ticker, name: r.name, exchange: r.exchange ?? '' });
  }
  return { companies, rows: data.length, skipped, duplicates, problems };
}

/** The rows of the list with their CIK (for the SEC sync), and every row skipped, with its reason. */
export interface TickerListRows {
  readonly rows: TickerListRow[];
  /** Data rows in the document. */
  readonly total: number;
  /** One entry per skipped row: its index in `data` and why. */
  readonly skipped: { readonly row: number; readonly reason: string }[];
}

/**
 * Like parseCompanyTickers, but keeps the CIK of each row (so a company's
 * tickers can be grouped) and venues as null when absent, and reports every
 * skipped row. The cik column is required. A row whose CIK is not an integer
 * 1..9,999,999,999 is skipped, as is a ticker already seen in an earlier row
 * (even under the same CIK). Throws BourseError('config_invalid') naming
 * `source` when the document's shape is wrong.
 */
export function parseTickerListRows(json: unknown, source: string): TickerListRows {
  const { column, data } = columnsOf(json, source, ['cik', ...REQUIRED_COLUMNS]);
  const rows: TickerListRow[] = [];
  const skipped: { row: number; reason: string }[] = [];
  const owner = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const r = checkRow(data[i], column);
    if (typeof r === 'string') {
      skipped.push({ row: i, reason: r });
      continue;
    }
    const rawCik = (data[i] as unknown[])[column.cik];
    const cik = parseCik(rawCik);
    if (cik === undefined) {
      skipped.push({ row: i, reason: `cik ${JSON.stringify(rawCik)} of ${r.ticker} is not a CIK` });
      continue;
    }
    const earlier = owner.get(r.ticker);
    if (earlier !== undefined) {
      skipped.push({ row: i, reason: `ticker ${r.ticker} of CIK ${cik} already listed for CIK ${earlier}` });
      continue;
    }
    owner.set(r.ticker, cik);
    rows.push({ cik, name: r.name, ticker: r.ticker, exchange: r.exchange });
  }
  return { rows, total: data.length, skipped };
}

type Columns<C extends string> = Record<C, number>;

/** Checks the document's overall shape and finds the `required` columns by name. */
function columnsOf<C extends string>(json: unknown, source: string, required: readonly C[]): { column: Columns<C>; data: unknown[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(source, 'is not a JSON object with "fields" and "data"');
  }
  const { fields, data } = json as { fields?: unknown; data?: unknown };
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw invalid(source, 'has no "fields" array of column names');
  }
  const column = {} as Columns<C>;
  for (const c of required) {
    column[c] = fields.indexOf(c);
    if (column[c] < 0) throw invalid(source, `has no "${c}" column in "fields" (found ${JSON.stringify(fields)})`);
  }
  if (!Array.isArray(data)) throw invalid(source, 'has no "data" array of rows');
  return { column, data };
}

/** Validates ticker, name and exchange of one row; returns the reason as a string when it is bad. */
function checkRow(row: unknown, column: Columns<(typeof REQUIRED_COLUMNS)[number]>): { ticker: string; name: string; exchange: string | null } | string {
  if (!Array.isArray(row)) return 'not an array';
  const rawTicker: unknown = row[column.ticker];
  const name: unknown = row[column.name];
  const exchange: unknown = row[column.exchange];
  const ticker = normaliseSymbol(rawTicker);
  if (ticker === undefined) return `ticker ${JSON.stringify(rawTicker)} is not a valid symbol`;
  if (typeof name !== 'string') return `name of ${ticker} is not a string`;
  if (exchange !== null && exchange !== undefined && typeof exchange !== 'string') return `exchange of ${ticker} is neither a string nor null`;
  return { ticker, name: name.trim(), exchange: normaliseExchange(exchange) };
}

function invalid(source: string, what: string, cause?: unknown): BourseError {
  return new BourseError('config_invalid', `SEC company tickers file ${source} ${what}`, cause === undefined ? undefined : { cause });
}

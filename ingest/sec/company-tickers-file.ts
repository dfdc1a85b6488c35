import { readFileSync } from 'node:fs';
import { BourseError } from '../../core/errors.js';
import { normaliseSymbol, type Company } from '../../core/universe.js';

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

/** SEC's venue spellings → the short names of Company.exchange. */
const EXCHANGE_ALIASES: Readonly<Record<string, string>> = { NYS: 'NYSE' };

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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(source, 'is not a JSON object with "fields" and "data"');
  }
  const { fields, data } = json as { fields?: unknown; data?: unknown };
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw invalid(source, 'has no "fields" array of column names');
  }
  const column: Record<(typeof REQUIRED_COLUMNS)[number], number> = { name: -1, ticker: -1, exchange: -1 };
  for (const c of REQUIRED_COLUMNS) {
    column[c] = fields.indexOf(c);
    if (column[c] < 0) throw invalid(source, `has no "${c}" column in "fields" (found ${JSON.stringify(fields)})`);
  }
  if (!Array.isArray(data)) throw invalid(source, 'has no "data" array of rows');

  const companies: Company[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let skipped = 0;
  let duplicates = 0;
  const skip = (index: number, why: string): void => {
    skipped++;
    if (problems.length < MAX_PROBLEMS) problems.push(`data[${index}]: ${why}`);
  };

  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    if (!Array.isArray(row)) {
      skip(i, 'not an array');
      continue;
    }
    const rawTicker: unknown = row[column.ticker];
    const name: unknown = row[column.name];
    const exchange: unknown = row[column.exchange];
    const symbol = normaliseSymbol(rawTicker);
    if (symbol === undefined) {
      skip(i, `ticker ${JSON.stringify(rawTicker)} is not a valid symbol`);
      continue;
    }
    if (typeof name !== 'string') {
      skip(i, `name of ${symbol} is not a string`);
      continue;
    }
    if (exchange !== null && exchange !== undefined && typeof exchange !== 'string') {
      skip(i, `exchange of ${symbol} is neither a string nor null`);
      continue;
    }
    if (seen.has(symbol)) {
      duplicates++;
      continue;
    }
    seen.add(symbol);
    const venue = typeof exchange === 'string' ? exchange.trim() : '';
    companies.push({ symbol, name: name.trim(), exchange: EXCHANGE_ALIASES[venue] ?? venue });
  }
  return { companies, rows: data.length, skipped, duplicates, problems };
}

function invalid(source: string, what: string, cause?: unknown): BourseError {
  return new BourseError('config_invalid', `SEC company tickers file ${source} ${what}`, cause === undefined ? undefined : { cause });
}

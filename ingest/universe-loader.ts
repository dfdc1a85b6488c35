import { EMBEDDED_COMPANIES } from '../core/universe-data.js';
import { BourseError } from '../core/errors.js';
import { Universe, type Company } from '../core/universe.js';
import { readCompanyTickersFile } from './sec/company-tickers-file.js';

export interface UniverseConfig {
  /** Path to an SEC company_tickers_exchange.json; undefined = the embedded list. */
  readonly universeFile?: string | undefined;
  /** Keep at most this many symbols, in the source's order (largest companies first). */
  readonly universeSize: number;
}

/**
 * Builds the universe the server streams: the SEC file named by UNIVERSE_FILE
 * when given, else the embedded list of real US tickers (core/universe-data.ts),
 * truncated to `universeSize`. Synchronous: it runs once, at start-up, before
 * any thread is spawned. Throws BourseError('config_invalid') naming the file
 * when the file cannot be used, or when it holds no valid symbol at all.
 */
export function loadUniverse(config: UniverseConfig): Universe {
  if (!Number.isInteger(config.universeSize) || config.universeSize < 1) {
    throw new RangeError(`universeSize must be a positive integer, got ${config.universeSize}`);
  }
  const file = config.universeFile;
  const companies = file === undefined || file === '' ? EMBEDDED_COMPANIES : fromFile(file);
  return new Universe(companies.slice(0, config.universeSize));
}

function fromFile(path: string): readonly Company[] {
  const parsed = readCompanyTickersFile(path);
  if (parsed.companies.length === 0) {
    throw new BourseError('config_invalid', `UNIVERSE_FILE ${path} holds no valid ticker (${parsed.rows} rows, ${parsed.skipped} skipped: ${parsed.problems.join('; ')})`);
  }
  return parsed.companies;
}

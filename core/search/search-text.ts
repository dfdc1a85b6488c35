/**
 * How text becomes search keys. The index and the query side both go through
 * these functions, so what is indexed and what is looked up always agree.
 *
 * - fold: Unicode compatibility decomposition, combining marks removed, lower
 *   case ("Nestlé" → "nestle", "ＡＰＰ" → "app").
 * - ticker keys: folded, '.' written as '-' (BRK.B and BRK-B are one ticker).
 * - name words: the folded name split on anything that is not a letter or a
 *   digit ("AT&T Inc." → at, t, inc), each distinct word once.
 */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

export function tickerKey(ticker: string): string {
  return fold(ticker).replace(/\./g, '-');
}

const WORD_SPLIT = /[^\p{L}\p{N}]+/u;

export function nameWords(name: string): string[] {
  return [...new Set(fold(name).split(WORD_SPLIT).filter((w) => w.length > 0))];
}

/** Longest query accepted, in characters. */
export const MAX_QUERY_LENGTH = 64;

/**
 * Characters a query may hold: letters and digits of any script, spaces and
 * the punctuation that occurs in tickers and company names. Anything else
 * (control characters, `<`, `%`, `*`, quotes…) is rejected with
 * `invalid_query` rather than silently ignored.
 */
export const QUERY_PATTERN = /^[\p{L}\p{M}\p{N} .\-&',/()+]+$/u;

/** A query as the index consumes it. */
export interface ParsedQuery {
  /** The whole query as a ticker key, when it could be one (no spaces, ticker characters only); else undefined. */
  readonly ticker: string | undefined;
  /** The query's words (name-word prefixes), at least one. */
  readonly words: readonly string[];
}

/** Parses a validated query; undefined when it holds no letter or digit at all. */
export function parseQuery(q: string): ParsedQuery | undefined {
  const trimmed = q.trim();
  const words = nameWords(trimmed);
  if (words.length === 0) return undefined;
  const key = tickerKey(trimmed);
  const ticker = /^[\p{L}\p{N}][\p{L}\p{N}-]*$/u.test(key) ? key : undefined;
  return { ticker, words };
}

import type { CompanyObservation } from './company.js';

/**
 * Where the SEC sync reads companies from. Implementations beside this file:
 * FileCompanySource (documents on disk: the in-process source for single-node
 * runs and tests) and EdgarCompanySource (sec.gov over HTTP). Both parse and
 * validate the SEC's shapes; what comes out is already normalised.
 *
 * Contract of read():
 * - Yields at most one `company` item per CIK per read, in the source's order.
 * - May yield one `expected` item first, once it knows how many companies
 *   will follow (for a progress line).
 * - A bad row or document is yielded as `skipped` (nothing of it was used) and
 *   reading goes on; a problem that did not stop a company from being yielded
 *   (a dropped ticker, a missing submissions document) is a `warning`.
 * - It throws (BourseError) only when reading cannot go on at all: the SEC
 *   refuses access, the network keeps failing, the ticker list is unusable
 *   for a source that needs it. The sync then stops; what was published stays.
 * - Not restartable mid-way: a new read() starts over. The source retries its
 *   own requests; the caller does not.
 * - `signal` aborts reading between items (and pending requests).
 */
export interface CompanySource {
  /** For logs: "file /data/company_tickers_exchange.json", "edgar https://www.sec.gov". */
  readonly description: string;
  read(signal?: AbortSignal): AsyncIterable<SourceItem>;
}

export type SourceItem =
  | { readonly kind: 'expected'; readonly companies: number }
  | { readonly kind: 'company'; readonly company: CompanyObservation }
  | { readonly kind: 'skipped'; readonly problem: SecProblem }
  | { readonly kind: 'warning'; readonly problem: SecProblem };

/** A reported problem: which document or row, and why. */
export interface SecProblem {
  /** "CIK0000320193.json", "company_tickers_exchange.json data[17]", a URL. */
  readonly where: string;
  readonly reason: string;
}

/** The in-process source over a fixed list of items (unit tests, replays of a previous read). */
export class StaticCompanySource implements CompanySource {
  readonly description: string;
  readonly #items: readonly SourceItem[];

  constructor(items: readonly SourceItem[], description = 'static') {
    this.#items = items;
    this.description = description;
  }

  async *read(signal?: AbortSignal): AsyncIterable<SourceItem> {
    for (const item of this.#items) {
      signal?.throwIfAborted();
      yield item;
    }
  }
}

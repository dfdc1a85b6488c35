import { normaliseSymbol } from '../../core/universe.js';
import { companyContentHash, type CompanyRecord } from './company.js';

/** One company whose record changed; `before` is undefined for a company new to the directory. */
export interface CompanyChange {
  readonly before: CompanyRecord | undefined;
  readonly after: CompanyRecord;
}

/**
 * The in-memory company directory: every company by CIK and by ticker.
 * Filled by CompanyDirectoryConsumer from stream SEC (or directly, in tests
 * and single-node runs without NATS).
 *
 * upsert() applies a batch and then calls each onChange listener once with
 * the batch's real changes (an identical record is not a change), so a
 * listener that rebuilds the symbol universe or a search index runs once per
 * batch, not once per company (the first load is ≈ 8,000 companies).
 * Listeners run synchronously after the batch is applied; one that throws
 * does not stop the others or undo the batch (its error goes to onError).
 *
 * Tickers: a ticker belongs to the company that most recently listed it. If
 * the SEC moves a ticker to another CIK, getByTicker follows the newer
 * record even while the older company's record still lists it.
 * Single-threaded: no locks; readers on other threads get a snapshot.
 */
export class CompanyDirectory {
  readonly #byCik = new Map<number, CompanyRecord>();
  readonly #hashes = new Map<number, string>();
  readonly #byTicker = new Map<string, number>();
  readonly #listeners = new Set<(changes: readonly CompanyChange[]) => void>();
  readonly #onError: (err: unknown) => void;

  constructor(opts: { onError?: (err: unknown) => void } = {}) {
    this.#onError = opts.onError ?? (() => {});
  }

  /** Companies held. */
  get size(): number {
    return this.#byCik.size;
  }

  /** Tickers that resolve to a company. */
  get tickerCount(): number {
    return this.#byTicker.size;
  }

  getByCik(cik: number): CompanyRecord | undefined {
    return this.#byCik.get(cik);
  }

  /** Case-insensitive; undefined for an unknown or malformed ticker. */
  getByTicker(ticker: string): CompanyRecord | undefined {
    const t = normaliseSymbol(ticker);
    const cik = t === undefined ? undefined : this.#byTicker.get(t);
    return cik === undefined ? undefined : this.#byCik.get(cik);
  }

  companies(): IterableIterator<CompanyRecord> {
    return this.#byCik.values();
  }

  /** Calls `fn` after every upsert that changed something; returns the unsubscribe function. */
  onChange(fn: (changes: readonly CompanyChange[]) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Applies records in order (a later record of the same CIK wins) and returns the changes it made. */
  upsert(records: readonly CompanyRecord[]): CompanyChange[] {
    const changes: CompanyChange[] = [];
    for (const after of records) {
      const hash = companyContentHash(after);
      const before = this.#byCik.get(after.cik);
      if (before !== undefined && this.#hashes.get(after.cik) === hash && before.updatedAt === after.updatedAt) continue;
      if (before) for (const t of before.tickers) if (this.#byTicker.get(t.ticker) === after.cik) this.#byTicker.delete(t.ticker);
      for (const t of after.tickers) this.#byTicker.set(t.ticker, after.cik);
      this.#byCik.set(after.cik, after);
      this.#hashes.set(after.cik, hash);
      changes.push({ before, after });
    }
    if (changes.length > 0) {
      for (const fn of this.#listeners) {
        try {
          fn(changes);
        } catch (err) {
          this.#onError(err);
        }
      }
    }
    return changes;
  }
}

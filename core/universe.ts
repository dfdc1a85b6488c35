/** One listed security the server knows. Index in the universe = its symbol id. */
export interface Company {
  readonly symbol: string;
  readonly name: string;
  /** Listing venue as a short name ("Nasdaq", "NYSE", "OTC", "CBOE"), or "" when unknown. */
  readonly exchange: string;
}

/** Ticker syntax accepted anywhere (after upper-casing): letters, digits, '.', '-'; 1–12 chars, starting with a letter. */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,11}$/;

/** Upper-cases and checks a client-supplied symbol; returns undefined when it is not a valid ticker. */
export function normaliseSymbol(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 12) return undefined;
  const s = input.toUpperCase();
  return SYMBOL_PATTERN.test(s) ? s : undefined;
}

/** What changed in one Universe.extend(): ids of appended symbols and of symbols whose name or exchange changed. */
export interface UniverseChange {
  readonly added: readonly number[];
  readonly updated: readonly number[];
}

/**
 * The set of symbols the server streams. Append-only: symbol ids are dense
 * indexes 0..size-1 and an id, once given, names the same symbol for the
 * life of the process (shared tables are indexed by it in every thread), so
 * a listing that disappears keeps its id, and a new one is appended.
 * Every thread holds its own copy and applies the same extend() calls in the
 * same order (the supervisor broadcasts them), so ids agree across threads.
 * Single-threaded within a thread: extend() runs between event-loop turns.
 */
export class Universe {
  readonly #companies: Company[] = [];
  readonly #ids = new Map<string, number>();
  #version = 1;

  constructor(companies: readonly Company[]) {
    this.#append(companies);
  }

  /** Every company by id. A live view: it grows when the universe is extended. */
  get companies(): readonly Company[] {
    return this.#companies;
  }

  get size(): number {
    return this.#companies.length;
  }

  /** Increases by one per extend() that changed anything. */
  get version(): number {
    return this.#version;
  }

  /** The symbol id, or -1 when the symbol is not in the universe. */
  id(symbol: string): number {
    return this.#ids.get(symbol) ?? -1;
  }

  symbol(id: number): string {
    return this.#companies[id].symbol;
  }

  /**
   * Appends the companies whose symbols are new (in the order given; invalid
   * or duplicate symbols skipped) and updates the name and exchange of those
   * already known. Existing ids never change.
   */
  extend(companies: readonly Company[]): UniverseChange {
    const updated: number[] = [];
    const fresh: Company[] = [];
    for (const c of companies) {
      const symbol = normaliseSymbol(c.symbol);
      if (!symbol) continue;
      const id = this.#ids.get(symbol);
      if (id === undefined) fresh.push(c);
      else if (this.#companies[id].name !== c.name || this.#companies[id].exchange !== c.exchange) {
        this.#companies[id] = Object.freeze({ symbol, name: c.name, exchange: c.exchange });
        updated.push(id);
      }
    }
    const added = this.#append(fresh);
    if (added.length || updated.length) this.#version++;
    return { added, updated };
  }

  #append(companies: readonly Company[]): number[] {
    const added: number[] = [];
    for (const c of companies) {
      const symbol = normaliseSymbol(c.symbol);
      if (!symbol || this.#ids.has(symbol)) continue;
      this.#ids.set(symbol, this.#companies.length);
      added.push(this.#companies.length);
      this.#companies.push(Object.freeze({ symbol, name: c.name, exchange: c.exchange }));
    }
    return added;
  }
}

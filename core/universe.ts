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

/**
 * The set of symbols the server streams. Immutable: a change builds a new one.
 * Symbol ids are dense indexes 0..size-1, stable for the life of the value.
 */
export class Universe {
  readonly companies: readonly Company[];
  readonly #ids: Map<string, number>;

  constructor(companies: readonly Company[]) {
    const ids = new Map<string, number>();
    const kept: Company[] = [];
    for (const c of companies) {
      const symbol = normaliseSymbol(c.symbol);
      if (!symbol || ids.has(symbol)) continue;
      ids.set(symbol, kept.length);
      kept.push(Object.freeze({ symbol, name: c.name, exchange: c.exchange }));
    }
    this.companies = Object.freeze(kept);
    this.#ids = ids;
  }

  get size(): number {
    return this.companies.length;
  }

  /** The symbol id, or -1 when the symbol is not in the universe. */
  id(symbol: string): number {
    return this.#ids.get(symbol) ?? -1;
  }

  symbol(id: number): string {
    return this.companies[id].symbol;
  }
}

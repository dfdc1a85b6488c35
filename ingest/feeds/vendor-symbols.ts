import { BourseError } from '../../core/errors.js';
import type { Universe } from '../../core/universe.js';

/**
 * Vendor tickers ↔ universe ids. Vendors write share classes with a dot
 * (BRK.B), the SEC list the universe comes from with a dash (BRK-B): a vendor
 * ticker resolves to the universe symbol of the same spelling, else to the one
 * with '.' read as '-'.
 */
export class VendorSymbols {
  /** The configured tickers, upper case, deduplicated, as they are sent to the vendor. */
  readonly list: readonly string[];
  readonly #universe: Universe;
  readonly #ids = new Map<string, number>();

  /** Throws BourseError('config_invalid') naming `feed` when the list is empty or a ticker is not in the universe. */
  constructor(feed: string, universe: Universe, symbols: readonly string[]) {
    this.#universe = universe;
    const list = [...new Set(symbols.map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0))];
    if (list.length === 0) throw new BourseError('config_invalid', `${feed}: no symbols to subscribe to`);
    const missing: string[] = [];
    for (const s of list) {
      const id = this.#resolve(s);
      if (id < 0) missing.push(s);
      else this.#ids.set(s, id);
    }
    if (missing.length > 0) throw new BourseError('config_invalid', `${feed}: not in the universe: ${missing.join(', ')}`);
    this.list = Object.freeze(list);
  }

  /** The universe id of a ticker a vendor sent, or -1 (the cache holds configured tickers only, so bad input cannot grow it). */
  id(vendorSymbol: string): number {
    return this.#ids.get(vendorSymbol) ?? this.#resolve(vendorSymbol);
  }

  #resolve(s: string): number {
    const id = this.#universe.id(s);
    return id >= 0 || !s.includes('.') ? id : this.#universe.id(s.replaceAll('.', '-'));
  }
}

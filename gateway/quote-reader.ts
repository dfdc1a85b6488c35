import { QUOTE_FIELDS, QuoteField, emptyQuoteRecord, snapshotMessage, type SnapshotMessage, type SymbolDirectory, type Universe } from '../core/index.js';
import type { QuoteTable } from '../actors/quote-table.js';

/**
 * Reads symbols' published state straight from the shards' shared quote
 * tables (no round trip to the actors), for snapshots and REST.
 */
export class QuoteReader {
  readonly #universe: Universe;
  readonly #directory: SymbolDirectory;
  readonly #tables: readonly QuoteTable[];
  readonly #scratch = new Float64Array(QUOTE_FIELDS);

  constructor(universe: Universe, directory: SymbolDirectory, tables: readonly QuoteTable[]) {
    this.#universe = universe;
    this.#directory = directory;
    this.#tables = tables;
  }

  /** The last published seq of a symbol (0 = nothing published yet). */
  seq(symbolId: number): number {
    this.#read(symbolId);
    return this.#scratch[QuoteField.seq];
  }

  snapshot(symbolId: number, now: number): SnapshotMessage {
    this.#read(symbolId);
    const c = this.#universe.companies[symbolId];
    return snapshotMessage(c.symbol, c.name, c.exchange, this.#scratch, now);
  }

  /** Total reader retries (seqlock contention) across this thread's tables. */
  get retries(): number {
    let n = 0;
    for (const t of this.#tables) n += t.readerStats.retries;
    return n;
  }

  #read(symbolId: number): void {
    const d = this.#directory;
    this.#tables[d.shardOf[symbolId]].read(d.slotOf[symbolId], this.#scratch);
    // A slot nothing was published to is all zeros; the protocol says unknown fields are null, not 0.
    if (this.#scratch[QuoteField.seq] === 0) this.#scratch.set(EMPTY);
  }
}

const EMPTY = emptyQuoteRecord();

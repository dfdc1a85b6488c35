import type { Universe } from './universe.js';

/**
 * How much room the shared tables have: symbol ids below `capacity`, and per
 * shard `shardCapacity[s]` quote-table slots. Fixed when the supervisor
 * allocates the shared memory (the universe at start plus UNIVERSE_HEADROOM
 * per shard) and handed to every thread, so a thread restarted after the
 * universe grew still agrees on the layout.
 */
export interface DirectoryLayout {
  readonly capacity: number;
  readonly shardCapacity: readonly number[];
}

/**
 * The symbol directory: symbol id → (shard, slot in that shard's quote table).
 *
 * Placement is a stable hash of the ticker, so a symbol lands on the same
 * shard in every process and after restarts, whatever order the universe
 * lists it in. Slots are given in id order, so extending the universe
 * appends slots and never moves an existing symbol. The id arrays are
 * allocated at capacity and never reallocated: a thread may keep a reference
 * to shardOf; `size` says how many entries are placed.
 */
export class SymbolDirectory {
  readonly shards: number;
  readonly layout: DirectoryLayout;
  /** shardOf[id] = shard index (valid for id < size). */
  readonly shardOf: Uint16Array;
  /** slotOf[id] = record index in the shard's quote table (valid for id < size). */
  readonly slotOf: Uint32Array;
  #symbolsOf: Uint32Array[];
  #size = 0;

  constructor(universe: Universe, shards: number, layout?: DirectoryLayout) {
    if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
    this.shards = shards;
    this.layout = layout ?? SymbolDirectory.layoutFor(universe, shards, 0);
    if (this.layout.shardCapacity.length !== shards) throw new RangeError('layout has another shard count');
    this.shardOf = new Uint16Array(this.layout.capacity);
    this.slotOf = new Uint32Array(this.layout.capacity);
    this.#symbolsOf = Array.from({ length: shards }, () => new Uint32Array(0));
    const placed = this.extend(universe);
    if (placed < universe.size) throw new RangeError(`the layout has room for ${placed} of ${universe.size} symbols`);
  }

  /** The layout for `universe` with `headroom` more slots per shard (and ids) for symbols added later. */
  static layoutFor(universe: Universe, shards: number, headroom: number): DirectoryLayout {
    const counts = new Array<number>(shards).fill(0);
    for (let id = 0; id < universe.size; id++) counts[shardForSymbol(universe.symbol(id), shards)]++;
    return { capacity: universe.size + headroom, shardCapacity: counts.map((n) => n + headroom) };
  }

  /** Symbols placed (ids 0..size-1). */
  get size(): number {
    return this.#size;
  }

  /** symbolsOf[shard] = the symbol ids it owns, in slot order. */
  get symbolsOf(): readonly Uint32Array[] {
    return this.#symbolsOf;
  }

  /** Whether one more symbol hashed like `symbol` still has a slot. */
  hasRoomFor(symbol: string): boolean {
    const s = shardForSymbol(symbol, this.shards);
    return this.#size < this.layout.capacity && this.#symbolsOf[s].length < this.layout.shardCapacity[s];
  }

  /**
   * Places the universe's ids from `size` on: each gets the next slot of its
   * shard. Stops at the first symbol without room (the caller checks
   * hasRoomFor before extending the universe). Returns the new size.
   */
  extend(universe: Universe): number {
    const from = this.#size;
    if (from >= universe.size) return from;
    const lists = this.#symbolsOf.map((a) => Array.from(a));
    let id = from;
    for (; id < universe.size; id++) {
      const shard = shardForSymbol(universe.symbol(id), this.shards);
      if (id >= this.layout.capacity || lists[shard].length >= this.layout.shardCapacity[shard]) break;
      this.shardOf[id] = shard;
      this.slotOf[id] = lists[shard].length;
      lists[shard].push(id);
    }
    if (id > from) {
      this.#symbolsOf = lists.map((l) => Uint32Array.from(l));
      this.#size = id;
    }
    return this.#size;
  }
}

/** FNV-1a 32-bit over the ticker's UTF-16 code units, modulo the shard count. */
export function shardForSymbol(symbol: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

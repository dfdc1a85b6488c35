import type { Universe } from './universe.js';

/**
 * The symbol directory: symbol id → (shard, slot in that shard's quote table).
 *
 * Read-mostly and replaced whole on change (never mutated in place), so every
 * thread can hold one without locks; `version` tells two apart. Placement is a
 * stable hash of the ticker, so a symbol lands on the same shard in every
 * process and after restarts, whatever order the universe lists it in.
 */
export class SymbolDirectory {
  readonly version: number;
  readonly shards: number;
  /** shardOf[id] = shard index. */
  readonly shardOf: Uint16Array;
  /** slotOf[id] = record index in the shard's quote table. */
  readonly slotOf: Uint32Array;
  /** symbolsOf[shard] = the symbol ids it owns, in slot order. */
  readonly symbolsOf: readonly Uint32Array[];

  constructor(universe: Universe, shards: number, version = 1) {
    if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
    this.version = version;
    this.shards = shards;
    const n = universe.size;
    this.shardOf = new Uint16Array(n);
    this.slotOf = new Uint32Array(n);
    const lists: number[][] = Array.from({ length: shards }, () => []);
    for (let id = 0; id < n; id++) {
      const shard = shardForSymbol(universe.symbol(id), shards);
      this.shardOf[id] = shard;
      this.slotOf[id] = lists[shard].length;
      lists[shard].push(id);
    }
    this.symbolsOf = lists.map((l) => Uint32Array.from(l));
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

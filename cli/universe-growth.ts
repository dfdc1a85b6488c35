import { normaliseSymbol, shardForSymbol, type Company, type SymbolDirectory, type Universe } from '../core/index.js';

/**
 * Which of `listed` the running server can take: every listing it already
 * has (its name or venue may have changed), and new ones while the shared
 * tables have room (the layout's capacity and each shard's slots) and the
 * universe stays within `maxSize`. The rest are refused until a restart
 * lays the tables out again.
 */
export function admitListings(universe: Universe, directory: SymbolDirectory, listed: readonly Company[], maxSize: number): { admitted: Company[]; refused: string[] } {
  const { layout, shards } = directory;
  const counts = directory.symbolsOf.map((ids) => ids.length);
  let size = universe.size;
  const admitted: Company[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  for (const c of listed) {
    const symbol = normaliseSymbol(c.symbol);
    if (!symbol || seen.has(symbol)) continue;
    seen.add(symbol);
    if (universe.id(symbol) >= 0) {
      admitted.push(c);
      continue;
    }
    const s = shardForSymbol(symbol, shards);
    if (size < maxSize && size < layout.capacity && counts[s] < layout.shardCapacity[s]) {
      counts[s]++;
      size++;
      admitted.push(c);
    } else refused.push(symbol);
  }
  return { admitted, refused };
}

import * as L from './search-layout.js';
import type { ParsedQuery } from './search-text.js';

/** How a result matched, best first; results are ordered by (tier, ordinal). */
export const Tier = { exactTicker: 0, tickerPrefix: 1, nameWord: 2 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];
export const TIER_NAMES = ['ticker', 'ticker_prefix', 'name'] as const;

export interface SearchHit {
  readonly ticker: string;
  readonly name: string;
  readonly exchange: string | null;
  readonly sic: number | null;
  readonly sicDescription: string | null;
  readonly match: (typeof TIER_NAMES)[number];
  readonly tier: Tier;
  /** Popularity rank (0 = most popular); with `tier`, the keyset position of this hit. */
  readonly ordinal: number;
}

/** Keyset position: results strictly after (tier, ordinal). */
export interface SearchPosition {
  readonly tier: number;
  readonly ordinal: number;
}

export interface SearchOptions {
  /** 1..n results wanted. */
  readonly limit: number;
  readonly after?: SearchPosition;
  /** Venue name, case-insensitive ("nasdaq"); an unknown venue matches nothing. */
  readonly exchange?: string;
  /** SIC code: only companies with this code. */
  readonly sic?: number;
}

export interface SearchResult {
  readonly hits: SearchHit[];
  /** Whether more results follow the last hit. */
  readonly more: boolean;
}

/**
 * Read-only view of an index buffer (search-layout.ts). Any number of threads
 * may hold a SearchIndex over the same SharedArrayBuffer: it never writes the
 * buffer. The only per-instance state is a scratch array for deduplication,
 * so one instance must not be used by two threads (each thread makes its own;
 * it costs 4 bytes per entry).
 *
 * A query walks the tree to the node of the prefix, then reads the runs of
 * postings below it, keeping the `limit + 1` best (tier, ordinal) past the
 * cursor in a small sorted array: O(|prefix| + log(keys) + run length), and
 * for long runs usually O(|prefix| + log(keys) + limit) through the node's
 * best-entries list.
 */
export class SearchIndex {
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  readonly builtAt: number;
  readonly #nodes: Int32Array;
  readonly #entries: Int32Array;
  readonly #tickers: Int32Array;
  readonly #words: Int32Array;
  readonly #tops: Int32Array;
  readonly #strings: Uint16Array;
  readonly #exchangeNames: readonly string[];
  readonly #exchangeIds: ReadonlyMap<string, number>;
  readonly #root: number;
  readonly #seen: Int32Array;
  #stamp = 0;

  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < L.HEADER_BYTES) throw new TypeError('not a search index buffer');
    const h = new Int32Array(buffer, 0, L.HEADER_WORDS);
    if (h[L.H_MAGIC] !== L.LAYOUT_MAGIC || h[L.H_VERSION] !== L.LAYOUT_VERSION) throw new TypeError(`search index layout ${h[L.H_MAGIC].toString(16)}/${h[L.H_VERSION]} is not ${L.LAYOUT_MAGIC.toString(16)}/${L.LAYOUT_VERSION}`);
    this.buffer = buffer;
    this.size = h[L.H_ENTRY_COUNT];
    this.builtAt = new Float64Array(buffer, L.HEADER_BUILT_AT_BYTE, 1)[0];
    this.#nodes = new Int32Array(buffer, h[L.H_NODES_OFFSET], h[L.H_NODE_COUNT] * L.NODE_STRIDE);
    this.#entries = new Int32Array(buffer, h[L.H_ENTRIES_OFFSET], this.size * L.ENTRY_STRIDE);
    this.#tickers = new Int32Array(buffer, h[L.H_TICKERS_OFFSET], h[L.H_TICKER_POSTINGS]);
    this.#words = new Int32Array(buffer, h[L.H_WORDS_OFFSET], h[L.H_WORD_POSTINGS]);
    this.#tops = new Int32Array(buffer, h[L.H_TOPS_OFFSET], h[L.H_TOP_WORDS]);
    this.#strings = new Uint16Array(buffer, h[L.H_STRINGS_OFFSET], h[L.H_STRING_UNITS]);
    const ex = new Int32Array(buffer, h[L.H_EXCHANGES_OFFSET], h[L.H_EXCHANGE_COUNT] * 2);
    const names: string[] = [];
    for (let i = 0; i < ex.length; i += 2) names.push(this.#string(ex[i], ex[i + 1]));
    this.#exchangeNames = names;
    this.#exchangeIds = new Map(names.map((n, i) => [n.toLowerCase(), i]));
    this.#root = h[L.H_ROOT];
    this.#seen = new Int32Array(this.size);
  }

  /** Venue names present in the index. */
  get exchanges(): readonly string[] {
    return this.#exchangeNames;
  }

  search(q: ParsedQuery, o: SearchOptions): SearchResult {
    const want = o.limit + 1;
    const best = new Collector();
    let exchange = -2; // -2: no filter
    if (o.exchange !== undefined) {
      exchange = this.#exchangeIds.get(o.exchange.toLowerCase()) ?? -3;
      if (exchange === -3) return { hits: [], more: false };
    }
    const sic = o.sic ?? -2;
    const afterTier = o.after?.tier ?? -1;
    const afterOrd = o.after?.ordinal ?? -1;
    const E = this.#entries;
    const N = this.#nodes;
    const pass = (e: number): boolean => (exchange === -2 || E[e * L.ENTRY_STRIDE + L.E_EXCHANGE] === exchange) && (sic === -2 || E[e * L.ENTRY_STRIDE + L.E_SIC] === sic);
    const after = (tier: Tier, e: number): boolean => tier > afterTier || (tier === afterTier && e > afterOrd);
    const results: { e: number; tier: Tier }[] = [];
    const take = (tier: Tier) => {
      for (const e of best.drain()) results.push({ e, tier });
    };

    // Tiers 0 and 1: the ticker run of the whole query; exact keys sort first in it.
    const ticker = q.ticker;
    if (ticker !== undefined) {
      const node = this.#find(ticker);
      if (node !== -1) {
        const from = N[node * L.NODE_STRIDE + L.N_TICKER_FROM];
        const to = N[node * L.NODE_STRIDE + L.N_TICKER_TO];
        best.reset(want);
        for (let p = from; p < to; p++) {
          const e = this.#tickers[p];
          if (E[e * L.ENTRY_STRIDE + L.E_TICKER_KEY_LEN] !== ticker.length) break;
          if (after(Tier.exactTicker, e) && pass(e)) best.offer(e);
        }
        take(Tier.exactTicker);
        if (results.length < want && afterTier <= Tier.tickerPrefix) {
          best.reset(want - results.length);
          const accept = (e: number) => E[e * L.ENTRY_STRIDE + L.E_TICKER_KEY_LEN] !== ticker.length && after(Tier.tickerPrefix, e) && pass(e);
          this.#collect(node, L.N_TICKER_TOP, from, to, this.#tickers, best, accept, false);
          take(Tier.tickerPrefix);
        }
      }
    }

    // Tier 2: name words. The query word with the shortest run drives; every other
    // word must prefix a word of the name. Listings matched by ticker are not repeated.
    if (results.length < want && afterTier <= Tier.nameWord) {
      let driver = -1;
      let node = -1;
      let from = 0;
      let to = 0;
      for (let i = 0; i < q.words.length; i++) {
        const n = this.#find(q.words[i]);
        if (n === -1) return this.#page(results, o.limit);
        const f = N[n * L.NODE_STRIDE + L.N_WORD_FROM];
        const t = N[n * L.NODE_STRIDE + L.N_WORD_TO];
        if (driver === -1 || t - f < to - from) [driver, node, from, to] = [i, n, f, t];
      }
      best.reset(want - results.length);
      const accept = (e: number) =>
        after(Tier.nameWord, e) && pass(e) && (ticker === undefined || !this.#tickerKeyStartsWith(e, ticker)) && (q.words.length === 1 || this.#hasAllWords(e, q.words, driver));
      this.#collect(node, L.N_WORD_TOP, from, to, this.#words, best, accept, true);
      take(Tier.nameWord);
    }
    return this.#page(results, o.limit);
  }

  /**
   * Offers `best` the accepted entries of run [from, to) of `postings` under
   * `node`: from the node's best-entries list when it has one and that list
   * decides the page (filled, or complete), else by scanning the run
   * (deduplicated with the stamp array when a run may repeat an entry).
   */
  #collect(node: number, topField: number, from: number, to: number, postings: Int32Array, best: Collector, accept: (e: number) => boolean, dedup: boolean): void {
    if (best.full) return;
    const top = this.#nodes[node * L.NODE_STRIDE + topField];
    if (top !== -1) {
      const T = this.#tops;
      const count = T[top + L.TOP_COUNT];
      for (let i = 0; i < count && !best.full; i++) {
        const e = T[top + L.TOP_IDS + i];
        if (accept(e)) best.offer(e);
      }
      if (best.full || T[top + L.TOP_COMPLETE] === 1) return;
      best.clear();
    }
    if (!dedup) {
      for (let p = from; p < to; p++) if (accept(postings[p])) best.offer(postings[p]);
      return;
    }
    const stamp = this.#nextStamp();
    const seen = this.#seen;
    for (let p = from; p < to; p++) {
      const e = postings[p];
      if (seen[e] === stamp) continue;
      seen[e] = stamp;
      if (accept(e)) best.offer(e);
    }
  }

  #tickerKeyStartsWith(e: number, prefix: string): boolean {
    const b = e * L.ENTRY_STRIDE;
    if (this.#entries[b + L.E_TICKER_KEY_LEN] < prefix.length) return false;
    const off = this.#entries[b + L.E_TICKER_KEY_OFF];
    for (let i = 0; i < prefix.length; i++) if (this.#strings[off + i] !== prefix.charCodeAt(i)) return false;
    return true;
  }

  /** The hit for entry `ordinal` as if it matched at `tier`. */
  hit(ordinal: number, tier: Tier): SearchHit {
    const b = ordinal * L.ENTRY_STRIDE;
    const E = this.#entries;
    const x = E[b + L.E_EXCHANGE];
    const sic = E[b + L.E_SIC];
    const industryLen = E[b + L.E_INDUSTRY_LEN];
    return {
      ticker: this.#string(E[b + L.E_TICKER_OFF], E[b + L.E_TICKER_LEN]),
      name: this.#string(E[b + L.E_NAME_OFF], E[b + L.E_NAME_LEN]),
      exchange: x >= 0 ? this.#exchangeNames[x] : null,
      sic: sic >= 0 ? sic : null,
      sicDescription: industryLen > 0 ? this.#string(E[b + L.E_INDUSTRY_OFF], industryLen) : null,
      match: TIER_NAMES[tier],
      tier,
      ordinal,
    };
  }

  #page(results: { e: number; tier: Tier }[], limit: number): SearchResult {
    return { hits: results.slice(0, limit).map((r) => this.hit(r.e, r.tier)), more: results.length > limit };
  }

  #nextStamp(): number {
    if (++this.#stamp === 0x7fffffff) {
      this.#seen.fill(0);
      this.#stamp = 1;
    }
    return this.#stamp;
  }

  /** The node spelling `key` (its last character), or -1. */
  #find(key: string): number {
    const N = this.#nodes;
    let node = this.#root;
    let d = 0;
    while (node !== -1) {
      const b = node * L.NODE_STRIDE;
      const ch = key.charCodeAt(d);
      const here = N[b + L.N_CHAR];
      if (ch < here) node = N[b + L.N_LO];
      else if (ch > here) node = N[b + L.N_HI];
      else if (++d === key.length) return node;
      else node = N[b + L.N_EQ];
    }
    return -1;
  }

  /** Whether every query word but the driver starts some word of entry `e`'s name. */
  #hasAllWords(e: number, words: readonly string[], driver: number): boolean {
    const b = e * L.ENTRY_STRIDE;
    const off = this.#entries[b + L.E_WORDS_OFF];
    const len = this.#entries[b + L.E_WORDS_LEN];
    const S = this.#strings;
    for (let i = 0; i < words.length; i++) {
      if (i === driver) continue;
      const w = words[i];
      let found = false;
      for (let start = 0; start < len && !found; ) {
        let k = 0;
        while (k < w.length && start + k < len && S[off + start + k] === w.charCodeAt(k)) k++;
        if (k === w.length) found = true;
        else {
          // Next word: after the next space.
          let s = start;
          while (s < len && S[off + s] !== 0x20) s++;
          start = s + 1;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  #string(off: number, len: number): string {
    return len === 0 ? '' : String.fromCharCode.apply(null, this.#strings.subarray(off, off + len) as unknown as number[]);
  }
}

/** The `capacity` smallest entry ids offered, in ascending order. */
class Collector {
  readonly #a: number[] = [];
  #capacity = 0;

  reset(capacity: number): void {
    this.#a.length = 0;
    this.#capacity = Math.max(0, capacity);
  }

  /** Forgets what was offered, keeping the capacity. */
  clear(): void {
    this.#a.length = 0;
  }

  get full(): boolean {
    return this.#a.length >= this.#capacity;
  }

  offer(e: number): void {
    const a = this.#a;
    if (this.#capacity === 0) return;
    if (a.length === this.#capacity) {
      if (e >= a[a.length - 1]) return;
      a.pop();
    }
    let i = a.length;
    while (i > 0 && a[i - 1] > e) i--;
    a.splice(i, 0, e);
  }

  drain(): number[] {
    const out = this.#a.slice();
    this.#a.length = 0;
    return out;
  }
}

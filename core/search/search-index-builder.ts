import * as L from './search-layout.js';
import { nameWords, tickerKey } from './search-text.js';

/** One searchable listing, as the builder takes it. */
export interface SearchCompany {
  readonly ticker: string;
  readonly name: string;
  /** Venue ("Nasdaq", "NYSE"…); null or "" when unknown. */
  readonly exchange: string | null;
  readonly sic: number | null;
  readonly sicDescription: string | null;
}

export interface BuildOptions {
  /** Runs longer than this many postings get a best-entries list (N_TICKER_TOP / N_WORD_TOP). */
  readonly topMinRun?: number;
  /** Entries per list; at least the largest page (50) + 1, plus room for entries a query skips. */
  readonly topSize?: number;
}

export const DEFAULT_TOP_MIN_RUN = 256;
export const DEFAULT_TOP_SIZE = 96;

export interface BuildStats {
  readonly entries: number;
  readonly nodes: number;
  readonly tickerPostings: number;
  readonly wordPostings: number;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Builds the index of `companies`, given in ordinal order (most popular
 * first; the order ties are broken by). Pure and synchronous: it runs on the
 * store thread (or any thread off the request path) and returns a buffer that
 * is complete before anyone else can see it. See search-layout.ts for the
 * layout.
 */
export function buildSearchIndex(companies: readonly SearchCompany[], builtAt: number, opts: BuildOptions = {}): { buffer: SharedArrayBuffer; stats: BuildStats } {
  const started = performance.now();
  const strings = new StringTable();
  const exchanges = new Map<string, number>();
  const entries = new Int32Array(companies.length * L.ENTRY_STRIDE);
  // Key → entry ids; ids are pushed in ordinal order, so each list is sorted.
  const tickerLists = new Map<string, number[]>();
  const wordLists = new Map<string, number[]>();
  const push = (lists: Map<string, number[]>, key: string, e: number) => {
    const list = lists.get(key);
    if (list) list.push(e);
    else lists.set(key, [e]);
  };
  for (let i = 0; i < companies.length; i++) {
    const c = companies[i];
    const e = i * L.ENTRY_STRIDE;
    const tkey = tickerKey(c.ticker);
    const words = nameWords(c.name);
    push(tickerLists, tkey, i);
    for (const w of words) push(wordLists, w, i);
    let x = -1;
    if (c.exchange) {
      x = exchanges.get(c.exchange) ?? exchanges.size;
      exchanges.set(c.exchange, x);
    }
    entries[e + L.E_TICKER_OFF] = strings.add(c.ticker);
    entries[e + L.E_TICKER_LEN] = c.ticker.length;
    entries[e + L.E_NAME_OFF] = strings.add(c.name);
    entries[e + L.E_NAME_LEN] = c.name.length;
    entries[e + L.E_EXCHANGE] = x;
    entries[e + L.E_SIC] = c.sic !== null && Number.isInteger(c.sic) && c.sic >= 0 && c.sic <= 9999 ? c.sic : -1;
    const industry = c.sicDescription ?? '';
    entries[e + L.E_INDUSTRY_OFF] = strings.add(industry);
    entries[e + L.E_INDUSTRY_LEN] = industry.length;
    const joined = words.join(' ');
    entries[e + L.E_WORDS_OFF] = strings.add(joined);
    entries[e + L.E_WORDS_LEN] = joined.length;
    entries[e + L.E_TICKER_KEY_OFF] = strings.add(tkey);
    entries[e + L.E_TICKER_KEY_LEN] = tkey.length;
  }

  // Postings in key order; every key's run recorded on the nodes of its path.
  const tree = new TreeBuilder();
  const keys = [...new Set([...tickerLists.keys(), ...wordLists.keys()])].sort();
  tree.insertBalanced(keys, 0, keys.length);
  const tickerPostings = tree.lay(keys, tickerLists, L.N_TICKER_FROM);
  const wordPostings = tree.lay(keys, wordLists, L.N_WORD_FROM);
  const tops = tree.tops(tickerPostings, wordPostings, opts.topMinRun ?? DEFAULT_TOP_MIN_RUN, opts.topSize ?? DEFAULT_TOP_SIZE);

  const exchangeTable = new Int32Array(exchanges.size * 2);
  for (const [name, x] of exchanges) {
    exchangeTable[x * 2] = strings.add(name);
    exchangeTable[x * 2 + 1] = name.length;
  }

  // Sections, each at a 4-byte-aligned offset (the strings section last: its length is in 2-byte units).
  const nodes = tree.nodes();
  let at = L.HEADER_BYTES;
  const place = (bytes: number) => {
    const off = at;
    at += bytes;
    return off;
  };
  const nodesOff = place(nodes.byteLength);
  const entriesOff = place(entries.byteLength);
  const tickersOff = place(tickerPostings.byteLength);
  const wordsOff = place(wordPostings.byteLength);
  const topsOff = place(tops.byteLength);
  const exchangesOff = place(exchangeTable.byteLength);
  const stringsOff = place(strings.units * 2);
  const buffer = new SharedArrayBuffer(Math.ceil(at / 8) * 8);

  new Int32Array(buffer, nodesOff, nodes.length).set(nodes);
  new Int32Array(buffer, entriesOff, entries.length).set(entries);
  new Int32Array(buffer, tickersOff, tickerPostings.length).set(tickerPostings);
  new Int32Array(buffer, wordsOff, wordPostings.length).set(wordPostings);
  new Int32Array(buffer, topsOff, tops.length).set(tops);
  new Int32Array(buffer, exchangesOff, exchangeTable.length).set(exchangeTable);
  strings.writeTo(new Uint16Array(buffer, stringsOff, strings.units));

  const h = new Int32Array(buffer, 0, L.HEADER_WORDS);
  h[L.H_MAGIC] = L.LAYOUT_MAGIC;
  h[L.H_VERSION] = L.LAYOUT_VERSION;
  h[L.H_ENTRY_COUNT] = companies.length;
  h[L.H_NODE_COUNT] = nodes.length / L.NODE_STRIDE;
  h[L.H_TICKER_POSTINGS] = tickerPostings.length;
  h[L.H_WORD_POSTINGS] = wordPostings.length;
  h[L.H_EXCHANGE_COUNT] = exchanges.size;
  h[L.H_STRING_UNITS] = strings.units;
  h[L.H_NODES_OFFSET] = nodesOff;
  h[L.H_ENTRIES_OFFSET] = entriesOff;
  h[L.H_TICKERS_OFFSET] = tickersOff;
  h[L.H_WORDS_OFFSET] = wordsOff;
  h[L.H_EXCHANGES_OFFSET] = exchangesOff;
  h[L.H_STRINGS_OFFSET] = stringsOff;
  h[L.H_ROOT] = nodes.length > 0 ? 0 : -1;
  h[L.H_TOPS_OFFSET] = topsOff;
  h[L.H_TOP_WORDS] = tops.length;
  new Float64Array(buffer, L.HEADER_BUILT_AT_BYTE, 1)[0] = builtAt;

  const stats = { entries: companies.length, nodes: nodes.length / L.NODE_STRIDE, tickerPostings: tickerPostings.length, wordPostings: wordPostings.length, bytes: buffer.byteLength, ms: performance.now() - started };
  return { buffer, stats };
}

/** Strings, deduplicated, as UTF-16 code units. */
class StringTable {
  readonly #parts: string[] = [];
  readonly #seen = new Map<string, number>();
  units = 0;

  /** The offset of `s` (its length is the caller's). */
  add(s: string): number {
    if (s.length === 0) return 0;
    let off = this.#seen.get(s);
    if (off === undefined) {
      off = this.units;
      this.#seen.set(s, off);
      this.#parts.push(s);
      this.units += s.length;
    }
    return off;
  }

  writeTo(out: Uint16Array): void {
    let at = 0;
    for (const s of this.#parts) for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  }
}

/** The ternary search tree while it is built (plain growable array of NODE_STRIDE-word nodes; node 0 is the root). */
class TreeBuilder {
  readonly #n: number[] = [];

  nodes(): Int32Array {
    return Int32Array.from(this.#n);
  }

  /** Inserts sorted `keys[from..to)` median first, so the lo/hi links form balanced binary trees. */
  insertBalanced(keys: readonly string[], from: number, to: number): void {
    // An explicit stack: recursion depth would be log2(keys) anyway, but this keeps the builder allocation-light.
    const stack: [number, number][] = [[from, to]];
    while (stack.length) {
      const [a, b] = stack.pop()!;
      if (a >= b) continue;
      const mid = (a + b) >>> 1;
      this.#insert(keys[mid]);
      stack.push([mid + 1, b], [a, mid]);
    }
  }

  #newNode(ch: number): number {
    const id = this.#n.length / L.NODE_STRIDE;
    this.#n.push(ch, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    return id;
  }

  #insert(key: string): void {
    if (key.length === 0) return;
    if (this.#n.length === 0) this.#newNode(key.charCodeAt(0));
    let node = 0;
    let d = 0;
    for (;;) {
      const ch = key.charCodeAt(d);
      const base = node * L.NODE_STRIDE;
      const here = this.#n[base + L.N_CHAR];
      const link = ch < here ? L.N_LO : ch > here ? L.N_HI : d + 1 < key.length ? L.N_EQ : -1;
      if (link === -1) return;
      if (link === L.N_EQ) d++;
      let next = this.#n[base + link];
      if (next === -1) {
        next = this.#newNode(key.charCodeAt(d));
        this.#n[base + link] = next;
      }
      node = next;
    }
  }

  /**
   * For every node whose ticker or word run is longer than `minRun`, the
   * `size` smallest distinct entry ids of the run, as [count, complete, ids…]
   * lists in one Int32 array; the node's N_TICKER_TOP / N_WORD_TOP get the
   * list's offset. Call after lay().
   */
  tops(tickers: Int32Array, words: Int32Array, minRun: number, size: number): Int32Array {
    const out: number[] = [];
    const n = this.#n;
    for (let base = 0; base < n.length; base += L.NODE_STRIDE) {
      for (const [from, top, postings] of [[L.N_TICKER_FROM, L.N_TICKER_TOP, tickers], [L.N_WORD_FROM, L.N_WORD_TOP, words]] as const) {
        const a = n[base + from];
        const b = n[base + from + 1];
        if (b - a <= minRun) continue;
        const distinct = [...new Set(postings.subarray(a, b))].sort((x, y) => x - y);
        const ids = distinct.slice(0, size);
        n[base + top] = out.length;
        out.push(ids.length, ids.length === distinct.length ? 1 : 0, ...ids);
      }
    }
    return Int32Array.from(out);
  }

  /**
   * Lays out the postings of `lists` in key order (`keys` sorted, a superset of
   * the lists' keys) and records each key's run on every node of its path, at
   * `field` (N_TICKER_FROM or N_WORD_FROM) and the word after it. Keys sharing a
   * prefix are adjacent in sorted order, so each node's run stays contiguous.
   */
  lay(keys: readonly string[], lists: ReadonlyMap<string, readonly number[]>, field: number): Int32Array {
    let total = 0;
    for (const l of lists.values()) total += l.length;
    const out = new Int32Array(total);
    let p = 0;
    for (const key of keys) {
      const list = lists.get(key);
      if (!list) continue;
      out.set(list, p);
      this.#widen(key, p, p + list.length, field);
      p += list.length;
    }
    return out;
  }

  #widen(key: string, from: number, to: number, field: number): void {
    const n = this.#n;
    let node = 0;
    let d = 0;
    while (node !== -1 && d < key.length) {
      const base = node * L.NODE_STRIDE;
      const ch = key.charCodeAt(d);
      const here = n[base + L.N_CHAR];
      if (ch < here) node = n[base + L.N_LO];
      else if (ch > here) node = n[base + L.N_HI];
      else {
        if (n[base + field] === -1) n[base + field] = from;
        n[base + field + 1] = to;
        node = n[base + L.N_EQ];
        d++;
      }
    }
  }
}

/**
 * The search index's SharedArrayBuffer layout. One buffer holds everything a
 * query reads, so every gateway thread queries the same memory, with no copy
 * and no deserialisation. The store thread writes a buffer once, completely,
 * and only then posts it; a buffer is never written after it is posted (a
 * rebuild makes a new one). postMessage orders the writes before the
 * receiver's reads, so readers need no Atomics and no lock.
 *
 *   byte 0    header: HEADER_WORDS Int32 words (H_*), then builtAt as Float64 at HEADER_BUILT_AT_BYTE
 *   nodes     nodeCount × NODE_STRIDE Int32   ternary search tree nodes (N_*)
 *   entries   entryCount × ENTRY_STRIDE Int32 one per ticker, index = ordinal (E_*)
 *   tickers   tickerPostingCount Int32        entry ids in ticker-key order
 *   words     wordPostingCount Int32          entry ids in name-word-key order
 *   tops      topWords Int32                  best-entry lists of long runs (see N_TICKER_TOP)
 *   exchanges exchangeCount × 2 Int32         (offset, length) of each venue name in strings
 *   strings   stringUnits Uint16              UTF-16 code units of tickers, names, industries
 *
 * Every section starts at a byte offset the header records (H_*_OFFSET), so a
 * reader never computes one itself. Entry ids are ordinals: entry 0 is the
 * most popular ticker (the universe's order), which makes "ties by
 * popularity" a comparison of two integers.
 *
 * The tree holds every ticker key and every name word. Keys are inserted in
 * sorted order, so all keys with a given prefix occupy one contiguous run of
 * each postings array; a node records the runs of the prefix it spells
 * ([from, to) in tickers and in words). A prefix query is a walk of at most
 * |prefix| equal-steps (plus the lo/hi steps of a balanced tree) and then a
 * scan of two runs.
 */
export const LAYOUT_MAGIC = 0x42535831; // 'BSX1'
export const LAYOUT_VERSION = 2;

// Header words.
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_ENTRY_COUNT = 2;
export const H_NODE_COUNT = 3;
export const H_TICKER_POSTINGS = 4;
export const H_WORD_POSTINGS = 5;
export const H_EXCHANGE_COUNT = 6;
export const H_STRING_UNITS = 7;
export const H_NODES_OFFSET = 8;
export const H_ENTRIES_OFFSET = 9;
export const H_TICKERS_OFFSET = 10;
export const H_WORDS_OFFSET = 11;
export const H_EXCHANGES_OFFSET = 12;
export const H_STRINGS_OFFSET = 13;
/** Root node index, -1 for an empty index. */
export const H_ROOT = 14;
export const H_TOPS_OFFSET = 15;
export const H_TOP_WORDS = 16;
/** Word 17 is reserved (zero). */
export const HEADER_WORDS = 18;
/** builtAt (ms since the epoch) as a Float64 after the Int32 words. */
export const HEADER_BUILT_AT_BYTE = HEADER_WORDS * 4;
export const HEADER_BYTES = HEADER_BUILT_AT_BYTE + 8;

// Node fields (Int32 each).
/** The UTF-16 code unit this node spells. */
export const N_CHAR = 0;
/** Child for smaller / equal-next / greater characters; -1 when absent. */
export const N_LO = 1;
export const N_EQ = 2;
export const N_HI = 3;
/** Run [from, to) of ticker postings whose key starts with this node's prefix (from = to: none). */
export const N_TICKER_FROM = 4;
export const N_TICKER_TO = 5;
/** Run [from, to) of word postings whose key starts with this node's prefix. */
export const N_WORD_FROM = 6;
export const N_WORD_TO = 7;
/**
 * Offset (in Int32 words of the tops section) of the list of the smallest
 * distinct entry ids of this node's ticker / word run, or -1. Only runs longer
 * than the builder's threshold have one. A list is [count, complete, ids…]:
 * `complete` = 1 when it holds every distinct entry of the run. A query that
 * fills its page from the list (or whose list is complete) never scans the
 * run: everything outside the list has a larger id than everything in it.
 */
export const N_TICKER_TOP = 8;
export const N_WORD_TOP = 9;
export const NODE_STRIDE = 10;
export const TOP_COUNT = 0;
export const TOP_COMPLETE = 1;
export const TOP_IDS = 2;

// Entry fields (Int32 each). Strings are (offset, length) in UTF-16 units of the strings section.
export const E_TICKER_OFF = 0;
export const E_TICKER_LEN = 1;
export const E_NAME_OFF = 2;
export const E_NAME_LEN = 3;
/** Index in the exchanges section, -1 when unknown. */
export const E_EXCHANGE = 4;
/** SIC code 0..9999, -1 when unknown. */
export const E_SIC = 5;
/** SIC description; length 0 when unknown. */
export const E_INDUSTRY_OFF = 6;
export const E_INDUSTRY_LEN = 7;
/** The folded name words joined by single spaces (multi-word queries check them). */
export const E_WORDS_OFF = 8;
export const E_WORDS_LEN = 9;
/** The entry's ticker key (folded, '.' as '-'): an exact match is a prefix match of the key's length. */
export const E_TICKER_KEY_OFF = 10;
export const E_TICKER_KEY_LEN = 11;
export const ENTRY_STRIDE = 12;

const MASK = 511; // TradeHistory.BUCKETS - 1 (a power of two)

/**
 * A symbol's recent trades at bucket resolution, for the window rules of the
 * alert engine (pct_move, volume_spike): a ring of BUCKETS slots, slot
 * `b mod BUCKETS` holding the last price and the cumulative volume at the end
 * of bucket `b` = floor(eventTs / widthMs). A gap between trades is filled by
 * carrying the last values forward (at most BUCKETS slots per gap), so the
 * ring is dense and "the price at time t" is one index computation, O(1),
 * whatever the trade rate.
 *
 * Window math: the width is chosen so the span (the longest window any rule
 * of the symbol needs) fits in BUCKETS − 2 buckets; priceAt(t) and volumeAt(t)
 * answer for the end of the bucket holding t, so they are late by less than
 * one width (≤ span / 510; a 1-hour window reads the price ≤ 7.1 s late).
 * A trade with an event time before the newest bucket counts in the newest
 * bucket. Single-threaded (one shard owns it).
 */
export class TradeHistory {
  static readonly BUCKETS = 512;
  /** Narrowest bucket: finer resolution than this buys nothing with 50 ms flushes. */
  static readonly MIN_WIDTH_MS = 100;

  readonly widthMs: number;
  /** The span this history was sized for (ms). */
  readonly spanMs: number;
  readonly #px = new Float64Array(TradeHistory.BUCKETS);
  readonly #cum = new Float64Array(TradeHistory.BUCKETS);
  /**
   * Bucket numbers are kept relative to the first trade's (`#base`), so they
   * stay small integers and `& MASK` replaces a floating-point modulo — the
   * difference between ~30 ns and ~1 ns per lookup.
   */
  #base = Number.NaN;
  #first = Number.NaN;
  #last = Number.NaN;
  #firstPrice = Number.NaN;
  #lastPrice = Number.NaN;
  #cumVolume = 0;

  constructor(spanMs: number) {
    if (!(spanMs > 0 && Number.isFinite(spanMs))) throw new RangeError(`span must be a positive number of ms, got ${spanMs}`);
    this.spanMs = spanMs;
    this.widthMs = Math.max(TradeHistory.MIN_WIDTH_MS, Math.ceil(spanMs / (TradeHistory.BUCKETS - 2)));
  }

  add(ts: number, price: number, size: number): void {
    const N = TradeHistory.BUCKETS;
    const abs = Math.floor(ts / this.widthMs);
    if (!Number.isFinite(abs)) return;
    if (this.#base !== this.#base) this.#base = abs;
    const b = abs - this.#base;
    const last = this.#last;
    if (last !== last) {
      this.#first = this.#last = b;
      this.#firstPrice = price;
    } else if (b > last) {
      // Carry the previous bucket's end values through the gap (a gap longer than the ring rewrites it whole).
      const px = this.#lastPrice;
      const cum = this.#cumVolume;
      const from = Math.max(last + 1, b - N + 1);
      for (let k = from; k < b; k++) {
        this.#px[k & MASK] = px;
        this.#cum[k & MASK] = cum;
      }
      this.#last = b;
    }
    this.#lastPrice = price;
    this.#cumVolume += size;
    const slot = this.#last & MASK;
    this.#px[slot] = price;
    this.#cum[slot] = this.#cumVolume;
  }

  /**
   * The price at the end of the bucket holding `t`: the last trade at or
   * before it (within one width). Before the history began: the first price
   * seen (the move is then measured since tracking began). NaN when empty.
   */
  priceAt(t: number): number {
    return this.priceOfBucket(this.bucketOf(t));
  }

  /** The bucket holding event time `t` (relative numbering: compare, never store across a new history). */
  bucketOf(t: number): number {
    return Math.floor(t / this.widthMs) - this.#base;
  }

  /**
   * Whether what priceOfBucket / volumeOfBucket say about `b` is final: the
   * bucket is closed (a later one has trades) and still inside the ring, so
   * a caller may keep the answer until its lookup moves to another bucket.
   */
  isFinal(b: number): boolean {
    return b < this.#last && b > this.#last - TradeHistory.BUCKETS;
  }

  priceOfBucket(b: number): number {
    if (!(b < this.#last)) return this.#lastPrice;
    if (b < this.#first) return this.#firstPrice;
    if (b <= this.#last - TradeHistory.BUCKETS) return this.#px[(this.#last + 1) & MASK];
    return this.#px[b & MASK];
  }

  /**
   * Cumulative volume at the end of the bucket holding `t`; NaN when `t` is
   * before the history began or older than the ring (volume unknown there).
   */
  volumeAt(t: number): number {
    return this.volumeOfBucket(this.bucketOf(t));
  }

  volumeOfBucket(b: number): number {
    if (!(b < this.#last)) return this.#last === this.#last ? this.#cumVolume : Number.NaN;
    if (b < this.#first || b <= this.#last - TradeHistory.BUCKETS) return Number.NaN;
    return this.#cum[b & MASK];
  }
}

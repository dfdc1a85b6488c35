/**
 * Log-linear histogram with the same buckets as the native client's
 * (bench/native/hist.h), so the orchestrator can merge the histograms of
 * several client processes exactly and take percentiles of the whole.
 *
 * Values are non-negative integers (µs). Below 2^SUB_BITS every value has its
 * own bucket; above, each power of two is split into 2^(SUB_BITS-1) equal
 * buckets, so a reported percentile is at most 1/64 (1.6 %) above the truth
 * (it is the upper bound of its bucket, capped at the recorded maximum).
 */

export const SUB_BITS = 7;
const HALF = 1 << (SUB_BITS - 1);
export const BUCKETS = (1 << SUB_BITS) + 40 * HALF;

/** The JSON form both sides write: sparse [index, count] pairs. */
export interface HistogramJson {
  readonly scheme: 'loglinear';
  readonly subBits: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly buckets: ReadonlyArray<readonly [number, number]>;
}

function msb(v: number): number {
  const hi = Math.floor(v / 2 ** 32);
  return hi > 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(v);
}

export function bucketIndex(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < 1 << SUB_BITS) return v;
  const shift = msb(v) - (SUB_BITS - 1);
  const idx = shift * HALF + Math.floor(v / 2 ** shift);
  return Math.min(idx, BUCKETS - 1);
}

/** Smallest value in bucket idx. */
export function bucketLower(idx: number): number {
  if (idx < 1 << SUB_BITS) return idx;
  const shift = Math.floor(idx / HALF) - 1;
  return (idx - shift * HALF) * 2 ** shift;
}

/** Largest value in bucket idx. */
export function bucketUpper(idx: number): number {
  if (idx < 1 << SUB_BITS) return idx;
  const shift = Math.floor(idx / HALF) - 1;
  return (idx - shift * HALF + 1) * 2 ** shift - 1;
}

export class LogLinearHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;

  static fromJSON(json: HistogramJson): LogLinearHistogram {
    const h = new LogLinearHistogram();
    h.add(json);
    return h;
  }

  get count(): number {
    return this.#count;
  }
  get min(): number {
    return this.#count ? this.#min : 0;
  }
  get max(): number {
    return this.#max;
  }
  get mean(): number {
    return this.#count ? this.#sum / this.#count : 0;
  }

  record(value: number, times = 1): void {
    const v = Math.max(0, Math.floor(value));
    this.#counts[bucketIndex(v)] += times;
    this.#count += times;
    this.#sum += v * times;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds another histogram (ours or a native client's JSON). */
  add(other: LogLinearHistogram | HistogramJson): void {
    const json = other instanceof LogLinearHistogram ? other.toJSON() : other;
    if (json.scheme !== 'loglinear' || json.subBits !== SUB_BITS) {
      throw new Error(`histogram scheme ${json.scheme}/${json.subBits} does not match loglinear/${SUB_BITS}`);
    }
    if (json.count === 0) return;
    for (const [idx, n] of json.buckets) {
      if (!Number.isInteger(idx) || idx < 0 || idx >= BUCKETS) throw new Error(`histogram bucket ${idx} out of range`);
      this.#counts[idx] += n;
    }
    this.#count += json.count;
    this.#sum += json.sum;
    this.#min = Math.min(this.#min, json.min);
    this.#max = Math.max(this.#max, json.max);
  }

  /**
   * Value at quantile q in [0, 1]: the upper bound of the bucket holding the
   * ceil(q·count)-th smallest value, capped at the maximum. 0 when empty.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(bucketUpper(i), this.#max);
    }
    return this.#max;
  }

  toJSON(): HistogramJson {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]) buckets.push([i, this.#counts[i]]);
    return { scheme: 'loglinear', subBits: SUB_BITS, count: this.#count, min: this.min, max: this.#max, sum: this.#sum, buckets };
  }
}

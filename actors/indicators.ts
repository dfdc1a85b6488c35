/**
 * Streaming statistics for the ticker actor: O(1) per update, no allocation
 * after construction.
 *
 * Each statistic is a layout (named slots in a Float64Array at some `base`)
 * plus kernel functions over it. The actor packs its record and all of its
 * statistics into ONE Float64Array, because a shard touches a random actor
 * per tick: with one object per window and per typed-array view, a trade
 * touched ~15 scattered heap objects and cost ~1.5 µs with 10,000 actors;
 * packed, it is a few adjacent cache lines (see the commit for numbers).
 *
 * Calling convention: kernels take their input as (array, index) and leave
 * results in slots, never passing or returning a bare double. V8 boxes a double
 * (allocates a heap number) that crosses a call it did not inline, and with a
 * whole tick's work in one optimised function the inlining budget runs out.
 *
 * The classes at the end (RollingWindow, Ema, MinuteVolatility) wrap the
 * kernels with a plain API for tests and cold paths.
 */

import { BAR_MS } from './bar-builder.js';

// ---- rolling window: sum, mean and variance of the last `capacity` values ----

/**
 * Slots of a rolling window at m[base …]; the ring of `capacity` values
 * follows the header at `ring`.
 *
 * Sums are kept relative to a shift K (Σ(x−K), Σ(x−K)²), which keeps the
 * variance free of catastrophic cancellation when values sit far from zero
 * (prices near 100 moving by cents). Adding the new value and subtracting the
 * evicted one lets rounding error creep into the running sums, so every
 * max(1024, capacity) pushes they are recomputed exactly from the ring with K
 * moved to the mean: O(capacity) once per ≥ capacity pushes keeps the amortised
 * cost O(1) and the drift bounded.
 */
export const Window = {
  /** Slot of the next write (when full, also the oldest value). */
  head: 0,
  count: 1,
  sinceRecompute: 2,
  shift: 3,
  /** Σ(x − shift) */
  s1: 4,
  /** Σ(x − shift)² */
  s2: 5,
  sum: 6,
  /** NaN when empty. */
  mean: 7,
  ring: 8,
} as const;

export function windowFloats(capacity: number): number {
  return Window.ring + capacity;
}

export function windowClear(m: Float64Array, base: number): void {
  m.fill(0, base, base + Window.ring);
  m[base + Window.mean] = Number.NaN;
}

/** Adds src[index] to the window at m[base], evicting the oldest value once full. */
export function windowPush(m: Float64Array, base: number, capacity: number, src: Float64Array, index: number): void {
  const x = src[index];
  let n = m[base + Window.count];
  if (n === 0) m[base + Window.shift] = x;
  const k = m[base + Window.shift];
  const d = x - k;
  const head = m[base + Window.head];
  const at = base + Window.ring + head;
  if (n === capacity) {
    const e = m[at] - k;
    m[base + Window.s1] += d - e;
    m[base + Window.s2] += d * d - e * e;
  } else {
    m[base + Window.count] = ++n;
    m[base + Window.s1] += d;
    m[base + Window.s2] += d * d;
  }
  m[at] = x;
  m[base + Window.head] = head + 1 === capacity ? 0 : head + 1;
  if (++m[base + Window.sinceRecompute] >= (capacity > 1024 ? capacity : 1024)) windowRecompute(m, base);
  const s1 = m[base + Window.s1];
  const shift = m[base + Window.shift];
  m[base + Window.sum] = s1 + n * shift;
  m[base + Window.mean] = shift + s1 / n;
}

/** Recomputes the window's running sums exactly from its ring (the drift guard). */
export function windowRecompute(m: Float64Array, base: number): void {
  m[base + Window.sinceRecompute] = 0;
  const n = m[base + Window.count];
  if (n === 0) return;
  const ring = base + Window.ring; // slots ring … ring+n−1 hold exactly the window, in some rotation
  let raw = 0;
  for (let i = 0; i < n; i++) raw += m[ring + i];
  const shift = raw / n;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const d = m[ring + i] - shift;
    s1 += d;
    s2 += d * d;
  }
  m[base + Window.shift] = shift;
  m[base + Window.s1] = s1;
  m[base + Window.s2] = s2;
  m[base + Window.sum] = s1 + n * shift;
  m[base + Window.mean] = shift + s1 / n;
}

/** Sample variance (n − 1 denominator) of the window at m[base]; NaN below two values. */
export function windowVariance(m: Float64Array, base: number): number {
  const n = m[base + Window.count];
  if (n < 2) return Number.NaN;
  const s1 = m[base + Window.s1];
  const v = (m[base + Window.s2] - (s1 * s1) / n) / (n - 1);
  return v > 0 ? v : 0;
}

// ---- exponential moving average ----

/** EMA smoothing factor for an N-period average: 2 / (N + 1). */
export function emaAlpha(window: number): number {
  return 2 / (window + 1);
}

/** Folds src[index] into the EMA held in m[at] (NaN = no value yet: seeds with the first value). */
export function emaPush(m: Float64Array, at: number, alpha: number, src: Float64Array, index: number): void {
  const x = src[index];
  const v = m[at];
  m[at] = v === v ? v + alpha * (x - v) : x;
}

// ---- realised volatility from 1-minute bar closes ----

/**
 * Realised volatility from close-to-close log returns of consecutive 1-minute
 * bars, annualised, as a fraction (0.25 = 25 %):
 *
 *     σ_year = √( (Σ rᵢ² / n) × TRADING_MINUTES_PER_YEAR ),  rᵢ = ln(closeᵢ / closeᵢ₋₁),
 *
 * over the last n ≤ `window` one-minute returns. `value` is NaN below two
 * returns (three closed bars since the last clear).
 *
 * Why 1-minute returns and not trade to trade: trade prices sit on a $0.01
 * grid and bounce between bid and ask. That noise adds about the same variance
 * to every return however short (a print at the bid or the ask of a one-cent
 * market is off the mid by ⅓ cent² in variance; two ends per return: ~1.4e-7
 * for a $22 stock), while the price's own variance grows with the interval
 * (~4.6e-9 over 0.3 s at 30 % a year). Trade to trade the noise was ~30× the
 * signal and the estimate ~5× the true volatility; over a minute (~9.2e-7 of
 * signal) it adds ~7 %. This is the standard sparse-sampling remedy for
 * microstructure noise. It shrinks the bias, it does not remove it: for a
 * low-priced, calm symbol (a $5 stock at 15 %) the noise still exceeds the
 * 1-minute signal and the estimate reads high (~3.5×).
 *
 * Not demeaned: over a minute the drift is negligible beside the volatility,
 * and the mean of a few dozen returns would be mostly noise; E[r²] ≈ σ² per
 * minute, so Σr²/n (n, not n − 1) estimates the per-minute variance.
 * Annualised with 252 sessions × 390 minutes (regular US hours),
 * which assumes every return spans exactly one minute of session; hence:
 *
 * Quiet minutes: a minute without a trade has no bar. Its close is taken as
 * the previous close carried forward, i.e. a zero return, and the whole move
 * is counted in the minute of the next trade. The skipped minutes are read
 * from the bar starts (at most window − 1 zeros are pushed: more would only
 * push out the same zeros again), so nothing is spent on them until the
 * symbol trades again; until then the published value stays as it was.
 *
 * Slots at m[base …]; the Σr² window (capacity `window`) follows the header.
 */
export const Vol = {
  /** Close and start (ms) of the last bar folded in; NaN when none since the last clear. */
  lastClose: 0,
  lastStart: 1,
  value: 2,
  /** Scratch: the squared return pushed into the window. */
  r2: 3,
  returns: 4,
} as const;

/** Trading minutes in a year: 252 sessions × 390 minutes (6.5 hours, regular US hours). */
export const TRADING_MINUTES_PER_YEAR = 252 * 390;

export function volFloats(window: number): number {
  return Vol.returns + windowFloats(window);
}

export function volClear(m: Float64Array, base: number): void {
  m.fill(Number.NaN, base, base + Vol.returns);
  windowClear(m, base + Vol.returns);
}

/**
 * Folds in a closed 1-minute bar: start src[startIndex] (ms, on a minute
 * boundary, later than the previous bar's) and close src[closeIndex] > 0.
 * Updates `value` once two returns exist.
 */
export function volAddBar(m: Float64Array, base: number, window: number, src: Float64Array, startIndex: number, closeIndex: number): void {
  const start = src[startIndex];
  const close = src[closeIndex];
  const lc = m[base + Vol.lastClose];
  if (lc === lc) {
    const w = base + Vol.returns;
    const r2 = base + Vol.r2;
    let skipped = Math.round((start - m[base + Vol.lastStart]) / BAR_MS) - 1;
    if (skipped > window - 1) skipped = window - 1;
    m[r2] = 0;
    for (let i = 0; i < skipped; i++) windowPush(m, w, window, m, r2);
    const r = Math.log(close / lc);
    m[r2] = r * r;
    windowPush(m, w, window, m, r2);
    const n = m[w + Window.count];
    if (n >= 2) {
      const s = m[w + Window.sum];
      m[base + Vol.value] = Math.sqrt(((s > 0 ? s : 0) / n) * TRADING_MINUTES_PER_YEAR);
    }
  }
  m[base + Vol.lastClose] = close;
  m[base + Vol.lastStart] = start;
}

// ---- plain wrappers (tests, cold paths) ----

/** The last `capacity` values added, with their sum, mean and sample variance. */
export class RollingWindow {
  readonly capacity: number;
  readonly #m: Float64Array; // [input scratch, window…]

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RollingWindow capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#m = new Float64Array(1 + windowFloats(capacity));
    windowClear(this.#m, 1);
  }
  get count(): number {
    return this.#m[1 + Window.count];
  }
  get full(): boolean {
    return this.count === this.capacity;
  }
  get sum(): number {
    return this.#m[1 + Window.sum];
  }
  get mean(): number {
    return this.#m[1 + Window.mean];
  }
  get variance(): number {
    return windowVariance(this.#m, 1);
  }
  add(x: number): void {
    this.#m[0] = x;
    windowPush(this.#m, 1, this.capacity, this.#m, 0);
  }
  clear(): void {
    windowClear(this.#m, 1);
  }
}

/** Exponential moving average, seeded with the first value. */
export class Ema {
  readonly alpha: number;
  readonly #m = Float64Array.of(0, Number.NaN); // [input scratch, value]

  constructor(alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`Ema alpha must be in (0, 1], got ${alpha}`);
    this.alpha = alpha;
  }
  /** NaN until the first value. */
  get value(): number {
    return this.#m[1];
  }
  add(x: number): void {
    this.#m[0] = x;
    emaPush(this.#m, 1, this.alpha, this.#m, 0);
  }
}

/** Realised volatility from 1-minute bar closes over the last `window` returns (see Vol for the estimator). */
export class MinuteVolatility {
  readonly window: number;
  readonly #m: Float64Array; // [start, close scratch, vol…]

  constructor(window: number) {
    if (!Number.isInteger(window) || window < 2) throw new RangeError(`volatility window must be an integer >= 2 returns, got ${window}`);
    this.window = window;
    this.#m = new Float64Array(2 + volFloats(window));
    volClear(this.#m, 2);
  }
  /** NaN below two returns. */
  get value(): number {
    return this.#m[2 + Vol.value];
  }
  /** Adds a closed bar: its start (ms, a minute boundary) and closing price. */
  addBar(start: number, close: number): void {
    const m = this.#m;
    m[0] = start;
    m[1] = close;
    volAddBar(m, 2, this.window, m, 0, 1);
  }
  /** Forgets every bar. */
  clear(): void {
    volClear(this.#m, 2);
  }
}

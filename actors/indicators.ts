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
 * The classes at the end (RollingWindow, Ema, RealisedVolatility) wrap the
 * kernels with a plain API for tests and cold paths.
 */

/** Trading seconds in a year: 252 sessions × 6.5 hours (US equities, regular hours). */
export const TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600;

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

// ---- realised volatility ----

/**
 * Realised volatility of the last `window` trades, annualised, as a fraction
 * (0.25 = 25 %).
 *
 * Estimator: realised variance over elapsed time,
 *
 *     σ²_year = (Σ rᵢ²) / (Σ Δtᵢ in seconds) × TRADING_SECONDS_PER_YEAR,
 *
 * where rᵢ = ln(pᵢ / pᵢ₋₁) over the `window − 1` returns between consecutive
 * trades in the window and Δtᵢ the event-time gap between those trades.
 * Why this one: trades arrive irregularly, so neither "stdev per trade ×
 * √(trades per year)" nor a fixed sampling grid fits. For a price following
 * geometric Brownian motion with volatility σ, E[rᵢ²] = σ² Δtᵢ whatever the
 * spacing, so Σr² / ΣΔt estimates the per-second variance directly (it is the
 * per-trade variance scaled by the observed trade rate n / T). Returns are not
 * demeaned: at tick scale the drift is orders of magnitude below the noise,
 * and a per-trade mean means little when trades are unevenly spaced.
 * Annualised with 252 × 6.5 × 3600 trading seconds (regular US session).
 *
 * `value` is NaN until the window is full, or when all its trades share one
 * event time (no elapsed time to scale by).
 *
 * Slots at m[base …]; the Σr² window and the ΣΔt window (capacity window − 1)
 * follow the header.
 */
export const Vol = {
  lastPrice: 0,
  lastTs: 1,
  value: 2,
  /** Scratch: the new squared return and time gap, pushed into the windows. */
  r2: 3,
  dt: 4,
  windows: 5,
} as const;

export function volFloats(window: number): number {
  return Vol.windows + 2 * windowFloats(window - 1);
}

export function volClear(m: Float64Array, base: number, window: number): void {
  m.fill(Number.NaN, base, base + Vol.windows);
  windowClear(m, base + Vol.windows);
  windowClear(m, base + Vol.windows + windowFloats(window - 1));
}

/** Adds a trade (price src[priceIndex] > 0, event time src[tsIndex] in ms) and updates `value`. */
export function volPush(m: Float64Array, base: number, window: number, src: Float64Array, priceIndex: number, tsIndex: number): void {
  const price = src[priceIndex];
  const ts = src[tsIndex];
  const lp = m[base + Vol.lastPrice];
  if (lp === lp) {
    const r = Math.log(price / lp);
    const dt = ts - m[base + Vol.lastTs];
    m[base + Vol.r2] = r * r;
    m[base + Vol.dt] = dt > 0 ? dt : 0; // an out-of-order event time adds no elapsed time
    const cap = window - 1;
    const r2w = base + Vol.windows;
    const dtw = r2w + Window.ring + cap;
    windowPush(m, r2w, cap, m, base + Vol.r2);
    windowPush(m, dtw, cap, m, base + Vol.dt);
    if (m[r2w + Window.count] === cap) {
      const seconds = m[dtw + Window.sum] / 1000;
      const rv = m[r2w + Window.sum];
      m[base + Vol.value] = seconds > 0 ? Math.sqrt(((rv > 0 ? rv : 0) / seconds) * TRADING_SECONDS_PER_YEAR) : Number.NaN;
    }
  }
  m[base + Vol.lastPrice] = price;
  m[base + Vol.lastTs] = ts;
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

/** Realised volatility over `window` trades (see Vol for the estimator). */
export class RealisedVolatility {
  readonly window: number;
  readonly #m: Float64Array; // [price, ts scratch, vol…]

  constructor(window: number) {
    if (!Number.isInteger(window) || window < 2) throw new RangeError(`volatility window must be an integer >= 2 trades, got ${window}`);
    this.window = window;
    this.#m = new Float64Array(2 + volFloats(window));
    volClear(this.#m, 2, window);
  }
  get value(): number {
    return this.#m[2 + Vol.value];
  }
  add(price: number, eventTs: number): void {
    const m = this.#m;
    m[0] = price;
    m[1] = eventTs;
    volPush(m, 2, this.window, m, 0, 1);
  }
  /** Forgets every trade. */
  clear(): void {
    volClear(this.#m, 2, this.window);
  }
}

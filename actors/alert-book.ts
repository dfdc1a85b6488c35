import { VOLUME_BASELINE_WINDOWS, type AlertFiring, type AlertKind, type Clock } from '../core/index.js';
import { TradeHistory } from './trade-history.js';

/** A rule as the engine holds it: mutable evaluation state beside the definition. */
export interface LiveRule {
  readonly id: string;
  readonly symbolId: number;
  readonly kind: AlertKind;
  /** above / below / cross: price level; NaN otherwise. */
  readonly level: number;
  readonly threshold: number;
  readonly windowMs: number;
  /** History the rule reads back: windowMs, or (baseline + 1) windows for volume_spike. */
  readonly spanMs: number;
  readonly rearm: boolean;
  readonly cooldownMs: number;
  fireSeq: number;
  /** Server time of the last firing (NaN: never). */
  lastFiredAt: number;
  /** Fired and waiting for its condition to be false (after the cooldown) before it can fire again. */
  latched: boolean;
}

/**
 * Packed window rule: [kind (0 pct_move, 1 volume_spike), windowMs, threshold,
 * latched (0/1), cooldownMs, lastFiredAt, then two lookup caches (bucket,
 * value): the history read at `ts − window` (price or volume) and, for
 * volume_spike, at `ts − (baseline + 1) × window`]. A cached bucket that is
 * final (TradeHistory.isFinal) is not read again until the lookup moves on —
 * on a busy symbol most trades then touch only this array, not the ring.
 */
const WP = { kind: 0, windowMs: 1, threshold: 2, latched: 3, cooldownMs: 4, lastFiredAt: 5, bucketA: 6, valueA: 7, bucketB: 8, valueB: 9, stride: 10 } as const;

/**
 * One symbol's rules, arranged so a trade finds what fires without looking at
 * what does not — and without touching rule objects (each one a likely cache
 * miss on a busy shard) unless something happens:
 * - above: armed rules by level ascending — the ones at or below the price are
 *   a prefix; `#aboveMin` (the first level) is the one comparison a quiet trade costs;
 * - below: armed rules by level descending, `#belowMax` the same way;
 * - latched above/below (re-arming rules that fired): by level ascending; the
 *   ones the price has left (condition false) are a suffix (above) or prefix
 *   (below), re-armed once their cooldown has passed. `#…LatchedEdge` says
 *   whether any could be, `#…LatchedReady` when the first cooldown ends;
 * - cross: levels ascending in a Float64Array; a trade from `prev` to `price`
 *   crosses exactly the levels between them, found by binary search;
 * - pct_move / volume_spike: packed in one Float64Array (WP), O(1) each
 *   against the symbol's TradeHistory.
 * Summaries are rebuilt (O(rules of the symbol)) only when a rule is added
 * or removed (#reindex), or an above/below rule fires or re-arms (its levels
 * only, #summarizeLevels).
 */
export class AlertBook {
  readonly #aboveArmed: LiveRule[] = [];
  readonly #aboveLatched: LiveRule[] = [];
  readonly #belowArmed: LiveRule[] = [];
  readonly #belowLatched: LiveRule[] = [];
  readonly #cross: LiveRule[] = [];
  readonly #windowed: LiveRule[] = [];
  #crossLevels = new Float64Array(0);
  #wp = new Float64Array(0);
  #aboveMin = Infinity;
  #belowMax = -Infinity;
  #aboveLatchedEdge = -Infinity;
  #belowLatchedEdge = Infinity;
  #aboveLatchedReady = Infinity;
  #belowLatchedReady = Infinity;
  #history: TradeHistory | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(r: LiveRule): void {
    this.#size++;
    switch (r.kind) {
      case 'above':
        insertAsc(r.latched ? this.#aboveLatched : this.#aboveArmed, r);
        break;
      case 'below':
        if (r.latched) insertAsc(this.#belowLatched, r);
        else insertDesc(this.#belowArmed, r);
        break;
      case 'cross':
        insertAsc(this.#cross, r);
        break;
      default:
        this.#windowed.push(r);
        if (!this.#history || this.#history.spanMs < r.spanMs) this.#history = new TradeHistory(r.spanMs);
    }
    this.#reindex();
  }

  /** Removes a rule (a once-only above/below rule that fired has already left its list). */
  remove(r: LiveRule): void {
    for (const list of [this.#aboveArmed, this.#aboveLatched, this.#belowArmed, this.#belowLatched, this.#cross, this.#windowed]) {
      const i = list.indexOf(r);
      if (i < 0) continue;
      list.splice(i, 1);
      this.#size--;
      break;
    }
    if (this.#windowed.length === 0) this.#history = undefined;
    this.#reindex();
  }

  /** Evaluates one trade; appends firings to `out`. */
  evaluate(prev: number, price: number, size: number, ts: number, clock: Clock, symbol: string, out: AlertFiring[]): void {
    let now = Number.NaN;
    let changed = false;
    if (price >= this.#aboveMin) {
      now = clock.now();
      const aa = this.#aboveArmed;
      let k = 1;
      while (k < aa.length && aa[k].level <= price) k++;
      this.#fireArmed(aa, k, this.#aboveLatched, symbol, price, ts, now, out);
      changed = true;
    }
    if (price <= this.#belowMax) {
      if (now !== now) now = clock.now();
      const ba = this.#belowArmed;
      let k = 1;
      while (k < ba.length && ba[k].level >= price) k++;
      this.#fireArmed(ba, k, this.#belowLatched, symbol, price, ts, now, out);
      changed = true;
    }
    // Re-arm latched rules whose condition is false again, once their cooldown has passed.
    if (price < this.#aboveLatchedEdge) {
      if (now !== now) now = clock.now();
      if (now >= this.#aboveLatchedReady) {
        const al = this.#aboveLatched;
        for (let i = al.length - 1; i >= 0 && al[i].level > price; i--) {
          const r = al[i];
          if (now - r.lastFiredAt < r.cooldownMs) continue;
          al.splice(i, 1);
          r.latched = false;
          insertAsc(this.#aboveArmed, r);
          changed = true;
        }
      }
    }
    if (price > this.#belowLatchedEdge) {
      if (now !== now) now = clock.now();
      if (now >= this.#belowLatchedReady) {
        const bl = this.#belowLatched;
        for (let i = 0; i < bl.length && bl[i].level < price; ) {
          const r = bl[i];
          if (now - r.lastFiredAt < r.cooldownMs) {
            i++;
            continue;
          }
          bl.splice(i, 1);
          r.latched = false;
          insertDesc(this.#belowArmed, r);
          changed = true;
        }
      }
    }

    const levels = this.#crossLevels;
    if (levels.length && prev === prev && prev !== price) {
      const up = price > prev;
      // Up: prev < L <= price. Down: price <= L < prev.
      for (let i = up ? upperBound(levels, prev) : lowerBound(levels, price); i < levels.length; i++) {
        const level = levels[i];
        if (up ? level > price : level >= prev) break;
        const r = this.#cross[i];
        if (now !== now) now = clock.now();
        if (r.rearm && now - r.lastFiredAt < r.cooldownMs) continue;
        out.push(fired(r, symbol, price, level, up ? 'up' : 'down', ts, now));
      }
    }

    const h = this.#history;
    if (h) {
      h.add(ts, price, size);
      const wp = this.#wp;
      const K = VOLUME_BASELINE_WINDOWS;
      const volumeNow = h.volumeAt(ts);
      for (let o = 0; o < wp.length; o += WP.stride) {
        const windowMs = wp[o + WP.windowMs];
        let value: number;
        let cond: boolean;
        const bA = h.bucketOf(ts - windowMs);
        let atA: number;
        if (bA === wp[o + WP.bucketA]) atA = wp[o + WP.valueA];
        else {
          atA = wp[o + WP.kind] === 0 ? h.priceOfBucket(bA) : h.volumeOfBucket(bA);
          if (h.isFinal(bA)) {
            wp[o + WP.bucketA] = bA;
            wp[o + WP.valueA] = atA;
          }
        }
        if (wp[o + WP.kind] === 0) {
          value = (price / atA - 1) * 100;
          cond = Math.abs(value) >= wp[o + WP.threshold];
        } else {
          const bB = h.bucketOf(ts - windowMs * (K + 1));
          let atB: number;
          if (bB === wp[o + WP.bucketB]) atB = wp[o + WP.valueB];
          else {
            atB = h.volumeOfBucket(bB);
            if (h.isFinal(bB)) {
              wp[o + WP.bucketB] = bB;
              wp[o + WP.valueB] = atB;
            }
          }
          const baseline = (atA - atB) / K;
          value = (volumeNow - atA) / baseline;
          cond = baseline > 0 && value >= wp[o + WP.threshold];
        }
        if (wp[o + WP.latched] === 1) {
          if (cond) continue;
          if (now !== now) now = clock.now();
          if (now - wp[o + WP.lastFiredAt] < wp[o + WP.cooldownMs]) continue;
          wp[o + WP.latched] = 0;
          this.#windowed[o / WP.stride].latched = false;
          continue;
        }
        if (!cond) continue;
        if (now !== now) now = clock.now();
        const r = this.#windowed[o / WP.stride];
        out.push(fired(r, symbol, price, value, r.kind === 'pct_move' ? (value >= 0 ? 'up' : 'down') : undefined, ts, now));
        if (r.rearm) {
          r.latched = true;
          wp[o + WP.latched] = 1;
          wp[o + WP.lastFiredAt] = now;
        }
      }
    }
    if (changed) this.#summarizeLevels();
  }

  /**
   * Fires the first `k` rules of an armed above/below list (the prefix the
   * price reached): a re-arming rule moves to `latched`, a once-only one
   * leaves the book.
   */
  #fireArmed(armed: LiveRule[], k: number, latched: LiveRule[], symbol: string, price: number, ts: number, now: number, out: AlertFiring[]): void {
    for (const r of armed.splice(0, k)) {
      out.push(fired(r, symbol, price, r.level, undefined, ts, now));
      if (r.rearm) {
        r.latched = true;
        insertAsc(latched, r);
      } else {
        this.#size--;
      }
    }
  }

  /** Rebuilds everything the per-trade fast path reads (a rule was added or removed). */
  #reindex(): void {
    this.#summarizeLevels();
    if (this.#crossLevels.length !== this.#cross.length || this.#cross.some((r, i) => r.level !== this.#crossLevels[i])) {
      this.#crossLevels = Float64Array.from(this.#cross, (r) => r.level);
    }
    const w = this.#windowed;
    if (this.#wp.length !== w.length * WP.stride) this.#wp = new Float64Array(w.length * WP.stride);
    const wp = this.#wp;
    for (let i = 0; i < w.length; i++) {
      const r = w[i];
      const o = i * WP.stride;
      wp[o + WP.kind] = r.kind === 'pct_move' ? 0 : 1;
      wp[o + WP.windowMs] = r.windowMs;
      wp[o + WP.threshold] = r.threshold;
      wp[o + WP.latched] = r.latched ? 1 : 0;
      wp[o + WP.cooldownMs] = r.cooldownMs;
      wp[o + WP.lastFiredAt] = r.lastFiredAt || 0;
      // The history may be new (a longer span), or the rule at this index another one: forget cached lookups.
      wp[o + WP.bucketA] = Number.NaN;
      wp[o + WP.bucketB] = Number.NaN;
    }
  }

  /**
   * Rebuilds the above/below summaries, all that an above/below firing or
   * re-arm changes (window rules keep their state in #wp as they go, so
   * their cached lookups stay valid).
   */
  #summarizeLevels(): void {
    this.#aboveMin = this.#aboveArmed.length ? this.#aboveArmed[0].level : Infinity;
    this.#belowMax = this.#belowArmed.length ? this.#belowArmed[0].level : -Infinity;
    const al = this.#aboveLatched;
    const bl = this.#belowLatched;
    this.#aboveLatchedEdge = al.length ? al[al.length - 1].level : -Infinity;
    this.#belowLatchedEdge = bl.length ? bl[0].level : Infinity;
    this.#aboveLatchedReady = al.reduce((m, r) => Math.min(m, (r.lastFiredAt || 0) + r.cooldownMs), Infinity);
    this.#belowLatchedReady = bl.reduce((m, r) => Math.min(m, (r.lastFiredAt || 0) + r.cooldownMs), Infinity);
  }
}

/** Counts the firing on the rule and describes it. */
function fired(r: LiveRule, symbol: string, price: number, value: number, direction: 'up' | 'down' | undefined, at: number, now: number): AlertFiring {
  r.fireSeq += 1;
  r.lastFiredAt = now;
  return direction
    ? { alertId: r.id, fireSeq: r.fireSeq, symbol, kind: r.kind, price, value, direction, at, firedAt: now }
    : { alertId: r.id, fireSeq: r.fireSeq, symbol, kind: r.kind, price, value, at, firedAt: now };
}

/** First index whose level is > x. */
function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose level is >= x. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAsc(a: LiveRule[], r: LiveRule): void {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid].level <= r.level) lo = mid + 1;
    else hi = mid;
  }
  a.splice(lo, 0, r);
}

function insertDesc(a: LiveRule[], r: LiveRule): void {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid].level >= r.level) lo = mid + 1;
    else hi = mid;
  }
  a.splice(lo, 0, r);
}

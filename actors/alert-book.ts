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
 * One symbol's rules, arranged so a trade finds what fires without looking at
 * what does not:
 * - above: armed rules by level ascending — the ones at or below the price are
 *   a prefix, so a trade that fires none costs one comparison;
 * - below: armed rules by level descending, the same way;
 * - latched above/below (re-arming rules that fired): by level ascending; the
 *   ones the price has left (condition false) are a suffix (above) or prefix
 *   (below), re-armed once their cooldown has passed;
 * - cross: by level ascending; a trade from `prev` to `price` crosses exactly
 *   the levels between them, found by binary search;
 * - pct_move / volume_spike: O(1) each against the symbol's TradeHistory.
 */
export class AlertBook {
  readonly #aboveArmed: LiveRule[] = [];
  readonly #aboveLatched: LiveRule[] = [];
  readonly #belowArmed: LiveRule[] = [];
  readonly #belowLatched: LiveRule[] = [];
  readonly #cross: LiveRule[] = [];
  readonly #windowed: LiveRule[] = [];
  #history: TradeHistory | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The window history (tests, debug); undefined without window rules. */
  get history(): TradeHistory | undefined {
    return this.#history;
  }

  add(r: LiveRule): void {
    this.#size++;
    switch (r.kind) {
      case 'above':
        if (r.latched) insertAsc(this.#aboveLatched, r);
        else insertAsc(this.#aboveArmed, r);
        return;
      case 'below':
        if (r.latched) insertAsc(this.#belowLatched, r);
        else insertDesc(this.#belowArmed, r);
        return;
      case 'cross':
        insertAsc(this.#cross, r);
        return;
      default:
        this.#windowed.push(r);
        if (!this.#history || this.#history.spanMs < r.spanMs) this.#history = new TradeHistory(r.spanMs);
    }
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
  }

  /** Evaluates one trade; appends firings to `out`. */
  evaluate(prev: number, price: number, size: number, ts: number, clock: Clock, symbol: string, out: AlertFiring[]): void {
    let now = Number.NaN;
    const fire = (r: LiveRule, value: number, direction?: 'up' | 'down') => {
      r.fireSeq += 1;
      r.lastFiredAt = now;
      const f: AlertFiring = direction
        ? { alertId: r.id, fireSeq: r.fireSeq, symbol, kind: r.kind, price, value, direction, at: ts, firedAt: now }
        : { alertId: r.id, fireSeq: r.fireSeq, symbol, kind: r.kind, price, value, at: ts, firedAt: now };
      out.push(f);
    };

    const aa = this.#aboveArmed;
    if (aa.length && aa[0].level <= price) {
      now = clock.now();
      let k = 1;
      while (k < aa.length && aa[k].level <= price) k++;
      for (const r of aa.splice(0, k)) {
        fire(r, r.level);
        if (r.rearm) {
          r.latched = true;
          insertAsc(this.#aboveLatched, r);
        } else {
          this.#size--;
        }
      }
    }
    const ba = this.#belowArmed;
    if (ba.length && ba[0].level >= price) {
      if (now !== now) now = clock.now();
      let k = 1;
      while (k < ba.length && ba[k].level >= price) k++;
      for (const r of ba.splice(0, k)) {
        fire(r, r.level);
        if (r.rearm) {
          r.latched = true;
          insertAsc(this.#belowLatched, r);
        } else {
          this.#size--;
        }
      }
    }
    // Re-arm latched rules whose condition is false again, once their cooldown has passed.
    const al = this.#aboveLatched;
    if (al.length && al[al.length - 1].level > price) {
      if (now !== now) now = clock.now();
      for (let i = al.length - 1; i >= 0 && al[i].level > price; i--) {
        const r = al[i];
        if (now - r.lastFiredAt < r.cooldownMs) continue;
        al.splice(i, 1);
        r.latched = false;
        insertAsc(aa, r);
      }
    }
    const bl = this.#belowLatched;
    if (bl.length && bl[0].level < price) {
      if (now !== now) now = clock.now();
      for (let i = 0; i < bl.length && bl[i].level < price; ) {
        const r = bl[i];
        if (now - r.lastFiredAt < r.cooldownMs) {
          i++;
          continue;
        }
        bl.splice(i, 1);
        r.latched = false;
        insertDesc(ba, r);
      }
    }

    const cr = this.#cross;
    if (cr.length && prev === prev && prev !== price) {
      const up = price > prev;
      // Up: prev < L <= price. Down: price <= L < prev.
      let i = up ? upperBound(cr, prev) : lowerBound(cr, price);
      for (; i < cr.length; i++) {
        const r = cr[i];
        if (up ? r.level > price : r.level >= prev) break;
        if (now !== now) now = clock.now();
        if (r.rearm && now - r.lastFiredAt < r.cooldownMs) continue;
        fire(r, r.level, up ? 'up' : 'down');
      }
    }

    const h = this.#history;
    if (!h) return;
    h.add(ts, price, size);
    const K = VOLUME_BASELINE_WINDOWS;
    for (const r of this.#windowed) {
      let cond: boolean;
      let value: number;
      if (r.kind === 'pct_move') {
        const ref = h.priceAt(ts - r.windowMs);
        value = (price / ref - 1) * 100;
        cond = Math.abs(value) >= r.threshold;
      } else {
        const atWindow = h.volumeAt(ts - r.windowMs);
        const baseline = (atWindow - h.volumeAt(ts - r.windowMs * (K + 1))) / K;
        value = (h.volumeAt(ts) - atWindow) / baseline;
        cond = baseline > 0 && value >= r.threshold;
      }
      if (r.latched) {
        if (!cond) {
          if (now !== now) now = clock.now();
          if (now - r.lastFiredAt >= r.cooldownMs) r.latched = false;
        }
        continue;
      }
      if (!cond) continue;
      if (now !== now) now = clock.now();
      fire(r, value, r.kind === 'pct_move' ? (value >= 0 ? 'up' : 'down') : undefined);
      if (r.rearm) r.latched = true;
    }
  }
}

/** First index whose level is > x. */
function upperBound(a: readonly LiveRule[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid].level <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose level is >= x. */
function lowerBound(a: readonly LiveRule[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid].level < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAsc(a: LiveRule[], r: LiveRule): void {
  a.splice(upperBound(a, r.level), 0, r);
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

import { TickKind } from '../../core/tick.js';
import { BAR_MS, type MinuteBar } from './minute-bar-csv.js';

/** One tick of an expanded bar, `offsetMs` after the bar's start. */
export interface BarTick {
  readonly kind: TickKind;
  readonly offsetMs: number;
  readonly price: number;
  readonly size: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

/**
 * Turns a minute bar back into plausible ticks that reproduce it exactly.
 *
 * Trades walk open → the nearer extreme → the other extreme → close: a bar
 * that closed up is taken to have dipped first (open, low, high, close), one
 * that closed down to have rallied first (open, high, low, close). Repeated
 * prices collapse, so a flat bar is one trade and a bar has 1–4 trades. The
 * volume is split evenly in whole shares (sizes differ by at most one; with
 * fewer shares than trades some carry 0), so the trades' open, high, low,
 * close and summed size are the bar's.
 *
 * Each trade is preceded, 1 ms earlier, by a quote one `spread` wide with the
 * trade at the touch: an up-tick trades at the ask, a down- or zero-tick at the
 * bid (the first trade is compared with `previousClose`). Quote sizes are the
 * trade's share of the volume rounded to 100-share lots, at least one lot.
 * Trades fall at (i + 1)/(n + 1) of the minute, so all ticks stay inside it.
 */
export function expandBar(bar: MinuteBar, previousClose: number, spread: number): BarTick[] {
  const up = bar.close >= bar.open;
  const path = up ? [bar.open, bar.low, bar.high, bar.close] : [bar.open, bar.high, bar.low, bar.close];
  const prices: number[] = [];
  for (const p of path) if (prices.length === 0 || prices[prices.length - 1] !== p) prices.push(p);
  const n = prices.length;
  const whole = Number.isInteger(bar.volume);
  const lot = Math.max(100, Math.round(bar.volume / n / 100) * 100);
  const out: BarTick[] = [];
  let before = previousClose;
  for (let i = 0; i < n; i++) {
    const price = prices[i];
    const size = whole ? Math.floor((bar.volume * (i + 1)) / n) - Math.floor((bar.volume * i) / n) : bar.volume / n;
    const offsetMs = Math.round(((i + 1) * BAR_MS) / (n + 1));
    const atAsk = price > before;
    const bid = atAsk ? Math.max(0, roundPrice(price - spread)) : price;
    const ask = atAsk ? price : roundPrice(price + spread);
    out.push({ kind: TickKind.quote, offsetMs: offsetMs - 1, price: 0, size: 0, bid, ask, bidSize: lot, askSize: lot });
    out.push({ kind: TickKind.trade, offsetMs, price, size, bid: 0, ask: 0, bidSize: 0, askSize: 0 });
    before = price;
  }
  return out;
}

/** Keeps quote prices free of binary noise (126.35 + 0.01 = 126.36000000000001). */
function roundPrice(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

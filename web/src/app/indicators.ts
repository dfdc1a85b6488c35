/** Indicators on 1-minute bar closes, for the detail chart. */

/** Simple moving average over `n` closes; undefined until n values exist. */
export function sma(closes: readonly number[], n: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  let sum = 0;
  for (let i = 0; i < closes.length; i++) {
    sum += closes[i]!;
    if (i >= n) sum -= closes[i - n]!;
    out.push(i >= n - 1 ? sum / n : undefined);
  }
  return out;
}

/** Minutes in a trading year (252 days × 390 minutes): scales 1-minute volatility to annual. */
export const MINUTES_PER_YEAR = 252 * 390;

/**
 * Annualised realised volatility (percent) from the last `n` close-to-close
 * log returns at each bar; undefined until n returns exist.
 */
export function volatility(closes: readonly number[], n: number): (number | undefined)[] {
  const out: (number | undefined)[] = [undefined];
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    r.push(closes[i - 1]! > 0 && closes[i]! > 0 ? Math.log(closes[i]! / closes[i - 1]!) : 0);
    if (r.length < n) {
      out.push(undefined);
      continue;
    }
    const w = r.slice(r.length - n);
    const mean = w.reduce((a, b) => a + b, 0) / n;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    out.push(Math.sqrt(variance * MINUTES_PER_YEAR) * 100);
  }
  return out;
}

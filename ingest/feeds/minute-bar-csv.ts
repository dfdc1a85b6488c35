/**
 * One row of a NinjaTrader minute-bar export, the format of
 * ../shared/data/intraday/pyalgotrade/nt-spy-minute-2011.csv (documented in
 * ../shared/data/SOURCES.md): `YYYYMMDD HHMMSS;open;high;low;close;volume`,
 * no header, times in UTC, one row per minute that had trades. NinjaTrader
 * stamps a bar with its end, so the row `20110103 090100` covers
 * 09:00:00–09:01:00 UTC.
 */
export interface MinuteBar {
  /** Start of the minute the bar covers, ms since the epoch (UTC). */
  readonly startMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Shares traded in the minute, ≥ 0. */
  readonly volume: number;
}

export const BAR_MS = 60_000;

/** Why a row was skipped. */
export type RowProblem = 'field_count' | 'bad_time' | 'bad_number' | 'inconsistent_ohlc' | 'out_of_order';

export type ParsedRow = { readonly ok: true; readonly bar: MinuteBar } | { readonly ok: false; readonly problem: RowProblem };

const STAMP = /^(\d{4})(\d{2})(\d{2}) (\d{2})(\d{2})(\d{2})$/;
/** A plain decimal: no hex, no exponent, no Infinity, no empty string (all of which Number() accepts). */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** `stamp` says whether a row's time is the bar's end (NinjaTrader) or its start. */
export function parseMinuteBarRow(line: string, stamp: 'end' | 'start' = 'end'): ParsedRow {
  const f = line.split(';');
  if (f.length !== 6) return { ok: false, problem: 'field_count' };
  const m = STAMP.exec(f[0].trim());
  if (!m) return { ok: false, problem: 'bad_time' };
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return { ok: false, problem: 'bad_time' };
  const n: number[] = [];
  for (let i = 1; i < 6; i++) {
    const s = f[i].trim();
    if (!DECIMAL.test(s)) return { ok: false, problem: 'bad_number' };
    n.push(Number(s));
  }
  const [open, high, low, close, volume] = n;
  if (!(open > 0 && high > 0 && low > 0 && close > 0)) return { ok: false, problem: 'bad_number' };
  if (low > high || open > high || close > high || open < low || close < low) return { ok: false, problem: 'inconsistent_ohlc' };
  return { ok: true, bar: { startMs: stamp === 'end' ? ms - BAR_MS : ms, open, high, low, close, volume } };
}

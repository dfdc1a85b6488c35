import { BourseError } from './errors.js';
import { normaliseSymbol } from './universe.js';

/**
 * Alert rules: what an investor asks to be told about, in the one shape the
 * REST API, the store and the shards' alert engine share. Semantics are in
 * docs/alerts.md; in short:
 *
 * - `above` / `below`: the last trade price is at or above / at or below `price`.
 * - `cross`: a trade moves the price from strictly one side of `price` to the
 *   level or beyond it (either direction; the firing says which).
 * - `pct_move`: |last / price `windowSec` ago − 1| × 100 ≥ `threshold` (percent).
 * - `volume_spike`: volume traded in the last `windowSec` ≥ `threshold` × the
 *   average volume per `windowSec` over the VOLUME_BASELINE_WINDOWS windows before.
 *
 * A rule fires once and is then disarmed, unless `rearm`: then it fires again
 * after its condition has been false again and at least `cooldownSec` passed.
 */
export const ALERT_KINDS = ['above', 'below', 'cross', 'pct_move', 'volume_spike'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Windows of history a volume spike is compared against. */
export const VOLUME_BASELINE_WINDOWS = 10;
/** Longest window of a pct_move / volume_spike rule (seconds). */
export const MAX_ALERT_WINDOW_S = 86_400;
/** Longest cooldown of a re-arming rule (seconds). */
export const MAX_ALERT_COOLDOWN_S = 7 * 86_400;
export const DEFAULT_ALERT_COOLDOWN_S = 300;

/** A validated rule as an investor defines it (POST /v1/alerts). */
export interface AlertRuleInput {
  readonly symbol: string;
  readonly kind: AlertKind;
  /** above / below / cross: the price level; null otherwise. */
  readonly price: number | null;
  /** pct_move: percent; volume_spike: multiple of the average; null otherwise. */
  readonly threshold: number | null;
  /** pct_move / volume_spike: seconds; null otherwise. */
  readonly windowSec: number | null;
  readonly rearm: boolean;
  readonly cooldownSec: number;
}

/** A rule as the store hands it to the owning shard (`alerts-replace` / `alerts-upsert`). */
export interface AlertRule extends AlertRuleInput {
  readonly id: string;
  /** Firings recorded so far; the shard's next firing of this rule carries fireSeq + 1. */
  readonly fireSeq: number;
  /** Server time (ms) of the last recorded firing, null if none (cooldowns survive restarts). */
  readonly lastFiredAt: number | null;
}

/** One firing, as a shard reports it (`alert-fired`). */
export interface AlertFiring {
  readonly alertId: string;
  /** 1, 2, … per rule: (alertId, fireSeq) names the firing, so a resend is recognised. */
  readonly fireSeq: number;
  readonly symbol: string;
  readonly kind: AlertKind;
  /** The trade price that fired it. */
  readonly price: number;
  /** What was measured: the level (above/below/cross), the move in percent (pct_move), the volume ratio (volume_spike). */
  readonly value: number;
  /** cross and pct_move: which way; otherwise absent. */
  readonly direction?: 'up' | 'down';
  /** Event time of the trade, ms since the epoch. */
  readonly at: number;
  /** Server time the shard fired it, ms since the epoch (cooldowns). */
  readonly firedAt: number;
}

/** Store ↔ shard messages about alerts (over the store↔shard MessagePort). */
export type AlertsToShard =
  | { readonly type: 'alerts-replace'; readonly rules: readonly AlertRule[] }
  | { readonly type: 'alerts-upsert'; readonly rules: readonly AlertRule[] }
  | { readonly type: 'alerts-remove'; readonly ids: readonly string[] }
  /** Firings the store has recorded (or found already recorded): the shard stops resending them. */
  | { readonly type: 'alerts-recorded'; readonly firings: readonly { readonly alertId: string; readonly fireSeq: number }[] };

export interface AlertsFromShard {
  readonly type: 'alert-fired';
  readonly shard: number;
  readonly firings: readonly AlertFiring[];
}

type Issue = { path: string; message: string };

/** The fields an alert rule may have; any other is an `unknown field` issue. */
const RULE_FIELDS: ReadonlySet<string> = new Set(['symbol', 'kind', 'price', 'threshold', 'windowSec', 'rearm', 'cooldownSec']);

/**
 * Validates a POST /v1/alerts body (or a rule from anywhere outside). Throws
 * `invalid_alert` with every problem in `details` ({path, message}); an
 * unknown ticker is `unknown_symbol`. Fields a kind does not use must be absent.
 */
export function validateAlertRuleInput(body: unknown, isKnownSymbol: (symbol: string) => boolean): AlertRuleInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BourseError('invalid_alert', 'an alert rule is a JSON object', undefined, [{ path: '/', message: 'expected an object' }]);
  const b = body as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const k of Object.keys(b)) if (!RULE_FIELDS.has(k)) issues.push({ path: `/${k}`, message: 'unknown field' });
  const symbol = normaliseSymbol(b.symbol);
  if (!symbol) issues.push({ path: '/symbol', message: 'must be a ticker symbol' });
  const kind = ALERT_KINDS.includes(b.kind as AlertKind) ? (b.kind as AlertKind) : undefined;
  if (!kind) issues.push({ path: '/kind', message: `must be one of ${ALERT_KINDS.join(', ')}` });
  const num = (k: string, min: number, max: number, integer: boolean, exclusiveMin: boolean): number | null => {
    const v = b[k];
    if (v === undefined || v === null) {
      issues.push({ path: `/${k}`, message: `is required for kind ${kind}` });
      return null;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (exclusiveMin ? v <= min : v < min) || v > max) {
      issues.push({ path: `/${k}`, message: `must be ${integer ? 'an integer' : 'a number'} ${exclusiveMin ? '>' : '≥'} ${min} and ≤ ${max}` });
      return null;
    }
    return v;
  };
  const absent = (k: string) => {
    if (b[k] !== undefined && b[k] !== null) issues.push({ path: `/${k}`, message: `is not used by kind ${kind}` });
  };
  let price: number | null = null;
  let threshold: number | null = null;
  let windowSec: number | null = null;
  if (kind === 'above' || kind === 'below' || kind === 'cross') {
    price = num('price', 0, 1e9, false, true);
    absent('threshold');
    absent('windowSec');
  } else if (kind === 'pct_move') {
    threshold = num('threshold', 0, 1000, false, true);
    windowSec = num('windowSec', 1, MAX_ALERT_WINDOW_S, true, false);
    absent('price');
  } else if (kind === 'volume_spike') {
    threshold = num('threshold', 1, 1e6, false, true);
    windowSec = num('windowSec', 1, MAX_ALERT_WINDOW_S, true, false);
    absent('price');
  }
  if (b.rearm !== undefined && typeof b.rearm !== 'boolean') issues.push({ path: '/rearm', message: 'must be true or false' });
  const rearm = b.rearm === true;
  let cooldownSec = DEFAULT_ALERT_COOLDOWN_S;
  if (b.cooldownSec !== undefined) {
    const c = b.cooldownSec;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > MAX_ALERT_COOLDOWN_S) issues.push({ path: '/cooldownSec', message: `must be an integer ≥ 0 and ≤ ${MAX_ALERT_COOLDOWN_S}` });
    else cooldownSec = c;
  }
  if (issues.length) throw new BourseError('invalid_alert', `invalid alert rule: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, undefined, issues);
  if (!isKnownSymbol(symbol!)) throw new BourseError('unknown_symbol', `${symbol} is not in the universe`);
  return { symbol: symbol!, kind: kind!, price, threshold, windowSec, rearm, cooldownSec };
}

/** A one-line human text for a firing ("AAPL rose above 190 (190.12)"). */
export function describeFiring(f: Pick<AlertFiring, 'symbol' | 'kind' | 'price' | 'value' | 'direction'>, windowSec: number | null): string {
  const p = formatPrice(f.price);
  switch (f.kind) {
    case 'above':
      return `${f.symbol} is at or above ${formatPrice(f.value)} (${p})`;
    case 'below':
      return `${f.symbol} is at or below ${formatPrice(f.value)} (${p})`;
    case 'cross':
      return `${f.symbol} crossed ${formatPrice(f.value)} ${f.direction === 'down' ? 'downwards' : 'upwards'} (${p})`;
    case 'pct_move':
      return `${f.symbol} moved ${f.value >= 0 ? '+' : ''}${f.value.toFixed(2)}% in ${windowSec ?? '?'}s (${p})`;
    case 'volume_spike':
      return `${f.symbol} traded ${f.value.toFixed(1)}× its average volume in ${windowSec ?? '?'}s (${p})`;
  }
}

function formatPrice(x: number): string {
  return x >= 1 ? x.toFixed(2) : x.toPrecision(4);
}

import { BourseError } from '../../core/errors.js';

/**
 * Reconnect delays of the WebSocket feeds: exponential with jitter.
 *
 * delay(n) = min(maxMs, initialMs · factor^n) · (1 − jitter · r), r uniform in [0, 1)
 *
 * so with the default jitter 0.5 the delay lies in (d/2, d]: never near zero
 * (no hammering after a drop), and clients dropped together spread out.
 * `n` counts the failed attempts since the last session that stayed up for
 * `resetAfterMs`; a server that accepts and drops at once therefore still
 * sees growing delays.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Share of the delay taken off at random, 0..1. */
  readonly jitter: number;
  /** Wait at least this long after the vendor says there are too many connections (Alpaca 406, HTTP 429). */
  readonly limitedMs: number;
  /** A session that lasted this long resets the attempt count. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
  limitedMs: 60_000,
  resetAfterMs: 60_000,
});

/** Fills in defaults and checks ranges; `feed` names the adapter in the error. */
export function backoffPolicy(feed: string, partial: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const p = { ...DEFAULT_BACKOFF, ...partial };
  const bad = (field: string) => new BourseError('config_invalid', `${feed}: backoff.${field} is out of range`);
  if (!(p.initialMs > 0 && Number.isFinite(p.initialMs))) throw bad('initialMs');
  if (!(p.maxMs >= p.initialMs && Number.isFinite(p.maxMs))) throw bad('maxMs');
  if (!(p.factor >= 1 && Number.isFinite(p.factor))) throw bad('factor');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw bad('jitter');
  if (!(p.limitedMs >= 0 && Number.isFinite(p.limitedMs))) throw bad('limitedMs');
  if (!(p.resetAfterMs >= 0)) throw bad('resetAfterMs');
  return Object.freeze(p);
}

/** The delay before reconnect attempt `attempt` (0 = the first retry). `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  return Math.round(base * (1 - policy.jitter * random()));
}

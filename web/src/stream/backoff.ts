import { TERMINAL_CLOSE_RANGE } from '../../../core/errors.js';

/** Reconnect delays: exponential, capped, with jitter so a restarted server is not met by every client at once. */
export interface BackoffOptions {
  /** First delay's ceiling, ms. */
  readonly initialMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 15_000 };

/**
 * "Equal jitter": half the exponential ceiling fixed, half random, so a delay
 * is never ~0 (no hot loop against a down server) yet clients spread out.
 * `attempt` counts from 0; `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, random: () => number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The delay the server asked for in a close reason (`{"code":"server_shutdown","retryInMs":1834}`), if any.
 */
export function hintedDelay(reason: string): number | undefined {
  if (!reason.startsWith('{')) return undefined;
  try {
    const ms = (JSON.parse(reason) as { retryInMs?: unknown }).retryInMs;
    return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : undefined;
  } catch {
    return undefined;
  }
}

/** Close codes 4500–4999 are terminal (docs/errors.md): do not reconnect. 1000 is a deliberate close. */
export function isTerminalClose(code: number): boolean {
  return code >= TERMINAL_CLOSE_RANGE[0] && code <= TERMINAL_CLOSE_RANGE[1];
}

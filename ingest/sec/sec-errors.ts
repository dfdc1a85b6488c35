import { BourseError, type ErrorCode } from '../../core/errors.js';

/**
 * The SEC sync's failures, with the codes proposed for core/errors.ts:
 * - sec_fetch_failed (502, retryable): EDGAR kept failing (network, timeouts,
 *   429 or 5xx after every retry).
 * - sec_access_denied (403, not retryable): the SEC answered 403, which it
 *   does for a missing or generic User-Agent and, for 10 minutes, after more
 *   than 10 requests a second.
 * - sec_data_invalid (502, not retryable): EDGAR served a ticker list that is
 *   not the expected shape.
 * Until they are registered they are raised as `internal` with the proposed
 * code leading the message; once registered, REGISTERED below becomes the
 * identity and callers keep working unchanged.
 */
export type SecErrorCode = 'sec_fetch_failed' | 'sec_access_denied' | 'sec_data_invalid';

const REGISTERED: Readonly<Record<SecErrorCode, ErrorCode>> = {
  sec_fetch_failed: 'sec_fetch_failed',
  sec_access_denied: 'sec_access_denied',
  sec_data_invalid: 'sec_data_invalid',
};

export function secError(code: SecErrorCode, message: string, cause?: unknown): BourseError {
  return new BourseError(REGISTERED[code], `${code}: ${message}`, cause === undefined ? undefined : { cause });
}

/** True when `err` is the SEC failure `code` (by registry code once registered, by the message prefix until then). */
export function isSecError(err: unknown, code: SecErrorCode): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  return e.code === code || (e.code === REGISTERED[code] && typeof e.message === 'string' && e.message.startsWith(`${code}: `));
}

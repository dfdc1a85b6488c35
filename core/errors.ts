/**
 * The one registry of error codes. A code is a stable string clients and tests
 * compare against; it is never reused for another meaning. docs/errors.md
 * mirrors this table and a test keeps the two in step.
 *
 * WebSocket close codes live in two documented ranges:
 * - 4000–4499: temporary. Reconnect (after the delay hint in the close reason, if any, with backoff).
 * - 4500–4999: terminal. Do not reconnect until the client's behaviour changes.
 */
export interface ErrorSpec {
  /** HTTP status for REST answers (and the nearest meaning for stream errors). */
  readonly status: number;
  /** Close code when this error closes a WebSocket; absent when it only produces an error frame. */
  readonly closeCode?: number;
  /** Whether retrying the same request later can succeed. */
  readonly retryable: boolean;
  /** Default human-readable message. */
  readonly message: string;
}

export const ERRORS = {
  // Client input: answered with an error frame (stream) or a 4xx (REST); the connection stays open.
  malformed_frame: { status: 400, retryable: false, message: 'frame is not a valid message for this sub-protocol' },
  unknown_op: { status: 400, retryable: false, message: 'unknown op' },
  invalid_argument: { status: 400, retryable: false, message: 'a field is missing or has the wrong type' },
  invalid_symbol: { status: 400, retryable: false, message: 'not a valid ticker symbol' },
  unknown_symbol: { status: 404, retryable: false, message: 'symbol is not in the universe' },
  invalid_channel: { status: 400, retryable: false, message: 'unknown channel' },
  invalid_throttle: { status: 400, retryable: false, message: 'throttle must be an integer number of milliseconds within the allowed range' },
  frame_too_large: { status: 413, retryable: false, message: 'frame exceeds the maximum size' },
  too_many_subscriptions: { status: 422, retryable: false, message: 'subscription limit per connection reached' },
  rate_limited: { status: 429, retryable: true, message: 'too many requests; slow down' },
  not_found: { status: 404, retryable: false, message: 'no such route' },
  method_not_allowed: { status: 405, retryable: false, message: 'method not allowed on this route' },
  unsupported_subprotocol: { status: 400, retryable: false, message: 'none of the offered WebSocket sub-protocols is supported' },
  not_ready: { status: 503, retryable: true, message: 'server is starting or draining' },
  internal: { status: 500, retryable: true, message: 'internal error' },
  // Closes: temporary (4000–4499), reconnect.
  server_shutdown: { status: 503, closeCode: 4000, retryable: true, message: 'server is shutting down; reconnect after the hinted delay' },
  slow_consumer: { status: 503, closeCode: 4001, retryable: true, message: 'client did not read fast enough; reconnect and resume' },
  server_error: { status: 500, closeCode: 4002, retryable: true, message: 'internal error on the connection; reconnect and resume' },
  // Closes: terminal (4500–4999), fix the client first.
  protocol_violation: { status: 400, closeCode: 4500, retryable: false, message: 'too many invalid frames' },
  flood: { status: 429, closeCode: 4501, retryable: false, message: 'rate limit exceeded repeatedly' },
  unauthorized: { status: 401, retryable: false, message: 'missing or wrong credentials' },
  quarantine_unavailable: { status: 503, retryable: true, message: 'the quarantine needs NATS JetStream, configured and connected' },
  quarantine_entry_not_found: { status: 404, retryable: false, message: 'no quarantined message with that id' },
  // REST API and the store thread.
  invalid_body: { status: 400, retryable: false, message: 'request body is not valid JSON or does not match the schema' },
  invalid_query: { status: 400, retryable: false, message: 'a query parameter is missing or invalid' },
  invalid_cursor: { status: 400, retryable: false, message: 'cursor is not one this server issued' },
  body_too_large: { status: 413, retryable: false, message: 'request body exceeds the maximum size' },
  unsupported_media_type: { status: 415, retryable: false, message: 'request body must be application/json' },
  store_unavailable: { status: 503, retryable: true, message: 'the store is starting, restarting or too slow; retry' },
  // Start-up.
  config_invalid: { status: 500, retryable: false, message: 'configuration is invalid' },
  // SEC sync (EDGAR).
  sec_fetch_failed: { status: 502, retryable: true, message: 'EDGAR kept failing after every retry' },
  sec_access_denied: { status: 403, retryable: false, message: 'the SEC refused the request (User-Agent, or a rate block)' },
  sec_data_invalid: { status: 502, retryable: false, message: 'EDGAR served data of an unexpected shape' },
  // Investors (auth).
  token_expired: { status: 401, retryable: false, message: 'the access token has expired; refresh it' },
  invalid_email: { status: 400, retryable: false, message: 'not a valid email address' },
  weak_password: { status: 400, retryable: false, message: 'the password does not meet the password policy' },
  email_taken: { status: 409, retryable: false, message: 'an investor with this email already exists' },
  invalid_credentials: { status: 401, retryable: false, message: 'wrong email or password' },
  invalid_refresh_token: { status: 401, retryable: false, message: 'the refresh token is unknown, expired or revoked; log in again' },
  refresh_token_reused: { status: 401, retryable: false, message: 'a refresh token was used twice; every session of that login was revoked' },
  session_expired: { status: 401, closeCode: 4003, retryable: true, message: 'the access token of this connection expired; reconnect with a fresh one' },
  // Dashboards and watchlists.
  dashboard_not_found: { status: 404, retryable: false, message: 'no such dashboard' },
  too_many_dashboards: { status: 422, retryable: false, message: 'dashboard limit per investor reached' },
  watchlist_full: { status: 422, retryable: false, message: 'symbol limit of this watchlist reached' },
  symbol_already_listed: { status: 409, retryable: false, message: 'the symbol is already in this watchlist' },
  symbol_not_listed: { status: 404, retryable: false, message: 'the symbol is not in this watchlist' },
  invalid_order: { status: 400, retryable: false, message: 'a reorder must list exactly the current items, each once' },
  // Profiling (/admin/profile, /admin/flamegraph, /admin/heap).
  unknown_thread: { status: 404, retryable: false, message: 'no thread by that name (see /admin/threads)' },
  invalid_profile_seconds: { status: 400, retryable: false, message: 'seconds must be an integer within the allowed range' },
  profile_in_progress: { status: 409, retryable: true, message: 'a profile of this thread is already being taken' },
  thread_unavailable: { status: 503, retryable: true, message: 'the thread is not running or stopped before it answered' },
  profile_failed: { status: 500, retryable: true, message: 'the inspector could not take the profile' },
  // Redis speed layer.
  redis_unavailable: { status: 503, retryable: true, message: 'Redis is not reachable or did not answer in time' },
  // Company search.
  search_unavailable: { status: 503, retryable: true, message: 'the search index is being built; retry shortly' },
  // Alerts and notifications.
  invalid_alert: { status: 400, retryable: false, message: 'alert rule is invalid' },
  alert_not_found: { status: 404, retryable: false, message: 'no alert with that id for this investor' },
  too_many_alerts: { status: 422, retryable: false, message: 'alert limit per investor reached' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const TEMPORARY_CLOSE_RANGE = [4000, 4499] as const;
export const TERMINAL_CLOSE_RANGE = [4500, 4999] as const;

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERRORS[code];
}

/** True when a client closed with `closeCode` should reconnect. */
export function isTemporaryClose(closeCode: number): boolean {
  return closeCode < TERMINAL_CLOSE_RANGE[0];
}

/**
 * An error with a registry code. Crosses threads as a plain object (see
 * toJSON), so compare with `hasCode`, never with instanceof alone.
 */
export class BourseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** Machine-readable specifics (e.g. which field failed validation); sent to clients as `details`. */
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options?: ErrorOptions, details?: unknown) {
    super(message ?? ERRORS[code].message, options);
    this.name = 'BourseError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function hasCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** True when `err` carries a code of this registry (a BourseError, or one that crossed a thread as a plain object). */
export function hasRegistryCode(err: unknown): err is { code: ErrorCode; message: string } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && Object.hasOwn(ERRORS, (err as { code: string }).code);
}

/** The JSON error shape of every HTTP answer: `{"error":{"code","message"}}`; the registry's message when none is given. */
export function errorPayload(code: ErrorCode, message?: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message: message ?? ERRORS[code].message } };
}

import { ERRORS, errorPayload, type ErrorCode } from '../core/index.js';
import type { HttpResponse } from './uws.js';

/** Reason phrases of the statuses the gateway answers with. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** `cache-control: no-store`, for answers a cache must not keep. */
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store' };

/** The status line uWS writes: `404 Not Found` (the bare number for a status without a phrase here). */
export function statusLine(status: number): string {
  const text = STATUS_TEXT[status];
  return text ? `${status} ${text}` : String(status);
}

/**
 * Answers `status` with `body` of content type `type`, plus `headers`.
 * Corked, so it may be called outside a uWS handler (inside one, or inside
 * another cork, uWS runs it straight away). Returns the status (metrics).
 */
export function send(res: HttpResponse, status: number, type: string, body: string, headers: Readonly<Record<string, string>> = {}): number {
  res.cork(() => {
    res.writeStatus(statusLine(status));
    res.writeHeader('content-type', type);
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(body);
  });
  return status;
}

/** Answers `status` with `body` as JSON (see send). */
export function json(res: HttpResponse, status: number, body: unknown, headers?: Readonly<Record<string, string>>): number {
  return send(res, status, 'application/json', JSON.stringify(body), headers);
}

/** Answers a registry error with its status and `{"error":{"code","message"}}` (see send). */
export function fail(res: HttpResponse, code: ErrorCode, message?: string, headers?: Readonly<Record<string, string>>): number {
  return json(res, ERRORS[code].status, errorPayload(code, message), headers);
}

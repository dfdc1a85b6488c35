import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import { backoffDelay } from '../jetstream/nats-connection.js';
import { secError } from './sec-errors.js';
import { TokenBucket } from './token-bucket.js';

/**
 * GETs JSON from sec.gov the way the SEC's fair-access policy asks
 * (https://www.sec.gov/os/accessing-edgar-data):
 * - every request carries the configured User-Agent, which must name the
 *   operator and a contact e-mail ("Bourse admin@example.com"); the client
 *   refuses to start without one;
 * - at most `maxRequestsPerSecond` (≤ 10) requests start per second, through
 *   a token bucket on the injected clock; retries take tokens too;
 * - `Accept-Encoding: gzip, deflate`; fetch decompresses.
 *
 * Retries: 429, 5xx, network errors and timeouts are retried up to
 * `maxAttempts` in all, after the server's Retry-After when it sends one,
 * else full-jitter exponential backoff from `retryBaseMs` (capped at
 * `retryMaxMs`). Then sec_fetch_failed. 404 is an answer (`not_found`), not
 * an error. 403 fails at once with sec_access_denied: the SEC sends it for a
 * bad User-Agent and for rate violations (a 10-minute block), and retrying
 * only prolongs the block. Other 4xx fail at once with sec_fetch_failed.
 */
export interface EdgarClientOptions {
  readonly userAgent: string | undefined;
  /** Default and maximum 10 (the SEC's limit). */
  readonly maxRequestsPerSecond?: number;
  readonly clock?: Pick<Clock, 'now' | 'after'>;
  /** Attempts per URL, first one included. Default 5. */
  readonly maxAttempts?: number;
  /** Default 1000 ms. */
  readonly retryBaseMs?: number;
  /** Longest wait before a retry, Retry-After included. Default 60 s. */
  readonly retryMaxMs?: number;
  /** Per attempt, in real time. Default 30 s. */
  readonly timeoutMs?: number;
  readonly random?: () => number;
}

export type EdgarResponse = { readonly status: 'ok'; readonly json: unknown } | { readonly status: 'not_found' } | { readonly status: 'invalid_json'; readonly reason: string };

export interface EdgarClientStats {
  /** Attempts sent (retries included). */
  requests: number;
  retries: number;
  notFound: number;
}

export const SEC_MAX_REQUESTS_PER_SECOND = 10;

/** Checks the User-Agent the SEC requires: printable, and with a contact e-mail in it. Throws config_invalid saying what to set. */
export function validateUserAgent(userAgent: string | undefined): string {
  const ua = userAgent?.trim() ?? '';
  const hint = 'the SEC requires a User-Agent naming you and a contact e-mail, e.g. "Bourse admin@example.com" (set SEC_USER_AGENT or pass --user-agent)';
  if (ua === '') throw new BourseError('config_invalid', `SEC User-Agent is not set: ${hint}`);
  if (!/^[\x20-\x7e]+$/.test(ua)) throw new BourseError('config_invalid', `SEC User-Agent ${JSON.stringify(ua)} has characters outside printable ASCII: ${hint}`);
  if (!/[^\s@]+@[^\s@]+\.[^\s@]+/.test(ua)) throw new BourseError('config_invalid', `SEC User-Agent ${JSON.stringify(ua)} has no contact e-mail: ${hint}`);
  return ua;
}

export class EdgarClient {
  readonly stats: EdgarClientStats = { requests: 0, retries: 0, notFound: 0 };
  readonly userAgent: string;
  readonly #bucket: TokenBucket;
  readonly #clock: Pick<Clock, 'now' | 'after'>;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #timeoutMs: number;
  readonly #random: () => number;

  constructor(opts: EdgarClientOptions) {
    this.userAgent = validateUserAgent(opts.userAgent);
    const rate = opts.maxRequestsPerSecond ?? SEC_MAX_REQUESTS_PER_SECOND;
    if (!(rate > 0 && rate <= SEC_MAX_REQUESTS_PER_SECOND)) {
      throw new BourseError('config_invalid', `SEC request rate ${rate}/s is outside (0, ${SEC_MAX_REQUESTS_PER_SECOND}]: the SEC allows at most ${SEC_MAX_REQUESTS_PER_SECOND} requests per second`);
    }
    this.#clock = opts.clock ?? systemClock;
    this.#bucket = new TokenBucket(rate, this.#clock);
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.#retryBaseMs = opts.retryBaseMs ?? 1000;
    this.#retryMaxMs = opts.retryMaxMs ?? 60_000;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#random = opts.random ?? Math.random;
  }

  async getJson(url: string, signal?: AbortSignal): Promise<EdgarResponse> {
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      await this.#bucket.take(signal);
      this.stats.requests++;
      let res: Response;
      let text: string | undefined;
      try {
        res = await fetch(url, {
          headers: { 'User-Agent': this.userAgent, 'Accept-Encoding': 'gzip, deflate', Accept: 'application/json' },
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]) : AbortSignal.timeout(this.#timeoutMs),
        });
        if (res.status === 200) text = await res.text();
        else await res.body?.cancel().catch(() => {});
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        lastProblem = describeFetchError(err);
        await this.#beforeRetry(url, attempt, lastProblem, undefined, signal);
        continue;
      }
      if (text !== undefined) {
        try {
          return { status: 'ok', json: JSON.parse(text) as unknown };
        } catch (err) {
          return { status: 'invalid_json', reason: `is not valid JSON (${(err as Error).message})` };
        }
      }
      if (res.status === 404) {
        this.stats.notFound++;
        return { status: 'not_found' };
      }
      if (res.status === 403) {
        throw secError('sec_access_denied', `${url} answered 403 Forbidden: the SEC refuses a User-Agent without a real contact (sent ${JSON.stringify(this.userAgent)}) and blocks clients that exceed 10 requests/s for 10 minutes`);
      }
      if (res.status !== 429 && res.status < 500) throw secError('sec_fetch_failed', `${url} answered ${res.status} ${res.statusText}`);
      lastProblem = `${res.status} ${res.statusText}`;
      await this.#beforeRetry(url, attempt, lastProblem, parseRetryAfter(res.headers.get('retry-after'), this.#clock.now()), signal);
    }
  }

  /** Throws sec_fetch_failed after the last attempt, else waits out Retry-After or the backoff. */
  async #beforeRetry(url: string, attempt: number, lastProblem: string, retryAfterMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (attempt >= this.#maxAttempts) throw secError('sec_fetch_failed', `${url} failed ${attempt} times; last: ${lastProblem}`);
    this.stats.retries++;
    const wait = Math.min(this.#retryMaxMs, retryAfterMs ?? backoffDelay(attempt - 1, this.#retryBaseMs, this.#retryMaxMs, this.#random));
    await sleep(this.#clock, wait, signal);
  }
}

/** Retry-After as delay-seconds or an HTTP date → ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function sleep(clock: Pick<Clock, 'after'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(signal!.reason);
    };
    const cancel = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

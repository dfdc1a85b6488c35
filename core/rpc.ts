import type { MessagePort } from 'node:worker_threads';
import { BourseError, ERRORS, type ErrorCode } from './errors.js';

/**
 * Request/response over a MessagePort between two threads (gateway → store).
 * Contract: each call is answered at most once; a call whose port goes away
 * (the store thread restarted) or that outlives `timeoutMs` rejects with
 * `store_unavailable` (retryable) — the caller does not know whether it took
 * effect, so mutating methods must be safe to retry or say so. Errors cross as
 * plain {code, message, details}: compare by code. Messages without an `id`
 * are pushes from the server side (see onPush).
 */
export interface RpcRequest {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
  /** W3C trace context of the caller's active span, when tracing is on (the handler's span becomes its child). */
  readonly traceparent?: string;
}

/** What a handler learns about a call besides its params. */
export interface RpcMeta {
  readonly traceparent?: string;
}

export type RpcReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly details?: unknown } };

/** A push: anything the server side sends unasked (e.g. "this investor's dashboards changed"). */
export interface RpcPush {
  readonly push: string;
  readonly [field: string]: unknown;
}

export class RpcClient {
  #port: MessagePort | undefined;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  readonly #timeoutMs: number;
  readonly #onPush: (p: RpcPush) => void;
  readonly #traceparent: (() => string | undefined) | undefined;

  /** `traceparent`: the active span's W3C trace context (tracing on), sent with each call. */
  constructor(opts: { timeoutMs?: number; onPush?: (p: RpcPush) => void; traceparent?: () => string | undefined } = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#onPush = opts.onPush ?? (() => undefined);
    this.#traceparent = opts.traceparent;
  }

  get attached(): boolean {
    return this.#port !== undefined;
  }

  /** Calls waiting for their reply (a cross-thread queue depth, for metrics). */
  get pending(): number {
    return this.#pending.size;
  }

  /** Uses `port` from now on; calls in flight on the previous port fail with store_unavailable. */
  attach(port: MessagePort): void {
    this.#failAll('the store thread was replaced');
    this.#port?.close();
    this.#port = port;
    port.on('message', (m: RpcReply | RpcPush) => {
      if ('push' in m) return this.#onPush(m);
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(remoteError(m.error));
    });
    port.on('close', () => {
      if (this.#port === port) this.#port = undefined;
      this.#failAll('the store thread went away');
    });
  }

  call<T>(method: string, params: unknown): Promise<T> {
    const port = this.#port;
    if (!port) return Promise.reject(new BourseError('store_unavailable'));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BourseError('store_unavailable', `${method} took longer than ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const traceparent = this.#traceparent?.();
      port.postMessage((traceparent ? { id, method, params, traceparent } : { id, method, params }) satisfies RpcRequest);
    });
  }

  close(): void {
    this.#failAll('closed');
    this.#port?.close();
    this.#port = undefined;
  }

  #failAll(why: string): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new BourseError('store_unavailable', why));
    }
  }
}

export type RpcHandler = (params: unknown, meta?: RpcMeta) => Promise<unknown>;

/**
 * Answers RpcClient calls arriving on `port` with `handlers[method]`. A
 * handler's BourseError goes back with its code; anything else is reported to
 * `onError` and answered as `internal` (the thread keeps running).
 */
export function serveRpc(port: MessagePort, handlers: Readonly<Record<string, RpcHandler>>, onError: (err: unknown, method: string) => void): void {
  port.on('message', (m: RpcRequest) => {
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') return;
    const handler = Object.hasOwn(handlers, m.method) ? handlers[m.method] : undefined;
    const reply = (r: RpcReply) => port.postMessage(r);
    if (!handler) return reply({ id: m.id, ok: false, error: { code: 'internal', message: `no RPC method ${m.method}` } });
    handler(m.params, typeof m.traceparent === 'string' ? { traceparent: m.traceparent } : undefined).then(
      (result) => reply({ id: m.id, ok: true, result }),
      (err: unknown) => {
        if (err instanceof BourseError) return reply({ id: m.id, ok: false, error: { code: err.code, message: err.message, details: err.details } });
        onError(err, m.method);
        reply({ id: m.id, ok: false, error: { code: 'internal', message: 'internal error' } });
      },
    );
  });
}

function remoteError(e: { code: string; message: string; details?: unknown }): BourseError {
  const code = (Object.hasOwn(ERRORS, e.code) ? e.code : 'internal') as ErrorCode;
  return new BourseError(code, e.message, undefined, e.details);
}

import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { BourseError, ERRORS, errorPayload, hasRegistryCode, type ErrorCode, type Logger, type RequestSpan } from '../core/index.js';
import { NO_STORE, json, statusLine } from './replies.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'del';

/** Who made a request: the investor an access token names. */
export interface Principal {
  readonly investorId: string;
  readonly email?: string;
}

export interface ApiContext<B, Q> {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal | undefined;
  readonly ip: string;
}

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiResponseSpec {
  readonly description: string;
  readonly schema?: TSchema;
}

/** One REST route: its schemas are both what the handler validates against and what /v1/openapi.json publishes. */
export interface RouteSpec<B extends TSchema = TSchema, Q extends TSchema = TSchema> {
  readonly method: HttpMethod;
  /** uWS pattern, e.g. `/v1/dashboards/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** `required`: 401 without a valid access token; `optional`: principal when one is given; `none`: never read. */
  readonly auth: 'required' | 'optional' | 'none';
  /** Which limit applies (per investor, else per IP): `login` (credential endpoints) or `api` (default). */
  readonly rateLimit?: 'login' | 'api' | 'none';
  readonly body?: B;
  readonly query?: Q;
  readonly responses: Readonly<Record<number, ApiResponseSpec>>;
  readonly handler: (ctx: ApiContext<Static<B>, Static<Q>>) => Promise<ApiResult>;
}

export interface HttpApiDeps {
  /** Verifies an access token (throws BourseError `unauthorized` / `token_expired`). */
  readonly authenticate: (token: string) => Promise<Principal>;
  /** One hit against a limit; `allowed: false` answers 429 with Retry-After. */
  readonly rateLimit: (key: string, limit: number, windowMs: number) => Promise<{ allowed: boolean; retryAfterMs: number }>;
  readonly limits: { readonly loginPerMinute: number; readonly apiPerMinute: number };
  readonly log: Logger;
  /** Called once per answered request (metrics). */
  readonly observe?: (route: string, method: string, status: number, seconds: number) => void;
  /** Tracing on: a span per request, active while its handler runs (see httpRequestTracer). */
  readonly trace?: (method: string, route: string) => RequestSpan;
}

/** Largest JSON body any route accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

interface Compiled {
  readonly spec: RouteSpec;
  readonly body?: TypeCheck<TSchema>;
  readonly query?: TypeCheck<TSchema>;
  readonly paramNames: readonly string[];
}

/**
 * The REST framework on a uWS app: per route it reads what uWS only gives
 * synchronously (params, query, headers, remote address), collects the body
 * under a size limit, then runs — in order — authentication (401), JSON
 * parsing and schema validation (400 `invalid_body` / `invalid_query` with
 * per-field details), the rate limit (429 + Retry-After), and the handler.
 * A handler's BourseError becomes its status and `{"error":{code,message,details}}`;
 * anything else is logged and answered 500 `internal`. Nothing a client sends
 * can throw past this layer.
 */
export class HttpApi {
  readonly #app: TemplatedApp;
  readonly #deps: HttpApiDeps;
  readonly #routes: Compiled[] = [];
  readonly #documented: RouteSpec[] = [];

  constructor(app: TemplatedApp, deps: HttpApiDeps) {
    this.#app = app;
    this.#deps = deps;
  }

  /** Every route, for the OpenAPI document and its test. */
  get routes(): readonly RouteSpec[] {
    return [...this.#routes.map((r) => r.spec), ...this.#documented];
  }

  route<B extends TSchema, Q extends TSchema>(spec: RouteSpec<B, Q>): void {
    const compiled: Compiled = {
      spec: spec as unknown as RouteSpec,
      body: spec.body ? TypeCompiler.Compile(spec.body) : undefined,
      query: spec.query ? TypeCompiler.Compile(spec.query) : undefined,
      paramNames: [...spec.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]),
    };
    this.#routes.push(compiled);
    this.#app[spec.method](spec.path, (res, req) => this.#handle(compiled, res, req));
  }

  /** Verifies an access token the way routes do (for handlers outside the framework, e.g. an SSE stream). */
  authenticate(token: string): Promise<Principal> {
    return this.#deps.authenticate(token);
  }

  /** Documents a route served outside the framework (e.g. an SSE stream), so the OpenAPI document lists it. */
  document(spec: Omit<RouteSpec, 'handler'>): void {
    this.#documented.push({ ...spec, handler: async () => ({ status: 500 }) });
  }

  #handle(r: Compiled, res: HttpResponse, req: HttpRequest): void {
    const started = performance.now();
    const params: Record<string, string> = {};
    r.paramNames.forEach((n, i) => (params[n] = safeDecode(req.getParameter(i) ?? '')));
    const rawQuery = req.getQuery() ?? '';
    const authorization = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    const ip = remoteIp(res, req);
    const state = { aborted: false };
    const span = this.#deps.trace?.(r.spec.method, r.spec.path);
    res.onAborted(() => {
      state.aborted = true;
      span?.end(499); // the client went away before the answer
    });
    const finish = (result: ApiResult) => {
      if (state.aborted) return;
      write(res, result);
      span?.end(result.status);
      this.#deps.observe?.(r.spec.path, r.spec.method, result.status, (performance.now() - started) / 1000);
    };
    const run = (rawBody: Buffer | undefined) => {
      const answer = () => this.#run(r, { params, rawQuery, authorization, contentType, ip, rawBody });
      (span ? span.run(answer) : answer()).then(finish, (err: unknown) => finish(this.#failure(err, r)));
    };
    if (r.spec.method === 'get' || r.spec.method === 'del' || !r.spec.body) {
      run(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    res.onData((chunk, isLast) => {
      if (rejected) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        rejected = true;
        finish(errorResult('body_too_large', `at most ${MAX_BODY_BYTES} bytes`));
        return;
      }
      // uWS reuses the chunk's memory after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) run(Buffer.concat(chunks));
    });
  }

  async #run(r: Compiled, q: { params: Record<string, string>; rawQuery: string; authorization: string; contentType: string; ip: string; rawBody: Buffer | undefined }): Promise<ApiResult> {
    const spec = r.spec;
    // Authentication first: a caller without a valid token learns nothing about the route's input.
    let principal: Principal | undefined;
    if (spec.auth !== 'none') {
      const token = bearerToken(q.authorization);
      if (token) principal = await this.#deps.authenticate(token);
      else if (q.authorization) throw new BourseError('unauthorized', 'Authorization must be `Bearer <accessToken>`');
      else if (spec.auth === 'required') throw new BourseError('unauthorized', 'this route needs Authorization: Bearer <accessToken>');
    }
    let query: unknown = {};
    if (r.query) {
      const raw = Object.fromEntries(new URLSearchParams(q.rawQuery));
      query = Value.Convert(spec.query!, raw);
      if (!r.query.Check(query)) throw new BourseError('invalid_query', 'query parameters do not match the schema', undefined, details(r.query, query));
    }
    let body: unknown;
    if (r.body) {
      if (q.rawBody === undefined || q.rawBody.length === 0) throw new BourseError('invalid_body', 'a JSON body is required');
      if (q.contentType && !/^application\/json\b/i.test(q.contentType)) throw new BourseError('unsupported_media_type');
      try {
        body = JSON.parse(q.rawBody.toString('utf8'));
      } catch {
        throw new BourseError('invalid_body', 'the body is not valid JSON');
      }
      if (!r.body.Check(body)) throw new BourseError('invalid_body', 'the body does not match the schema', undefined, details(r.body, body));
    }
    const limit = spec.rateLimit ?? 'api';
    if (limit !== 'none') {
      const perMinute = limit === 'login' ? this.#deps.limits.loginPerMinute : this.#deps.limits.apiPerMinute;
      const who = principal ? `investor:${principal.investorId}` : `ip:${q.ip}`;
      const hit = await this.#deps.rateLimit(`${limit}:${who}`, perMinute, 60_000);
      if (!hit.allowed) return rateLimitedResult(`more than ${perMinute} ${limit} requests a minute`, hit.retryAfterMs);
    }
    return spec.handler({ params: q.params, query, body, principal, ip: q.ip });
  }

  #failure(err: unknown, r: Compiled): ApiResult {
    if (hasRegistryCode(err)) return errorResult(err.code, err.message, (err as BourseError).details);
    this.#deps.log.error({ err, route: r.spec.path, method: r.spec.method }, 'REST handler failed');
    return errorResult('internal');
  }
}

export function errorResult(code: ErrorCode, message?: string, details?: unknown): ApiResult {
  const { error } = errorPayload(code, message);
  return { status: ERRORS[code].status, body: { error: details === undefined ? error : { ...error, details } } };
}

/** 429 `rate_limited` with `message` and a Retry-After of the whole seconds (at least 1) until a retry can pass. */
export function rateLimitedResult(message: string, retryAfterMs: number): ApiResult {
  return { ...errorResult('rate_limited', message), headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerToken(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
}

/** Writes `r`, with `cache-control: no-store` unless its headers choose a policy. */
function write(res: HttpResponse, r: ApiResult): void {
  const headers = r.headers?.['cache-control'] ? r.headers : { ...NO_STORE, ...r.headers };
  if (r.status !== 204 && r.body !== undefined) {
    json(res, r.status, r.body, headers);
    return;
  }
  res.cork(() => {
    res.writeStatus(statusLine(r.status));
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.endWithoutBody();
  });
}

function details(check: TypeCheck<TSchema>, value: unknown): { path: string; message: string }[] {
  return [...check.Errors(value)].slice(0, 10).map((e) => ({ path: e.path || '/', message: e.message }));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The client's address: the socket's peer (a proxy in front should be trusted explicitly; not yet configurable). */
function remoteIp(res: HttpResponse, _req: HttpRequest): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

import { normaliseSymbol, type Clock, type ErrorCode, type ThreadStatus, type Universe } from '../core/index.js';
import type { QuoteReader } from './quote-reader.js';
import { NO_STORE, fail, json } from './replies.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

export interface RestDeps {
  readonly universe: Universe;
  readonly reader: QuoteReader;
  readonly status: ThreadStatus;
  readonly clock: Clock;
  readonly thread: string;
  /** Whether this gateway is draining (readyz answers 503). */
  readonly draining: () => boolean;
  /** Called once per answered market request (metrics: http_request_duration_seconds). */
  readonly observe?: (route: string, method: string, status: number, seconds: number) => void;
}

/** Most symbols one GET /v1/quotes?symbols= may name. */
export const MAX_QUOTES_PER_REQUEST = 100;

/**
 * REST on the stream's port: quotes straight from the shared quote tables,
 * the symbol list, and health. Every error is {"error":{"code","message"}}.
 */
export function registerRestRoutes(app: TemplatedApp, d: RestDeps): void {
  /** A synchronous GET handler that returns the status it answered, timed for metrics. */
  const timed = (route: string, h: (res: HttpResponse, req: HttpRequest) => number) => (res: HttpResponse, req: HttpRequest) => {
    const started = performance.now();
    const status = h(res, req);
    d.observe?.(route, 'get', status, (performance.now() - started) / 1000);
  };
  app.get('/healthz', (res) => {
    json(res, 200, { status: 'ok', thread: d.thread }, NO_STORE);
  });

  app.get('/readyz', (res) => {
    const threads = d.status.snapshot();
    const ready = !d.draining() && d.status.allReady();
    // Optional dependencies (Redis) that are down degrade the server without making it unready.
    const degraded = d.status.degraded();
    const state = !ready ? 'not_ready' : degraded.length ? 'degraded' : 'ready';
    json(res, ready ? 200 : 503, { status: state, thread: d.thread, threads, degraded, restarts: d.status.restarts() }, NO_STORE);
  });

  app.get('/v1/symbols', timed('/v1/symbols', (res) => json(res, 200, { count: d.universe.size, symbols: d.universe.companies.map((c) => c.symbol) }, NO_STORE)));

  app.get('/v1/quotes/:symbol', timed('/v1/quotes/:symbol', (res, req) => {
    const raw = decodeURIComponent(req.getParameter(0) ?? '');
    const symbol = normaliseSymbol(raw);
    if (!symbol) return fail(res, 'invalid_symbol', `${JSON.stringify(raw.slice(0, 40))} is not a valid ticker`);
    const id = d.universe.id(symbol);
    if (id < 0) return fail(res, 'unknown_symbol', `${symbol} is not in the universe`);
    return json(res, 200, restQuote(d, id), NO_STORE);
  }));

  app.get('/v1/quotes', timed('/v1/quotes', (res, req) => {
    const param = req.getQuery('symbols');
    if (!param) return fail(res, 'invalid_argument', 'give ?symbols=A,B,...');
    const list = decodeURIComponent(param).split(',').filter(Boolean);
    if (list.length === 0 || list.length > MAX_QUOTES_PER_REQUEST) return fail(res, 'invalid_argument', `between 1 and ${MAX_QUOTES_PER_REQUEST} symbols`);
    const quotes: unknown[] = [];
    const errors: { symbol: string; code: ErrorCode }[] = [];
    for (const raw of list) {
      const symbol = normaliseSymbol(raw);
      const id = symbol ? d.universe.id(symbol) : -1;
      if (!symbol) errors.push({ symbol: raw.slice(0, 40), code: 'invalid_symbol' });
      else if (id < 0) errors.push({ symbol, code: 'unknown_symbol' });
      else quotes.push(restQuote(d, id));
    }
    return json(res, 200, { quotes, errors }, NO_STORE);
  }));

  app.any('/*', (res, req) => {
    const method = req.getMethod();
    if (method !== 'get' && method !== 'head') fail(res, 'method_not_allowed', `${method.toUpperCase()} is not allowed here`);
    else fail(res, 'not_found', `no route for ${req.getUrl().slice(0, 100)}`);
  });
}

function restQuote(d: RestDeps, id: number): unknown {
  const { type: _type, ...rest } = d.reader.snapshot(id, d.clock.now());
  return rest;
}

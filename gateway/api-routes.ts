import type { Config, Logger, Universe } from '../core/index.js';
import type { PublicJwk } from '../core/auth/index.js';
import type { RpcClient, RpcPush } from '../core/rpc.js';
import { HttpApi, type HttpApiDeps, type Principal } from './http-api.js';
import { openApiDocument } from './openapi.js';
import { registerBarRoutes } from './bar-routes.js';
import { registerAlertRoutes } from './alert-routes.js';
import { documentMarketRoutes } from './market-docs.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerSearchRoutes } from './search-routes.js';
import type { TemplatedApp } from './uws.js';

/** What the REST API of one gateway thread is built from. */
export interface ApiDeps {
  readonly config: Config;
  readonly universe: Universe;
  readonly log: Logger;
  /** The store thread (accounts, dashboards, alerts, notifications, bars). */
  readonly store: RpcClient;
  /** Verifies an access token (throws `unauthorized` / `token_expired`). */
  readonly authenticate: (token: string) => Promise<Principal>;
  /** One hit against a rate limit. */
  readonly rateLimit: (key: string, limit: number, windowMs: number) => Promise<{ allowed: boolean; retryAfterMs: number }>;
  readonly version: string;
  /** The access tokens' public key (JWKS). */
  readonly authPublicKey: PublicJwk;
  /** Called once per answered request (metrics: http_request_duration_seconds). */
  readonly observe?: (route: string, method: string, status: number, seconds: number) => void;
  /** Tracing on: a span per request (HttpApiDeps.trace). */
  readonly trace?: HttpApiDeps['trace'];
  /** Subscribes to the store thread's pushes (e.g. `search.index`). */
  readonly onStorePush?: (handler: (p: RpcPush) => void) => void;
}

/**
 * Every /v1 REST route that goes through the framework (validation, auth,
 * rate limits), one register call per feature, then /v1/openapi.json built
 * from all of them.
 */
export function registerApi(app: TemplatedApp, d: ApiDeps): HttpApi {
  const api = new HttpApi(app, {
    authenticate: d.authenticate,
    rateLimit: d.rateLimit,
    limits: { loginPerMinute: d.config.loginRateLimit, apiPerMinute: d.config.apiRateLimit },
    log: d.log,
    observe: d.observe,
    trace: d.trace,
  });
  // Feature routes (one line each).
  documentMarketRoutes(api);
  registerBarRoutes(api, d.store);
  registerAuthRoutes(api, { config: d.config, store: d.store, rateLimit: d.rateLimit, publicKey: d.authPublicKey });
  registerDashboardRoutes(api, d.store);
  registerSearchRoutes(api, d.store, d.onStorePush);
  registerAlertRoutes(api, d.store);

  let doc: string | undefined;
  app.get('/v1/openapi.json', (res) => {
    doc ??= JSON.stringify(openApiDocument(api.routes, { version: d.version }));
    res.cork(() => res.writeHeader('content-type', 'application/json').writeHeader('cache-control', 'public, max-age=300').end(doc));
  });
  return api;
}

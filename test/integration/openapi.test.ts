import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickKind } from '../../core/index.js';
import type { ServerHandle } from '../../cli/supervisor.js';
import { schemaErrors } from '../helpers/json-schema.js';
import { sleep, startTestServer, tickRecords, until } from '../helpers/server.js';

interface Operation {
  readonly responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  readonly security?: unknown[];
  readonly parameters?: { name: string; in: string }[];
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** What a happy-path call needs: the server, and helpers that remember state between calls. */
class Ctx {
  readonly state: Record<string, string> = {};
  constructor(readonly server: ServerHandle) {}
  get base(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }
  /** One investor for the whole test (registered on first use). */
  async investor(): Promise<{ email: string; password: string; accessToken: string }> {
    if (!this.state.email) {
      this.state.email = `openapi-${Date.now()}@example.com`;
      this.state.password = 'a long enough passphrase';
      const r = await this.call('post', '/v1/auth/register', { email: this.state.email, password: this.state.password });
      this.state.accessToken = ((await r.json()) as { accessToken: string }).accessToken;
    }
    return { email: this.state.email, password: this.state.password, accessToken: this.state.accessToken };
  }
  async login(): Promise<{ accessToken: string; refreshToken: string }> {
    const { email, password } = await this.investor();
    return (await this.call('post', '/v1/auth/login', { email, password })).json() as Promise<{ accessToken: string; refreshToken: string }>;
  }
  async bearer(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${(await this.investor()).accessToken}` };
  }
  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method: method.toUpperCase(),
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

/**
 * One happy-path call per documented operation ("method path" as in the
 * document). A route added without an entry here fails the coverage test, so
 * every route the document promises is exercised and its answer checked
 * against the schema the document publishes.
 */
const HAPPY: Record<string, (c: Ctx) => Promise<Response>> = {
  'get /v1/symbols': (c) => c.call('get', '/v1/symbols'),
  'get /v1/quotes/{symbol}': (c) => c.call('get', '/v1/quotes/AAPL'),
  'get /v1/quotes': (c) => c.call('get', '/v1/quotes?symbols=AAPL,MSFT,NOPE1'),
  'get /v1/bars/{symbol}': (c) => c.call('get', `/v1/bars/AAPL?from=${Date.now() - 3_600_000}&limit=10`),
  'post /v1/auth/register': (c) => c.call('post', '/v1/auth/register', { email: `openapi-new-${Date.now()}@example.com`, password: 'another long passphrase' }),
  'post /v1/auth/login': async (c) => {
    const { email, password } = await c.investor();
    return c.call('post', '/v1/auth/login', { email, password });
  },
  'post /v1/auth/refresh': async (c) => c.call('post', '/v1/auth/refresh', { refreshToken: (await c.login()).refreshToken }),
  'post /v1/auth/logout': async (c) => c.call('post', '/v1/auth/logout', { refreshToken: (await c.login()).refreshToken }),
  'get /v1/auth/jwks': (c) => c.call('get', '/v1/auth/jwks'),
  'get /v1/auth/me': async (c) => c.call('get', '/v1/auth/me', undefined, await c.bearer()),
  'get /v1/dashboards': async (c) => c.call('get', '/v1/dashboards?limit=10', undefined, await c.bearer()),
  'post /v1/dashboards': async (c) => {
    const r = await c.call('post', '/v1/dashboards', { name: 'OpenAPI' }, await c.bearer());
    c.state.dashboardId = ((await r.clone().json()) as { id: string }).id;
    return r;
  },
  'put /v1/dashboards/order': async (c) => c.call('put', '/v1/dashboards/order', { ids: [c.state.dashboardId] }, await c.bearer()),
  'get /v1/dashboards/{id}': async (c) => c.call('get', `/v1/dashboards/${c.state.dashboardId}`, undefined, await c.bearer()),
  'patch /v1/dashboards/{id}': async (c) => c.call('patch', `/v1/dashboards/${c.state.dashboardId}`, { name: 'Renamed', position: 0 }, await c.bearer()),
  'delete /v1/dashboards/{id}': async (c) => {
    const doomed = (await (await c.call('post', '/v1/dashboards', { name: 'Doomed' }, await c.bearer())).json()) as { id: string };
    return c.call('delete', `/v1/dashboards/${doomed.id}`, undefined, await c.bearer());
  },
  'get /v1/dashboards/{id}/symbols': async (c) => c.call('get', `/v1/dashboards/${c.state.dashboardId}/symbols`, undefined, await c.bearer()),
  'post /v1/dashboards/{id}/symbols': async (c) => c.call('post', `/v1/dashboards/${c.state.dashboardId}/symbols`, { symbol: 'AAPL' }, await c.bearer()),
  'put /v1/dashboards/{id}/symbols': async (c) => c.call('put', `/v1/dashboards/${c.state.dashboardId}/symbols`, { symbols: ['AAPL'] }, await c.bearer()),
  'delete /v1/dashboards/{id}/symbols/{symbol}': async (c) => c.call('delete', `/v1/dashboards/${c.state.dashboardId}/symbols/AAPL`, undefined, await c.bearer()),
  'get /v1/search': async (c) => {
    // The store thread posts the index shortly after start; until then the route answers 503 search_unavailable.
    for (let i = 0; ; i++) {
      const r = await c.call('get', '/v1/search?q=app&limit=5');
      if (r.status !== 503 || i >= 100) return r;
      await r.body?.cancel();
      await sleep(50);
    }
  },
  'get /v1/alerts': async (c) => c.call('get', '/v1/alerts?limit=10', undefined, await c.bearer()),
  'post /v1/alerts': async (c) => c.call('post', '/v1/alerts', { symbol: 'AAPL', kind: 'pct_move', threshold: 3, windowSec: 300, rearm: true }, await c.bearer()),
  'patch /v1/alerts/{id}': async (c) => c.call('patch', `/v1/alerts/${await newAlert(c)}`, { enabled: false }, await c.bearer()),
  'delete /v1/alerts/{id}': async (c) => c.call('delete', `/v1/alerts/${await newAlert(c)}`, undefined, await c.bearer()),
  'get /v1/notifications': async (c) => c.call('get', '/v1/notifications', undefined, await c.bearer()),
  'get /v1/notifications/stream': async (c) => c.call('get', '/v1/notifications/stream', undefined, await c.bearer()),
};

async function newAlert(c: Ctx): Promise<string> {
  const r = await c.call('post', '/v1/alerts', { symbol: 'MSFT', kind: 'below', price: 1 }, await c.bearer());
  return ((await r.json()) as { id: string }).id;
}

test('OpenAPI: the served document matches the routes — every operation answers, on its happy path, with what the document says', async (t) => {
  const server = await startTestServer({ BAR_WRITE_INTERVAL_MS: '50' });
  t.after(() => server.stop());
  // Some data for the market routes: trades across two minutes, so a bar closes.
  const id = server.universe.id('AAPL');
  const m = Math.floor(Date.now() / 60_000) * 60_000;
  server.inject(tickRecords([{ symbol: id, kind: TickKind.trade, price: 10, size: 5, eventTs: m - 90_000, sourceSeq: 1 }, { symbol: id, kind: TickKind.trade, price: 11, size: 5, eventTs: m - 30_000, sourceSeq: 2 }]), 2);
  // Wait for a stored bar, so the bars route's schema check has one to check.
  await until(async () => ((await (await fetch(`http://127.0.0.1:${server.port}/v1/bars/AAPL?from=${m - 3_600_000}`)).json()) as { bars: unknown[] }).bars.length > 0, 5000, 'a stored AAPL bar');

  const res = await fetch(`http://127.0.0.1:${server.port}/v1/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as Doc;
  assert.equal(doc.openapi, '3.1.0');
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method} ${path}`, method, path, op })));
  assert.ok(ops.length >= 4);

  // Coverage both ways.
  assert.deepEqual(ops.map((o) => o.key).filter((k) => !HAPPY[k]), [], 'documented operations without a happy-path check in this test');
  assert.deepEqual(Object.keys(HAPPY).filter((k) => !ops.some((o) => o.key === k)), [], 'happy-path checks for operations the document does not list');

  const c = new Ctx(server);
  for (const { key, method, path, op } of ops) {
    // Happy path: a documented 2xx status, and a body the documented schema accepts.
    const r = await HAPPY[key](c);
    const status = String(r.status);
    // Read the body for the message only on failure: an event stream's body never ends.
    if (!(r.status < 300 && op.responses[status])) assert.fail(`${key}: status ${r.status} (${await r.text()}) is not a documented success`);
    const content = op.responses[status].content;
    if (content?.['application/json']) {
      const body: unknown = await r.json();
      assert.deepEqual(schemaErrors(content['application/json'].schema, body), [], `${key}: body does not match the documented schema`);
    } else await r.body?.cancel();

    // The route exists: even with placeholder parameters it never answers "no such route".
    const probe = await c.call(method, path.replace(/\{[^}]+\}/g, 'X'), method === 'get' || method === 'delete' ? undefined : {});
    const probeBody = (await probe.json().catch(() => ({}))) as { error?: { code?: string } };
    assert.ok(!['not_found', 'method_not_allowed'].includes(probeBody.error?.code ?? ''), `${key}: the server has no such route`);
    // Documented auth holds: a route that requires a token refuses a request without one.
    if (op.security && !op.security.some((s) => Object.keys(s as object).length === 0)) {
      const anon = await fetch(`${c.base}${path.replace(/\{[^}]+\}/g, 'X')}`, { method: method.toUpperCase() });
      assert.equal(anon.status, 401, `${key}: answers without a token`);
      await anon.body?.cancel();
    }
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DashboardsMessage } from '../../core/index.js';
import type { ServerHandle } from '../../cli/supervisor.js';
import { startTestServer } from '../helpers/server.js';
import { registerInvestor, rest } from '../helpers/rest.js';
import { TestClient } from '../helpers/ws-client.js';

describe('REST /v1/dashboards', () => {
  let server: ServerHandle;
  let port: number;
  let ann: { accessToken: string; investor: { id: string } };
  let bob: { accessToken: string };
  before(async () => {
    server = await startTestServer({ MAX_DASHBOARDS: '3', MAX_WATCHLIST_SYMBOLS: '3', LOGIN_RATE_LIMIT: '1000' });
    port = server.port;
    ann = await registerInvestor(port);
    bob = await registerInvestor(port);
  });
  after(() => server.stop());
  const as = (who: { accessToken: string }) => ({
    get: (path: string) => rest(port, 'GET', path, { token: who.accessToken }),
    post: (path: string, body: unknown) => rest(port, 'POST', path, { token: who.accessToken, body }),
    put: (path: string, body: unknown) => rest(port, 'PUT', path, { token: who.accessToken, body }),
    patch: (path: string, body: unknown) => rest(port, 'PATCH', path, { token: who.accessToken, body }),
    del: (path: string) => rest(port, 'DELETE', path, { token: who.accessToken }),
  });

  test('every endpoint on its happy path, and a WebSocket session of the investor sees each change at once', async () => {
    const a = as(ann);
    // Two sessions of ann (JSON and msgpack, on whichever gateways), one of bob.
    const ws1 = new TestClient(port, 'json', undefined, `access_token=${ann.accessToken}`);
    const ws2 = new TestClient(port, 'msgpack', ['bourse.v1.msgpack', `bourse.bearer.${ann.accessToken}`]);
    const wsBob = new TestClient(port, 'json', undefined, `access_token=${bob.accessToken}`);
    await Promise.all([ws1.opened, ws2.opened, wsBob.opened]);
    // The pushes of earlier changes may still be arriving when a later change is made: `match` picks the one a check is about.
    const pushed = (change: string, from = 0, match: (m: DashboardsMessage) => boolean = () => true) =>
      Promise.all([ws1, ws2].map((c) => c.next<DashboardsMessage>((m) => m.type === 'dashboards' && m.change === change && match(m as DashboardsMessage), 5000, from)));

    const created = await a.post('/v1/dashboards', { name: 'Tech' });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const [p1, p2] = await pushed('created');
    assert.deepEqual(p1.dashboard, created.body);
    assert.deepEqual(p2.dashboard, created.body, 'msgpack session gets the same message');

    let from = ws1.messages.length;
    const added = await a.post(`/v1/dashboards/${id}/symbols`, { symbol: 'aapl' });
    assert.deepEqual([added.status, added.body.symbols], [201, ['AAPL']]);
    assert.deepEqual((await pushed('updated', from))[0].dashboard?.symbols, ['AAPL']);
    await a.post(`/v1/dashboards/${id}/symbols`, { symbol: 'MSFT' });
    const first = await a.post(`/v1/dashboards/${id}/symbols`, { symbol: 'NVDA', position: 0 });
    assert.deepEqual(first.body.symbols, ['NVDA', 'AAPL', 'MSFT']);
    const reordered = await a.put(`/v1/dashboards/${id}/symbols`, { symbols: ['MSFT', 'AAPL', 'NVDA'] });
    assert.deepEqual([reordered.status, reordered.body.symbols], [200, ['MSFT', 'AAPL', 'NVDA']]);
    const removed = await a.del(`/v1/dashboards/${id}/symbols/aapl`);
    assert.deepEqual([removed.status, removed.body.symbols], [200, ['MSFT', 'NVDA']]);
    from = ws1.messages.length;
    const renamed = await a.patch(`/v1/dashboards/${id}`, { name: 'Chips' });
    assert.deepEqual([renamed.status, renamed.body.name], [200, 'Chips']);
    assert.equal((await pushed('updated', from, (m) => m.dashboard?.name === 'Chips'))[0].dashboard?.name, 'Chips');
    const second = (await a.post('/v1/dashboards', { name: 'Energy' })).body;
    const order = await a.put('/v1/dashboards/order', { ids: [second.id, id] });
    assert.deepEqual([order.status, order.body.order], [200, [second.id, id]]);
    assert.deepEqual((await pushed('reordered'))[0].order, [second.id, id]);
    const moved = await a.patch(`/v1/dashboards/${id}`, { position: 0 });
    assert.equal(moved.body.position, 0);
    const list = await a.get('/v1/dashboards');
    assert.deepEqual([list.status, list.body.dashboards.map((d: { name: string }) => d.name), list.body.nextCursor], [200, ['Chips', 'Energy'], null]);
    assert.deepEqual((await a.get(`/v1/dashboards/${id}`)).body.symbols, ['MSFT', 'NVDA']);
    const syms = await a.get(`/v1/dashboards/${id}/symbols?limit=1`);
    assert.deepEqual([syms.body.symbols[0].symbol, typeof syms.body.nextCursor], ['MSFT', 'string']);
    const rest2 = await a.get(`/v1/dashboards/${id}/symbols?limit=1&cursor=${syms.body.nextCursor}`);
    assert.deepEqual([rest2.body.symbols[0].symbol, rest2.body.nextCursor], ['NVDA', null]);
    const deleted = await a.del(`/v1/dashboards/${second.id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await pushed('deleted'))[0].id, second.id);
    // Bob's session saw none of it.
    await wsBob.sync();
    assert.equal(wsBob.ofType('dashboards').length, 0);
    for (const c of [ws1, ws2, wsBob]) c.close();
  });

  test('bad inputs get codes; another investor\'s dashboard is 404; limits are 422', async () => {
    const a = as(ann);
    const b = as(bob);
    const mine = (await a.post('/v1/dashboards', { name: 'Limits' })).body;
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [a.post('/v1/dashboards', { name: '' }), 400, 'invalid_body'],
      [a.post('/v1/dashboards', { name: '   ' }), 400, 'invalid_body'],
      [a.post('/v1/dashboards', { title: 'x' }), 400, 'invalid_body'],
      [a.patch(`/v1/dashboards/${mine.id}`, {}), 400, 'invalid_body'],
      [a.patch(`/v1/dashboards/${mine.id}`, { position: -1 }), 400, 'invalid_body'],
      [a.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: 'ZZZZZZ' }), 404, 'unknown_symbol'],
      [a.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: '???' }), 400, 'invalid_symbol'],
      [a.del(`/v1/dashboards/${mine.id}/symbols/AAPL`), 404, 'symbol_not_listed'],
      [a.put(`/v1/dashboards/${mine.id}/symbols`, { symbols: ['AAPL'] }), 400, 'invalid_order'],
      [a.put('/v1/dashboards/order', { ids: [mine.id] }), 400, 'invalid_order'],
      [a.get('/v1/dashboards?limit=0'), 400, 'invalid_query'],
      [a.get('/v1/dashboards?cursor=bogus'), 400, 'invalid_cursor'],
      [a.get('/v1/dashboards/not-a-uuid'), 404, 'dashboard_not_found'],
      [b.get(`/v1/dashboards/${mine.id}`), 404, 'dashboard_not_found'],
      [b.patch(`/v1/dashboards/${mine.id}`, { name: 'stolen' }), 404, 'dashboard_not_found'],
      [b.del(`/v1/dashboards/${mine.id}`), 404, 'dashboard_not_found'],
      [b.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: 'AAPL' }), 404, 'dashboard_not_found'],
      [rest(port, 'GET', '/v1/dashboards'), 401, 'unauthorized'],
      [rest(port, 'POST', '/v1/dashboards', { body: { name: 'anon' } }), 401, 'unauthorized'],
    ];
    for (const [pending, status, code] of cases) {
      const r = await pending;
      assert.deepEqual([r.status, r.body?.error?.code], [status, code]);
    }
    for (const s of ['AAPL', 'MSFT', 'NVDA']) assert.equal((await a.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: s })).status, 201);
    const full = await a.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: 'AMZN' });
    assert.deepEqual([full.status, full.body.error.code], [422, 'watchlist_full']);
    const dup = await a.post(`/v1/dashboards/${mine.id}/symbols`, { symbol: 'AAPL' });
    assert.deepEqual([dup.status, dup.body.error.code], [409, 'symbol_already_listed']);
    const count = (await a.get('/v1/dashboards')).body.dashboards.length;
    for (let i = count; i < 3; i++) assert.equal((await a.post('/v1/dashboards', { name: `fill ${i}` })).status, 201);
    const over = await a.post('/v1/dashboards', { name: 'one too many' });
    assert.deepEqual([over.status, over.body.error.code], [422, 'too_many_dashboards']);
  });

  test('keyset pages over HTTP: limit and cursor walk every dashboard once', async () => {
    const who = await registerInvestor(port);
    const c = as(who);
    for (const name of ['one', 'two', 'three']) await c.post('/v1/dashboards', { name });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { dashboards: { name: string }[]; nextCursor: string | null } } = await c.get(`/v1/dashboards?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.dashboards.map((d) => d.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['one', 'two', 'three']);
  });
});

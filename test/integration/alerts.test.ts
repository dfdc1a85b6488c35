import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerHandle } from '../../cli/supervisor.js';
import type { ServerMessage } from '../../core/index.js';
import { emptyPostgresDatabase } from '../helpers/db.js';
import { registerInvestor, rest } from '../helpers/rest.js';
import { injectTrades, sleep, startTestServer, until } from '../helpers/server.js';
import { SseClient } from '../helpers/sse-client.js';
import { TestClient } from '../helpers/ws-client.js';

interface AlertMsg {
  readonly type: 'alert';
  readonly id: number;
  readonly alertId: string;
  readonly fireSeq: number;
  readonly price: number;
}
const isAlert = (m: ServerMessage): boolean => (m as { type: string }).type === 'alert';
const alertsOf = (c: TestClient): AlertMsg[] => c.messages.filter(isAlert) as unknown as AlertMsg[];

/** Trades at `price` every 50 ms until `done()` (the shard may get the rule a moment after POST answers). */
async function tradeUntil(server: ServerHandle, symbol: string, price: number, done: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    injectTrades(server, [symbol], price);
    await sleep(50);
  }
}

describe('alerts end to end', () => {
  let db: { url: string; drop: () => Promise<void> };
  let server: ServerHandle | undefined;
  before(async () => {
    db = await emptyPostgresDatabase();
  });
  after(async () => {
    await server?.stop();
    await db.drop();
  });

  test('an alert fires once from live ticks, reaches a WebSocket and an SSE client once, and stays fired across a restart', async () => {
    const env = { DATABASE_URL: db.url, SSE_HEARTBEAT_MS: '200' };
    server = await startTestServer(env);
    const email = `alerts-${Date.now()}@example.com`;
    const password = 'a fine passphrase';
    const { accessToken: token, investor } = await registerInvestor(server.port, email, password);
    const base = `http://127.0.0.1:${server.port}`;

    const ws = new TestClient(server.port, 'json', undefined, `access_token=${token}`);
    await ws.opened;
    const sse = await SseClient.open(`${base}/v1/notifications/stream`, { authorization: `Bearer ${token}` });
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
    // A second stream authenticated the EventSource way (token in the query).
    const sseQuery = await SseClient.open(`${base}/v1/notifications/stream?access_token=${encodeURIComponent(token)}`);
    assert.equal(sseQuery.status, 200);

    injectTrades(server, ['AAPL'], 100);
    const created = await rest(server.port, 'POST', '/v1/alerts', { token, body: { symbol: 'AAPL', kind: 'above', price: 150 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const alertId = created.body.id as string;
    assert.equal(created.body.state, 'armed');

    await tradeUntil(server, 'AAPL', 151, () => ws.messages.some(isAlert), 'the alert on the WebSocket');
    await until(() => sse.events.length > 0 && sseQuery.events.length > 0, 5000, 'the alert on both SSE streams');
    // More trades above the level: a once-only rule does not fire again.
    for (let i = 0; i < 5; i++) {
      injectTrades(server, ['AAPL'], 152 + i);
      await sleep(40);
    }
    await sleep(1500); // longer than the outbox sweep: anything left would have been relayed

    const wsAlerts = alertsOf(ws);
    assert.equal(wsAlerts.length, 1, JSON.stringify(wsAlerts));
    assert.equal(wsAlerts[0].alertId, alertId);
    assert.equal(wsAlerts[0].fireSeq, 1);
    assert.ok(wsAlerts[0].price >= 150);
    for (const s of [sse, sseQuery]) {
      assert.equal(s.events.length, 1, JSON.stringify(s.events));
      assert.equal(s.events[0].event, 'alert');
      assert.equal(s.events[0].id, String(wsAlerts[0].id));
      assert.deepEqual(JSON.parse(s.events[0].data), wsAlerts[0]);
    }
    assert.ok(sse.comments.some((c) => c.startsWith('heartbeat')), 'heartbeats arrive');

    const listed = await rest(server.port, 'GET', '/v1/notifications', { token });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.notifications.length, 1);
    const alerts = await rest(server.port, 'GET', '/v1/alerts', { token });
    assert.equal(alerts.body.alerts[0].state, 'fired');
    assert.equal(alerts.body.alerts[0].fireCount, 1);

    ws.close();
    sse.close();
    sseQuery.close();
    await server.stop();

    // Restart on the same database: the rule is disarmed there, so no shard evaluates it.
    server = await startTestServer(env);
    const login = await rest(server.port, 'POST', '/v1/auth/login', { body: { email, password } });
    assert.equal(login.status, 200);
    const token2 = login.body.accessToken as string;
    const ws2 = new TestClient(server.port, 'json', undefined, `access_token=${token2}`);
    await ws2.opened;
    const sse2 = await SseClient.open(`${base.replace(/:\d+$/, `:${server.port}`)}/v1/notifications/stream`, { authorization: `Bearer ${token2}`, 'last-event-id': '0' });
    await until(() => sse2.events.length === 1, 5000, 'the replay after Last-Event-ID 0');
    assert.equal(sse2.events[0].id, String(wsAlerts[0].id));
    for (let i = 0; i < 10; i++) {
      injectTrades(server, ['AAPL'], 160 + i);
      await sleep(50);
    }
    await sleep(1500);
    assert.equal(alertsOf(ws2).length, 0, 'fired again after the restart');
    assert.equal(sse2.events.length, 1);
    const after2 = await rest(server.port, 'GET', '/v1/notifications', { token: token2 });
    assert.equal(after2.body.notifications.length, 1);
    assert.equal(investor.id.length, 36);

    // Re-armed by the investor, it fires again (fireSeq 2) — once.
    const rearmed = await rest(server.port, 'PATCH', `/v1/alerts/${alertId}`, { token: token2, body: { armed: true } });
    assert.equal(rearmed.status, 200);
    assert.equal(rearmed.body.state, 'armed');
    await tradeUntil(server, 'AAPL', 170, () => ws2.messages.some(isAlert), 'the re-armed alert');
    await until(() => sse2.events.length === 2, 5000, 'the re-armed alert on SSE');
    assert.equal(alertsOf(ws2)[0].fireSeq, 2);
    ws2.close();
    sse2.close();
  });
});

describe('alerts API', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startTestServer({ MAX_ALERTS: '5' });
  });
  after(() => server.stop());

  test('auth, validation, limits, ownership, keyset pages, delete', async () => {
    const { accessToken: token } = await registerInvestor(server.port);
    const { accessToken: other } = await registerInvestor(server.port);
    const call = (method: string, path: string, body?: unknown, t = token) => rest(server.port, method, path, { token: t || undefined, body });

    assert.equal((await call('GET', '/v1/alerts', undefined, '')).status, 401);
    assert.equal((await call('POST', '/v1/alerts', { symbol: 'AAPL', kind: 'above', price: 1 }, 'garbage')).body.error.code, 'unauthorized');
    const bad = async (body: unknown, code: string) => {
      const r = await call('POST', '/v1/alerts', body);
      assert.equal(r.body?.error?.code, code, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    };
    await bad({ symbol: 'AAPL', kind: 'above' }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'above', price: -5 }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'pct_move', threshold: 5 }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'pct_move', threshold: 5, windowSec: 60, price: 3 }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'volume_spike', threshold: 0.5, windowSec: 60 }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'above', price: 1, cooldownSec: -1 }, 'invalid_alert');
    await bad({ symbol: 'AAPL', kind: 'sideways', price: 1 }, 'invalid_body');
    await bad({ symbol: 'AAPL', kind: 'above', price: '1' }, 'invalid_body');
    await bad({ symbol: 'NOPE1', kind: 'above', price: 1 }, 'unknown_symbol');

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call('POST', '/v1/alerts', { symbol: 'MSFT', kind: 'cross', price: 100 + i, rearm: true, cooldownSec: 10 });
      assert.equal(r.status, 201);
      ids.push(r.body.id);
    }
    await bad({ symbol: 'MSFT', kind: 'below', price: 1 }, 'too_many_alerts');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await call('GET', `/v1/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.alerts.map((a: { id: string }) => a.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal((await call('GET', '/v1/alerts?limit=0')).body.error.code, 'invalid_query');
    assert.equal((await call('GET', '/v1/alerts?cursor=xyz')).body.error.code, 'invalid_cursor');

    assert.equal((await call('DELETE', `/v1/alerts/${ids[0]}`, undefined, other)).body.error.code, 'alert_not_found');
    assert.equal((await call('PATCH', `/v1/alerts/${ids[0]}`, { enabled: false }, other)).body.error.code, 'alert_not_found');
    assert.equal((await call('DELETE', '/v1/alerts/not-an-id')).body.error.code, 'alert_not_found');
    const off = await call('PATCH', `/v1/alerts/${ids[0]}`, { enabled: false });
    assert.equal(off.body.enabled, false);
    assert.equal((await call('DELETE', `/v1/alerts/${ids[0]}`)).status, 204);
    assert.equal((await call('DELETE', `/v1/alerts/${ids[0]}`)).status, 404);
    assert.equal((await call('GET', '/v1/notifications', undefined, other)).body.notifications.length, 0);

    // The SSE stream refuses without a valid token, with the JSON error shape.
    const base = `http://127.0.0.1:${server.port}/v1/notifications/stream`;
    for (const [url, headers] of [[base, {}], [`${base}?access_token=garbage`, {}], [base, { authorization: 'Bearer garbage' }]] as const) {
      const s = await SseClient.open(url, headers);
      assert.equal(s.status, 401);
      assert.equal(((await s.json()) as { error: { code: string } }).error.code, 'unauthorized');
    }
    const badResume = await SseClient.open(base, { authorization: `Bearer ${token}`, 'last-event-id': 'abc' });
    assert.equal(badResume.status, 400);
    await badResume.json();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthenticatedMessage, ErrorMessage } from '../../core/index.js';
import type { ServerHandle } from '../../cli/supervisor.js';
import { startTestServer } from '../helpers/server.js';
import { registerInvestor } from '../helpers/rest.js';
import { testAccessToken } from '../helpers/store-context.js';
import { TestClient } from '../helpers/ws-client.js';

const INVESTOR = '5f0c2a8e-3b7d-4e21-9c6a-0d1e2f3a4b5c';

async function refused(c: TestClient): Promise<{ status: number; code: string }> {
  const err = (await c.opened.then(
    () => assert.fail('upgrade should have been refused'),
    (e: unknown) => e,
  )) as { statusCode: number; res: NodeJS.ReadableStream };
  let text = '';
  for await (const chunk of err.res) text += chunk;
  return { status: err.statusCode, code: JSON.parse(text).error.code };
}

describe('stream auth (ANONYMOUS_STREAM=true, the default)', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('anonymous connections stream public quotes', async () => {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['AAPL'] });
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'AAPL');
    c.close();
  });

  test('a token in ?access_token= or in the bourse.bearer.<token> sub-protocol is accepted; the real sub-protocol is echoed', async () => {
    const { accessToken } = await registerInvestor(server.port);
    const q = new TestClient(server.port, 'json', undefined, `access_token=${accessToken}`);
    await q.opened;
    const h = new TestClient(server.port, 'msgpack', ['bourse.v1.msgpack', `bourse.bearer.${accessToken}`]);
    await h.opened;
    assert.equal(h.ws.protocol, 'bourse.v1.msgpack');
    for (const c of [q, h]) {
      c.send({ op: 'subscribe', symbols: ['MSFT'] });
      await c.next((m) => m.type === 'snapshot');
      c.close();
    }
  });

  test('an invalid or expired token refuses the upgrade with 401 and its code', async () => {
    assert.deepEqual(await refused(new TestClient(server.port, 'json', undefined, 'access_token=garbage')), { status: 401, code: 'unauthorized' });
    const expired = await testAccessToken(INVESTOR, { expiresInS: -1 });
    assert.deepEqual(await refused(new TestClient(server.port, 'json', ['bourse.v1.json', `bourse.bearer.${expired}`])), { status: 401, code: 'token_expired' });
    assert.deepEqual(await refused(new TestClient(server.port, 'json', [`bourse.bearer.x`, 'mqtt'])), { status: 400, code: 'unsupported_subprotocol' });
  });

  test('the auth op authenticates an open connection, renews it, and refuses another investor or a bad token', async () => {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'auth', token: 'bad', id: 1 });
    const e = await c.next<ErrorMessage>((m) => m.type === 'error' && m.id === 1);
    assert.equal(e.code, 'unauthorized');
    const token = await testAccessToken(INVESTOR, { expiresInS: 60 });
    c.send({ op: 'auth', token, id: 2 });
    const ok = await c.next<AuthenticatedMessage>((m) => m.type === 'authenticated' && m.id === 2);
    assert.equal(ok.investorId, INVESTOR);
    const later = await testAccessToken(INVESTOR, { expiresInS: 600 });
    c.send({ op: 'auth', token: later, id: 3 });
    const renewed = await c.next<AuthenticatedMessage>((m) => m.type === 'authenticated' && m.id === 3);
    assert.ok(renewed.expiresAt > ok.expiresAt);
    c.send({ op: 'auth', token: await testAccessToken('00000000-0000-4000-8000-000000000001'), id: 4 });
    assert.equal((await c.next<ErrorMessage>((m) => m.type === 'error' && m.id === 4)).code, 'unauthorized');
    c.send({ op: 'auth', id: 5 });
    assert.equal((await c.next<ErrorMessage>((m) => m.type === 'error' && m.code === 'invalid_argument')).message, '"token" must be an access token (a non-empty string)');
    c.close();
  });

  test('a connection whose token expires is closed with 4003 session_expired', async () => {
    const token = await testAccessToken(INVESTOR, { expiresInS: 1 });
    const c = new TestClient(server.port, 'json', undefined, `access_token=${token}`);
    await c.opened;
    const closed = await c.closed;
    assert.equal(closed.code, 4003);
  });
});

describe('stream auth (ANONYMOUS_STREAM=false)', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startTestServer({ ANONYMOUS_STREAM: 'false', GATEWAY_THREADS: '1' });
  });
  after(() => server.stop());

  test('without a token only auth and ping are served; ops sent right behind auth wait for it', async () => {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['AAPL'], id: 'early' });
    const e = await c.next<ErrorMessage>((m) => m.type === 'error' && m.id === 'early');
    assert.equal(e.code, 'unauthorized');
    await c.sync();
    c.send({ op: 'auth', token: await testAccessToken(INVESTOR), id: 'a' });
    c.send({ op: 'subscribe', symbols: ['AAPL'], id: 'late' });
    await c.next((m) => m.type === 'authenticated');
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'AAPL');
    assert.equal(c.ofType('error').length, 1);
    c.close();
  });

  test('a token at the upgrade streams at once', async () => {
    const c = new TestClient(server.port, 'json', undefined, `access_token=${await testAccessToken(INVESTOR)}`);
    await c.opened;
    c.send({ op: 'subscribe', symbols: ['NVDA'] });
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'NVDA');
    c.close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { ServerHandle } from '../../cli/supervisor.js';
import { startTestServer } from '../helpers/server.js';
import { registerInvestor, rest } from '../helpers/rest.js';
import { testAccessToken } from '../helpers/store-context.js';

describe('REST /v1/auth', () => {
  let server: ServerHandle;
  let port: number;
  before(async () => {
    server = await startTestServer({ LOGIN_RATE_LIMIT: '1000' });
    port = server.port;
  });
  after(() => server.stop());

  test('register → 201 with a pair; the access token opens /v1/auth/me; duplicates and bad input get codes', async () => {
    const r = await rest(port, 'POST', '/v1/auth/register', { body: { email: 'Reg@Example.com', password: 'a fine passphrase' } });
    assert.equal(r.status, 201);
    assert.equal(r.body.investor.email, 'reg@example.com');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const me = await rest(port, 'GET', '/v1/auth/me', { token: r.body.accessToken });
    assert.equal(me.status, 200);
    assert.deepEqual([me.body.id, me.body.email], [r.body.investor.id, 'reg@example.com']);
    const dup = await rest(port, 'POST', '/v1/auth/register', { body: { email: 'reg@example.com', password: 'another passphrase' } });
    assert.deepEqual([dup.status, dup.body.error.code], [409, 'email_taken']);
    const bad: [unknown, number, string][] = [
      [{ email: 'nope', password: 'a fine passphrase' }, 400, 'invalid_email'],
      [{ email: 'x@example.com', password: 'short' }, 400, 'weak_password'],
      [{ email: 'x@example.com' }, 400, 'invalid_body'],
      [{ email: 'x@example.com', password: 'a fine passphrase', admin: true }, 400, 'invalid_body'],
      ['{"email":', 400, 'invalid_body'],
    ];
    for (const [body, status, code] of bad) {
      const res = await rest(port, 'POST', '/v1/auth/register', { body });
      assert.deepEqual([res.status, res.body.error.code], [status, code], JSON.stringify(body));
    }
  });

  test('login, then refresh rotates; reusing a rotated token revokes the family (401 refresh_token_reused)', async () => {
    const { investor } = await registerInvestor(port, 'rot@example.com');
    const bad = await rest(port, 'POST', '/v1/auth/login', { body: { email: 'rot@example.com', password: 'wrong passphrase' } });
    assert.deepEqual([bad.status, bad.body.error.code], [401, 'invalid_credentials']);
    const unknown = await rest(port, 'POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: 'a fine passphrase' } });
    assert.deepEqual([unknown.status, unknown.body.error.code], [401, 'invalid_credentials']);
    const login = await rest(port, 'POST', '/v1/auth/login', { body: { email: 'rot@example.com', password: 'a fine passphrase' } });
    assert.equal(login.status, 200);
    assert.equal(login.body.investor.id, investor.id);
    const r1 = await rest(port, 'POST', '/v1/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.body.refreshToken, login.body.refreshToken);
    assert.equal((await rest(port, 'GET', '/v1/auth/me', { token: r1.body.accessToken })).status, 200);
    const reuse = await rest(port, 'POST', '/v1/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    assert.deepEqual([reuse.status, reuse.body.error.code], [401, 'refresh_token_reused']);
    const dead = await rest(port, 'POST', '/v1/auth/refresh', { body: { refreshToken: r1.body.refreshToken } });
    assert.deepEqual([dead.status, dead.body.error.code], [401, 'invalid_refresh_token']);
  });

  test('logout → 204 and the family no longer refreshes', async () => {
    const pair = await registerInvestor(port);
    const out = await rest(port, 'POST', '/v1/auth/logout', { body: { refreshToken: pair.refreshToken } });
    assert.equal(out.status, 204);
    const r = await rest(port, 'POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    assert.deepEqual([r.status, r.body.error.code], [401, 'invalid_refresh_token']);
    assert.equal((await rest(port, 'POST', '/v1/auth/logout', { body: { refreshToken: 'whatever' } })).status, 204);
  });

  test('missing, malformed, forged and expired access tokens → 401 with a code', async () => {
    const { investor } = await registerInvestor(port);
    const cases: [Record<string, string>, string][] = [
      [{}, 'unauthorized'],
      [{ authorization: 'Basic abc' }, 'unauthorized'],
      [{ authorization: 'Bearer not.a.token' }, 'unauthorized'],
      [{ authorization: `Bearer ${await testAccessToken(investor.id, { issuer: 'elsewhere' })}` }, 'unauthorized'],
      [{ authorization: `Bearer ${await testAccessToken(investor.id, { expiresInS: -5 })}` }, 'token_expired'],
    ];
    for (const [headers, code] of cases) {
      const r = await rest(port, 'GET', '/v1/auth/me', { headers });
      assert.deepEqual([r.status, r.body.error.code], [401, code], JSON.stringify(headers).slice(0, 80));
    }
    const ok = await rest(port, 'GET', '/v1/auth/me', { token: await testAccessToken(investor.id) });
    assert.equal(ok.status, 200);
  });

  test('GET /v1/auth/jwks verifies an issued token with a standard JWT library; the OpenAPI document lists the auth routes', async () => {
    const { accessToken, investor } = await registerInvestor(port);
    const jwks = await rest(port, 'GET', '/v1/auth/jwks');
    assert.equal(jwks.status, 200);
    assert.match(jwks.headers.get('cache-control') ?? '', /max-age=300/);
    assert.equal(jwks.body.keys.length, 1);
    assert.equal(jwks.body.keys[0].d, undefined, 'never the private part');
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks.body), { issuer: 'bourse', algorithms: ['RS256'] });
    assert.equal(payload.sub, investor.id);
    const doc = await rest(port, 'GET', '/v1/openapi.json');
    for (const p of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout', '/v1/auth/jwks', '/v1/auth/me']) assert.ok(doc.body.paths[p], p);
    assert.deepEqual(doc.body.paths['/v1/auth/me'].get.security, [{ bearer: [] }]);
  });
});

describe('REST rate limits', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startTestServer({ LOGIN_RATE_LIMIT: '3', API_RATE_LIMIT: '5', GATEWAY_THREADS: '1' });
  });
  after(() => server.stop());

  test('login attempts past LOGIN_RATE_LIMIT a minute → 429 rate_limited with Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await rest(server.port, 'POST', '/v1/auth/login', { body: { email: 'lim@example.com', password: 'guessing wrong' } });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal(last!.body.error.code, 'rate_limited');
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
  });

  test('API calls past API_RATE_LIMIT a minute per investor → 429', async () => {
    const token = await testAccessToken('7d1e4d52-9a0e-4c1d-8f39-2f3a4b5c6d7e');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await rest(server.port, 'GET', '/v1/auth/jwks', { token })).status);
    assert.deepEqual(statuses, Array(7).fill(200), 'the JWKS is never limited');
    const other: number[] = [];
    for (let i = 0; i < 7; i++) other.push((await rest(server.port, 'GET', '/v1/bars/AAPL', { token })).status);
    assert.deepEqual(other, [200, 200, 200, 200, 200, 429, 429]);
  });
});

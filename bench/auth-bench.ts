/**
 * What authentication costs (`npm run bench:auth`):
 *  1. scrypt password hashes at PASSWORD_HASH_COST 15 (the default) — the cost
 *     of every register and login, paid on the libuv pool of the store thread;
 *  2. RS256 access tokens: signing (store), verifying with jose (a gateway's
 *     first sight of a token), and the gateway's cached check (every later request);
 *  3. a whole server (in this process, PGlite in a temp DATA_DIR) under
 *     autocannon: GET /v1/auth/jwks (no auth, no store) against
 *     GET /v1/dashboards with a bearer token (auth + store RPC + two indexed
 *     queries); `--database-url=postgres://…/empty_db` for Postgres instead.
 * Prints a table and writes bench/results/<ISO time>-auth.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createLogger, loadConfig, systemClock } from '../core/index.js';
import { AccessTokenSigner, AccessTokenVerifier, hashPassword, loadSigningKey, verifyPassword } from '../core/auth/index.js';
import { startServer } from '../cli/supervisor.js';
import { TokenVerifier } from '../gateway/token-verifier.js';
import { RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(arg('duration') ?? 5);
/** `--database-url=postgres://…` (an empty database) instead of PGlite. */
const databaseUrl = arg('database-url');

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ n: number; meanUs: number; opsPerSec: number }> {
  for (let i = 0; i < Math.min(50, n); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const ms = performance.now() - t0;
  return { n, meanUs: Math.round((ms * 1000) / n * 10) / 10, opsPerSec: Math.round((n / ms) * 1000) };
}

const dir = mkdtempSync(join(tmpdir(), 'bourse-auth-bench-'));
try {
  const key = loadSigningKey({ dataDir: dir });
  const micro: Record<string, unknown> = {};
  const scrypt = { N: 2 ** 15, r: 8, p: 1 };
  const hash = await hashPassword('a fine passphrase', scrypt);
  micro.scryptHashCost15 = await timeIt(20, () => hashPassword('a fine passphrase', scrypt));
  micro.scryptVerifyCost15 = await timeIt(20, () => verifyPassword('a fine passphrase', hash));
  const signer = await AccessTokenSigner.create(key.privateKeyPem, key.kid, 900, { issuer: 'bourse', clock: systemClock });
  micro.rs256Sign = await timeIt(2000, () => signer.sign('5f0c2a8e-3b7d-4e21-9c6a-0d1e2f3a4b5c', 'a@example.com'));
  const { token } = await signer.sign('5f0c2a8e-3b7d-4e21-9c6a-0d1e2f3a4b5c', 'a@example.com');
  const jose = await AccessTokenVerifier.create(key.publicJwk, { issuer: 'bourse', clock: systemClock });
  micro.rs256VerifyUncached = await timeIt(5000, () => jose.verify(token));
  const cached = new TokenVerifier(key.publicJwk, { issuer: 'bourse', clock: systemClock });
  micro.gatewayVerifyCached = await timeIt(100_000, () => cached.verify(token));
  for (const [k, v] of Object.entries(micro)) console.log(`${k.padEnd(22)} ${JSON.stringify(v)}`);

  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', FEED: 'none', LOG_LEVEL: 'silent', DATA_DIR: join(dir, 'data'), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), AUTH_PRIVATE_KEY: key.privateKeyPem, LOGIN_RATE_LIMIT: '100000', API_RATE_LIMIT: '1000000', UNIVERSE_SIZE: '600' });
  const server = await startServer(config, createLogger('silent', { thread: 'bench' }));
  await server.ready();
  const base = `http://127.0.0.1:${server.port}`;
  const reg = (await (await fetch(`${base}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'a fine passphrase' }) })).json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${reg.accessToken}` };
  for (const name of ['Tech', 'Energy', 'Banks']) {
    const d = (await (await fetch(`${base}/v1/dashboards`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json()) as { id: string };
    for (const symbol of ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL']) await fetch(`${base}/v1/dashboards/${d.id}/symbols`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ symbol }) });
  }
  const http: Record<string, unknown> = {};
  for (const [name, path, headers] of [['jwks (no auth)', '/v1/auth/jwks', {}], ['dashboards (auth + store)', '/v1/dashboards', auth]] as const) {
    const r = await autocannon({ url: `${base}${path}`, connections: 20, duration: seconds, headers });
    http[name] = { requestsPerSec: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
    console.log(`${name.padEnd(26)} ${JSON.stringify(http[name])}`);
  }
  await server.stop();
  const result = { startedAt: new Date().toISOString(), seconds, gateways: config.gatewayThreads, database: databaseUrl ? 'postgres' : 'pglite', micro, http };
  const file = await writeResultJson(RESULTS_DIR, 'auth', result.startedAt, result);
  console.log(`results: ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

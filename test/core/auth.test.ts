import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT, importPKCS8 } from 'jose';
import { ManualClock, hasCode } from '../../core/index.js';
import { AccessTokenSigner, AccessTokenVerifier, hashPassword, loadSigningKey, needsRehash, signingKeyFromPem, signingKeyPath, verifyPassword } from '../../core/auth/index.js';
import { testSigningKeyPem } from '../helpers/store-context.js';

const cheap = { N: 2 ** 10, r: 8, p: 1 };

test('passwords: salted scrypt with its parameters in the hash; right verifies, wrong and malformed do not', async () => {
  const a = await hashPassword('correct horse battery', cheap);
  const b = await hashPassword('correct horse battery', cheap);
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('correct horse battery', 'scrypt$1024$8$1$c2FsdA$'), false);
  assert.equal(await verifyPassword('x', 'bcrypt$whatever'), false);
  assert.equal(await verifyPassword('x', `scrypt$${2 ** 24}$8$1$c2FsdHNhbHQ$${'A'.repeat(43)}`), false, 'absurd costs are refused, not computed');
  assert.equal(needsRehash(a, { N: 2 ** 15, r: 8, p: 1 }), true);
  assert.equal(needsRehash(a, cheap), false);
});

test('signing key: generated into DATA_DIR/auth with mode 0600 on first start, then reused; AUTH_PRIVATE_KEY wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-key-'));
  try {
    const first = loadSigningKey({ dataDir: dir });
    const file = signingKeyPath(dir);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'auth')).mode & 0o077, 0, 'the directory is private too');
    const again = loadSigningKey({ dataDir: dir });
    assert.equal(again.kid, first.kid, 'the same key after a restart');
    assert.equal(again.privateKeyPem, readFileSync(file, 'utf8'));
    const given = loadSigningKey({ dataDir: dir, pem: testSigningKeyPem() });
    assert.notEqual(given.kid, first.kid);
    assert.deepEqual(Object.keys(given.publicJwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.throws(() => signingKeyFromPem('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('access tokens: RS256 with kid and issuer; verified by the public JWK (and by a JWKS); expiry follows the clock', async () => {
  const key = signingKeyFromPem(testSigningKeyPem());
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const signer = await AccessTokenSigner.create(key.privateKeyPem, key.kid, 900, { issuer: 'bourse-test', clock });
  const verifier = await AccessTokenVerifier.create(key.publicJwk, { issuer: 'bourse-test', clock });
  const { token, expiresAt } = await signer.sign('2b1a4f0e-6f1c-4c7e-9a55-1f0e7c0d9b11', 'ann@example.com');
  assert.equal(expiresAt, clock.now() + 900_000);
  const p = await verifier.verify(token);
  assert.deepEqual(p, { investorId: '2b1a4f0e-6f1c-4c7e-9a55-1f0e7c0d9b11', email: 'ann@example.com', expiresAt });
  // Any standard verifier with the JWKS accepts it.
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk] }), { issuer: 'bourse-test', currentDate: new Date(clock.now()) });
  assert.equal(payload.sub, p.investorId);
  assert.equal(protectedHeader.kid, key.kid);
  assert.equal(protectedHeader.typ, 'at+jwt');

  clock.advance(900_000);
  await assert.rejects(verifier.verify(token), (e) => hasCode(e, 'token_expired'));
  const t0 = new ManualClock(Date.UTC(2026, 5, 1));
  const v0 = await AccessTokenVerifier.create(key.publicJwk, { issuer: 'bourse-test', clock: t0 });
  const otherIssuer = await AccessTokenVerifier.create(key.publicJwk, { issuer: 'someone-else', clock: t0 });
  await assert.rejects(otherIssuer.verify(token), (e) => hasCode(e, 'unauthorized'));
  const tampered = token.slice(0, token.lastIndexOf('.') + 1) + 'A'.repeat(token.length - token.lastIndexOf('.') - 1);
  await assert.rejects(v0.verify(tampered), (e) => hasCode(e, 'unauthorized'));
  await assert.rejects(v0.verify('not.a.jwt'), (e) => hasCode(e, 'unauthorized'));
  // Signed by another key (same claims, same kid): refused.
  const otherDir = mkdtempSync(join(tmpdir(), 'bourse-key-'));
  const other = loadSigningKey({ dataDir: otherDir });
  rmSync(otherDir, { recursive: true, force: true });
  const forged = await new SignJWT({ email: 'ann@example.com' })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })
    .setIssuer('bourse-test')
    .setSubject(p.investorId)
    .setIssuedAt(Math.floor(t0.now() / 1000))
    .setExpirationTime(Math.floor(t0.now() / 1000) + 60)
    .sign(await importPKCS8(other.privateKeyPem, 'RS256'));
  await assert.rejects(v0.verify(forged), (e) => hasCode(e, 'unauthorized'));
  // alg=none is never accepted.
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: p.investorId, email: 'a@b.co', iss: 'bourse-test', iat: 1, exp: 9e9 })).toString('base64url')}.`;
  await assert.rejects(v0.verify(none), (e) => hasCode(e, 'unauthorized'));
});

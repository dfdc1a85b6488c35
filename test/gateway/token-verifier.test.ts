import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, hasCode } from '../../core/index.js';
import { AccessTokenSigner, signingKeyFromPem } from '../../core/auth/index.js';
import { InvestorSessions } from '../../gateway/investor-sessions.js';
import { TokenVerifier } from '../../gateway/token-verifier.js';
import { testSigningKeyPem } from '../helpers/store-context.js';

test('TokenVerifier: verifies once, then answers from its cache until the token expires on the injected clock; bad tokens are never cached', async () => {
  const key = signingKeyFromPem(testSigningKeyPem());
  const clock = new ManualClock();
  const signer = await AccessTokenSigner.create(key.privateKeyPem, key.kid, 60, { issuer: 'bourse', clock });
  const v = new TokenVerifier(key.publicJwk, { issuer: 'bourse', clock, maxCached: 2 });
  const { token } = await signer.sign('5f0c2a8e-3b7d-4e21-9c6a-0d1e2f3a4b5c', 'a@example.com');
  assert.equal((await v.verify(token)).investorId, '5f0c2a8e-3b7d-4e21-9c6a-0d1e2f3a4b5c');
  await v.verify(token);
  assert.deepEqual([v.misses, v.hits], [1, 1]);
  for (let i = 0; i < 3; i++) await assert.rejects(v.verify('nope'), (e) => hasCode(e, 'unauthorized'));
  assert.equal(v.misses, 4, 'a bad token is verified (and refused) every time');
  clock.advance(60_000);
  await assert.rejects(v.verify(token), (e) => hasCode(e, 'token_expired'), 'the cached entry expires with the token');
  await assert.rejects(v.verify(token), (e) => hasCode(e, 'token_expired'));
  // Bounded: the oldest entry goes first.
  const tokens = await Promise.all(['a', 'b', 'c'].map(async (s) => (await signer.sign(`00000000-0000-4000-8000-00000000000${s === 'a' ? 1 : s === 'b' ? 2 : 3}`, `${s}@example.com`)).token));
  for (const t of tokens) await v.verify(t);
  const before = v.misses;
  await v.verify(tokens[0]);
  assert.equal(v.misses, before + 1, 'the first of three was evicted (max 2)');
});

test('InvestorSessions: add, look up, remove; an investor with no sessions left is forgotten', () => {
  const s = new InvestorSessions<string>();
  s.add('inv-1', 'ws-a');
  s.add('inv-1', 'ws-b');
  s.add('inv-2', 'ws-c');
  assert.deepEqual([...(s.of('inv-1') ?? [])], ['ws-a', 'ws-b']);
  assert.equal(s.investors, 2);
  s.remove('inv-1', 'ws-a');
  s.remove('inv-1', 'ws-b');
  s.remove('inv-9', 'ws-z');
  assert.equal(s.of('inv-1'), undefined);
  assert.equal(s.investors, 1);
});

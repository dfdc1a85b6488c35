import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/index.js';
import { AccessTokenVerifier, signingKeyFromPem } from '../../core/auth/index.js';
import { accountsModule, type InvestorDto, type TokenPair } from '../../domain/accounts.js';
import type { StoreModule } from '../../domain/store-context.js';
import { BACKENDS } from '../helpers/db.js';
import { testSigningKeyPem, testStore, type TestStore } from '../helpers/store-context.js';

const key = signingKeyFromPem(testSigningKeyPem());

for (const kind of BACKENDS) {
  describe(`${kind}: accounts`, () => {
    let t: TestStore;
    let mod: StoreModule;
    const call = <T>(method: string, params: unknown) => mod.handlers![method](params) as Promise<T>;
    before(async () => {
      t = await testStore(kind, { ACCESS_TOKEN_TTL_S: '900', REFRESH_TOKEN_TTL_S: '3600' });
      mod = accountsModule(t.ctx, { signingKeyPem: key.privateKeyPem, signingKeyId: key.kid });
    });
    after(async () => {
      await mod.stop?.();
      await t.db.drop();
    });

    test('register normalises the email, stores only a scrypt hash and returns a working token pair', async () => {
      const pair = await call<TokenPair>('accounts.register', { email: '  Ann.Lee@Example.COM ', password: 'long enough secret' });
      assert.equal(pair.investor.email, 'ann.lee@example.com');
      assert.equal(pair.tokenType, 'Bearer');
      assert.equal(pair.expiresIn, 900);
      const verifier = await AccessTokenVerifier.create(key.publicJwk, { issuer: t.config.authIssuer, clock: t.clock });
      const p = await verifier.verify(pair.accessToken);
      assert.equal(p.investorId, pair.investor.id);
      const row = await t.db.db.selectFrom('investors').selectAll().where('id', '=', pair.investor.id).executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$1024\$8\$1\$/);
      assert.ok(!row.password_hash.includes('long enough secret'));
      const tokens = await t.db.db.selectFrom('refresh_tokens').selectAll().where('investor_id', '=', pair.investor.id).execute();
      assert.equal(tokens.length, 1);
      assert.notEqual(tokens[0].token_hash, pair.refreshToken, 'only a hash of the refresh token is stored');
      const me = await call<InvestorDto>('accounts.me', { investorId: pair.investor.id });
      assert.equal(me.email, 'ann.lee@example.com');
    });

    test('register refuses a duplicate (any case), a bad email and weak passwords with stable codes', async () => {
      await assert.rejects(call('accounts.register', { email: 'ANN.LEE@example.com', password: 'another good one' }), (e) => hasCode(e, 'email_taken'));
      for (const email of ['nope', 'a@b', '@example.com', 'a b@example.com', `${'x'.repeat(65)}@example.com`, 42]) {
        await assert.rejects(call('accounts.register', { email, password: 'long enough secret' }), (e) => hasCode(e, 'invalid_email'), String(email));
      }
      const rules: [unknown, string][] = [['short', 'length'], ['x'.repeat(257), 'length'], ['aaaaaaaaaaaa', 'repetitive'], ['my-bobby.tables-pw', 'contains_email'], [12345678901, 'type']];
      for (const [password, rule] of rules) {
        await assert.rejects(call('accounts.register', { email: 'bobby.tables@example.com', password }), (e) => hasCode(e, 'weak_password') && (e as { details: { rule: string } }).details.rule === rule, rule);
      }
    });

    test('login: right password → pair; wrong password and unknown email → the same invalid_credentials', async () => {
      await call('accounts.register', { email: 'cat@example.com', password: 'purring loudly 1' });
      const pair = await call<TokenPair>('accounts.login', { email: 'CAT@example.com', password: 'purring loudly 1' });
      assert.equal(pair.investor.email, 'cat@example.com');
      await assert.rejects(call('accounts.login', { email: 'cat@example.com', password: 'purring loudly 2' }), (e) => hasCode(e, 'invalid_credentials'));
      await assert.rejects(call('accounts.login', { email: 'dog@example.com', password: 'purring loudly 1' }), (e) => hasCode(e, 'invalid_credentials'));
      await assert.rejects(call('accounts.login', { email: 'cat@example.com', password: 17 }), (e) => hasCode(e, 'invalid_credentials'));
    });

    test('refresh rotates: a new pair each time, the old token is spent; reusing it revokes the whole family', async () => {
      await call('accounts.register', { email: 'dan@example.com', password: 'rotating tokens!' });
      const login = await call<TokenPair>('accounts.login', { email: 'dan@example.com', password: 'rotating tokens!' });
      const other = await call<TokenPair>('accounts.login', { email: 'dan@example.com', password: 'rotating tokens!' }); // a second device: another family
      const r1 = await call<TokenPair>('accounts.refresh', { refreshToken: login.refreshToken });
      assert.notEqual(r1.refreshToken, login.refreshToken);
      assert.equal(r1.investor.id, login.investor.id);
      const r2 = await call<TokenPair>('accounts.refresh', { refreshToken: r1.refreshToken });
      // The thief replays the first token: reuse detected, the family is revoked…
      await assert.rejects(call('accounts.refresh', { refreshToken: login.refreshToken }), (e) => hasCode(e, 'refresh_token_reused'));
      // …so the legitimate latest token is dead too…
      await assert.rejects(call('accounts.refresh', { refreshToken: r2.refreshToken }), (e) => hasCode(e, 'invalid_refresh_token'));
      // …but the other device's login is untouched.
      const o1 = await call<TokenPair>('accounts.refresh', { refreshToken: other.refreshToken });
      assert.ok(o1.accessToken);
    });

    test('concurrent refreshes with one token: exactly one succeeds, the other is a reuse', async () => {
      const pair = await call<TokenPair>('accounts.register', { email: 'eve@example.com', password: 'two tabs at once' });
      const results = await Promise.allSettled([call('accounts.refresh', { refreshToken: pair.refreshToken }), call('accounts.refresh', { refreshToken: pair.refreshToken })]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(hasCode(failed.reason, 'refresh_token_reused'));
    });

    test('refresh tokens expire (REFRESH_TOKEN_TTL_S on the injected clock); garbage is refused', async () => {
      const pair = await call<TokenPair>('accounts.register', { email: 'fay@example.com', password: 'clockwork orange' });
      t.clock.advance(3600_000);
      await assert.rejects(call('accounts.refresh', { refreshToken: pair.refreshToken }), (e) => hasCode(e, 'invalid_refresh_token'));
      for (const refreshToken of ['', 'short', 'x'.repeat(43), 'ü'.repeat(43), 12, undefined]) {
        await assert.rejects(call('accounts.refresh', { refreshToken }), (e) => hasCode(e, 'invalid_refresh_token'), String(refreshToken));
      }
    });

    test('logout revokes the family: its tokens no longer refresh; a second logout is a no-op', async () => {
      const pair = await call<TokenPair>('accounts.register', { email: 'gus@example.com', password: 'leaving so soon' });
      const r1 = await call<TokenPair>('accounts.refresh', { refreshToken: pair.refreshToken });
      assert.deepEqual(await call('accounts.logout', { refreshToken: r1.refreshToken }), { revoked: true });
      await assert.rejects(call('accounts.refresh', { refreshToken: r1.refreshToken }), (e) => hasCode(e, 'invalid_refresh_token'));
      assert.deepEqual(await call('accounts.logout', { refreshToken: r1.refreshToken }), { revoked: false });
      assert.deepEqual(await call('accounts.logout', { refreshToken: 'nonsense' }), { revoked: false });
    });

    test('a login upgrades a hash made with a lower cost than configured', async () => {
      await call('accounts.register', { email: 'hal@example.com', password: 'upgrade my hash' });
      const stronger = accountsModule({ ...t.ctx, config: { ...t.config, passwordHashCost: 11 } }, { signingKeyPem: key.privateKeyPem, signingKeyId: key.kid });
      await stronger.handlers!['accounts.login']({ email: 'hal@example.com', password: 'upgrade my hash' });
      await stronger.stop?.();
      const row = await t.db.db.selectFrom('investors').select('password_hash').where('email', '=', 'hal@example.com').executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$2048\$/);
      await call('accounts.login', { email: 'hal@example.com', password: 'upgrade my hash' });
    });

    test('me: a token for an investor that does not exist (or a non-uuid id) is unauthorized', async () => {
      await assert.rejects(call('accounts.me', { investorId: '00000000-0000-4000-8000-000000000000' }), (e) => hasCode(e, 'unauthorized'));
      await assert.rejects(call('accounts.me', { investorId: "x' or 1=1" }), (e) => hasCode(e, 'unauthorized'));
    });
  });
}

import { randomUUID } from 'node:crypto';
import { BourseError } from '../core/index.js';
import { AccessTokenSigner, REFRESH_TOKEN_PATTERN, hashPassword, needsRehash, newRefreshToken, refreshTokenHash, verifyPassword, type ScryptParams } from '../core/auth/index.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { checkPassword, requireEmail } from './credentials.js';
import { isUuid } from './ids.js';

export interface InvestorDto {
  readonly id: string;
  readonly email: string;
  readonly createdAt: string;
}

/** What register, login and refresh answer. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds the access token is valid for. */
  readonly expiresIn: number;
  /** ms since the epoch. */
  readonly accessTokenExpiresAt: number;
  readonly refreshTokenExpiresAt: number;
  readonly investor: { readonly id: string; readonly email: string };
}

export interface AccountsOptions {
  /** PKCS#8 PEM of the RS256 key (StoreSecrets). */
  readonly signingKeyPem: string;
  readonly signingKeyId: string;
}

/** How often expired refresh tokens are deleted. */
const SWEEP_MS = 3_600_000;
/** Expired tokens are kept this long after expiry (a reuse shortly after expiry is still recognised as one). */
const SWEEP_GRACE_MS = 86_400_000;

/**
 * Investors and their sessions.
 *
 * - `accounts.register` {email, password} → TokenPair (201 at the gateway): the
 *   email is normalised (trimmed, lower-cased), the password checked against
 *   the policy and hashed with scrypt.
 * - `accounts.login` {email, password} → TokenPair. An unknown email costs one
 *   scrypt of a dummy hash, like a wrong password, and answers the same
 *   `invalid_credentials`. A hash made with a lower cost than configured is
 *   upgraded on a successful login.
 * - `accounts.refresh` {refreshToken} → TokenPair. Each login starts a family;
 *   every refresh marks the presented token used and issues the next one in the
 *   same family (sliding REFRESH_TOKEN_TTL_S). Presenting a used token again is
 *   a reuse: the whole family is revoked (the thief's and the owner's tokens)
 *   and the answer is `refresh_token_reused`. The check-and-rotate is one
 *   transaction holding the token's row lock, so two concurrent refreshes with
 *   one token cannot both succeed.
 * - `accounts.logout` {refreshToken} → {revoked}: revokes the token's family.
 * - `accounts.me` {investorId} → InvestorDto.
 */
export function accountsModule(ctx: StoreContext, opts: AccountsOptions): StoreModule {
  const { db, config, clock } = ctx;
  const scrypt: ScryptParams = { N: 2 ** config.passwordHashCost, r: 8, p: 1 };
  const signer = AccessTokenSigner.create(opts.signingKeyPem, opts.signingKeyId, config.accessTokenTtlS, { issuer: config.authIssuer, clock });
  // Stops an unhandled rejection before the first call; calls see the error.
  signer.catch((err: unknown) => ctx.log.error({ err }, 'the signing key cannot be imported'));
  let dummyHash: Promise<string> | undefined;

  const issue = async (investor: { id: string; email: string }, familyId: string, trx = db): Promise<TokenPair> => {
    const refreshToken = newRefreshToken();
    const now = clock.now();
    const refreshTokenExpiresAt = now + config.refreshTokenTtlS * 1000;
    await trx
      .insertInto('refresh_tokens')
      .values({ investor_id: investor.id, family_id: familyId, token_hash: refreshTokenHash(refreshToken), expires_at: new Date(refreshTokenExpiresAt), created_at: new Date(now) })
      .execute();
    const access = await (await signer).sign(investor.id, investor.email);
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: config.accessTokenTtlS,
      accessTokenExpiresAt: access.expiresAt,
      refreshTokenExpiresAt,
      investor: { id: investor.id, email: investor.email },
    };
  };

  const revokeFamily = async (familyId: string, at: Date, trx = db): Promise<number> => {
    const r = await trx.updateTable('refresh_tokens').set({ revoked_at: at }).where('family_id', '=', familyId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  };

  const register = async (p: { email?: unknown; password?: unknown }): Promise<TokenPair> => {
    const email = requireEmail(p?.email);
    checkPassword(p.password, email);
    const hash = await hashPassword(p.password, scrypt);
    const row = await db
      .insertInto('investors')
      .values({ email, password_hash: hash, created_at: new Date(clock.now()) })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning(['id', 'email'])
      .executeTakeFirst();
    if (!row) throw new BourseError('email_taken');
    ctx.log.info({ investor: row.id }, 'investor registered');
    return issue(row, randomUUID());
  };

  const login = async (p: { email?: unknown; password?: unknown }): Promise<TokenPair> => {
    const email = requireEmail(p?.email);
    const password = typeof p.password === 'string' && p.password.length <= 1024 ? p.password : '';
    const row = await db.selectFrom('investors').select(['id', 'email', 'password_hash']).where('email', '=', email).executeTakeFirst();
    if (!row) {
      // Same work as a wrong password, so timing does not tell which emails exist.
      await verifyPassword(password, await (dummyHash ??= hashPassword('not a password of anyone', scrypt)));
      throw new BourseError('invalid_credentials');
    }
    if (!(await verifyPassword(password, row.password_hash))) throw new BourseError('invalid_credentials');
    if (needsRehash(row.password_hash, scrypt)) {
      await db.updateTable('investors').set({ password_hash: await hashPassword(password, scrypt) }).where('id', '=', row.id).execute();
    }
    return issue(row, randomUUID());
  };

  const refresh = async (p: { refreshToken?: unknown }): Promise<TokenPair> => {
    const token = p?.refreshToken;
    if (typeof token !== 'string' || !REFRESH_TOKEN_PATTERN.test(token)) throw new BourseError('invalid_refresh_token');
    const hash = refreshTokenHash(token);
    const now = new Date(clock.now());
    const outcome = await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('investors', 'investors.id', 'refresh_tokens.investor_id')
        .select(['refresh_tokens.id', 'refresh_tokens.family_id', 'refresh_tokens.expires_at', 'refresh_tokens.used_at', 'refresh_tokens.revoked_at', 'investors.id as investor_id', 'investors.email'])
        .where('refresh_tokens.token_hash', '=', hash)
        .forUpdate('refresh_tokens')
        .executeTakeFirst();
      if (!row || row.revoked_at !== null) return { error: 'invalid_refresh_token' as const };
      if (row.used_at !== null) {
        const revoked = await revokeFamily(row.family_id, now, trx);
        return { error: 'refresh_token_reused' as const, family: row.family_id, investor: row.investor_id, revoked };
      }
      if (row.expires_at.getTime() <= now.getTime()) return { error: 'invalid_refresh_token' as const };
      await trx.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', row.id).execute();
      return { error: undefined, pair: await issue({ id: row.investor_id, email: row.email }, row.family_id, trx) };
    });
    if (outcome.error !== undefined) {
      if (outcome.error === 'refresh_token_reused') ctx.log.warn({ investor: outcome.investor, family: outcome.family, revoked: outcome.revoked }, 'refresh token reused: family revoked');
      throw new BourseError(outcome.error);
    }
    return outcome.pair;
  };

  const logout = async (p: { refreshToken?: unknown }): Promise<{ revoked: boolean }> => {
    const token = p?.refreshToken;
    if (typeof token !== 'string' || !REFRESH_TOKEN_PATTERN.test(token)) return { revoked: false };
    const row = await db.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', refreshTokenHash(token)).executeTakeFirst();
    if (!row) return { revoked: false };
    return { revoked: (await revokeFamily(row.family_id, new Date(clock.now()))) > 0 };
  };

  const me = async (p: { investorId?: unknown }): Promise<InvestorDto> => {
    const row = isUuid(p?.investorId) ? await db.selectFrom('investors').select(['id', 'email', 'created_at']).where('id', '=', p.investorId).executeTakeFirst() : undefined;
    // A valid token for an investor that no longer exists.
    if (!row) throw new BourseError('unauthorized', 'the investor of this token no longer exists');
    return { id: row.id, email: row.email, createdAt: row.created_at.toISOString() };
  };

  const sweep = async (): Promise<void> => {
    try {
      await db.deleteFrom('refresh_tokens').where('expires_at', '<', new Date(clock.now() - SWEEP_GRACE_MS)).execute();
    } catch (err) {
      ctx.log.warn({ err }, 'deleting expired refresh tokens failed');
    }
  };
  const stopSweep = clock.every(SWEEP_MS, () => void sweep());

  return {
    name: 'accounts',
    handlers: {
      'accounts.register': (p) => register(p as never),
      'accounts.login': (p) => login(p as never),
      'accounts.refresh': (p) => refresh(p as never),
      'accounts.logout': (p) => logout(p as never),
      'accounts.me': (p) => me(p as never),
    },
    async stop() {
      stopSweep();
    },
  };
}

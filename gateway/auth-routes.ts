import { Type } from '@sinclair/typebox';
import type { Config } from '../core/index.js';
import type { PublicJwk } from '../core/auth/index.js';
import type { RpcClient } from '../core/rpc.js';
import type { InvestorDto, TokenPair } from '../domain/accounts.js';
import { normaliseEmail } from '../domain/credentials.js';
import { rateLimitedResult, type ApiResult, type HttpApi } from './http-api.js';

export const TokenPairSchema = Type.Object({
  accessToken: Type.String({ description: 'RS256 JWT; send as `Authorization: Bearer <accessToken>`' }),
  refreshToken: Type.String({ description: 'opaque; single use: POST /v1/auth/refresh returns the next one' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds the access token is valid for' }),
  accessTokenExpiresAt: Type.Number({ description: 'ms since the epoch' }),
  refreshTokenExpiresAt: Type.Number({ description: 'ms since the epoch' }),
  investor: Type.Object({ id: Type.String(), email: Type.String() }),
});

const Credentials = Type.Object(
  {
    email: Type.String({ maxLength: 320, description: 'compared trimmed and lower-cased' }),
    password: Type.String({ maxLength: 1024, description: 'register: 10–256 characters' }),
  },
  { additionalProperties: false },
);
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

export interface AuthRouteDeps {
  readonly config: Config;
  readonly store: RpcClient;
  readonly rateLimit: (key: string, limit: number, windowMs: number) => Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** The public key access tokens verify with. */
  readonly publicKey: PublicJwk;
}

/**
 * /v1/auth: register, login, refresh, logout, the JWKS and the caller's
 * account. Credential routes are limited per IP by the framework (`login`
 * limit) and per email here, so neither spraying one address from many IPs
 * nor many addresses from one IP gets more than LOGIN_RATE_LIMIT a minute.
 */
export function registerAuthRoutes(api: HttpApi, d: AuthRouteDeps): void {
  /** A 429 when this email had its share of attempts this minute. */
  const perEmail = async (email: string): Promise<ApiResult | undefined> => {
    const key = `login:email:${normaliseEmail(email) ?? email.slice(0, 320).toLowerCase()}`;
    const hit = await d.rateLimit(key, d.config.loginRateLimit, 60_000);
    if (hit.allowed) return undefined;
    return rateLimitedResult(`more than ${d.config.loginRateLimit} attempts a minute for this email`, hit.retryAfterMs);
  };

  api.route({
    method: 'post',
    path: '/v1/auth/register',
    tag: 'auth',
    summary: 'Creates an investor and logs it in. Errors: invalid_email, weak_password (details.rule), email_taken.',
    auth: 'none',
    rateLimit: 'login',
    body: Credentials,
    responses: { 201: { description: 'the new investor, logged in', schema: TokenPairSchema } },
    handler: async ({ body }) => {
      const limited = await perEmail(body.email);
      if (limited) return limited;
      return { status: 201, body: await d.store.call<TokenPair>('accounts.register', body) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/auth/login',
    tag: 'auth',
    summary: 'Exchanges email and password for an access token and a refresh token. A wrong password and an unknown email both answer 401 invalid_credentials.',
    auth: 'none',
    rateLimit: 'login',
    body: Credentials,
    responses: { 200: { description: 'a new session', schema: TokenPairSchema } },
    handler: async ({ body }) => {
      const limited = await perEmail(body.email);
      if (limited) return limited;
      return { status: 200, body: await d.store.call<TokenPair>('accounts.login', body) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/auth/refresh',
    tag: 'auth',
    summary: 'Rotates a refresh token: answers a new pair and invalidates the one presented. Presenting an already rotated token revokes every token of that login (401 refresh_token_reused).',
    auth: 'none',
    rateLimit: 'login',
    body: RefreshBody,
    responses: { 200: { description: 'the next pair', schema: TokenPairSchema } },
    handler: async ({ body }) => ({ status: 200, body: await d.store.call<TokenPair>('accounts.refresh', body) }),
  });

  api.route({
    method: 'post',
    path: '/v1/auth/logout',
    tag: 'auth',
    summary: 'Revokes the refresh token and every token rotated from the same login. Access tokens already issued stay valid until they expire (ACCESS_TOKEN_TTL_S). Always 204, also for unknown tokens.',
    auth: 'optional',
    body: RefreshBody,
    responses: { 204: { description: 'logged out' } },
    handler: async ({ body }) => {
      await d.store.call('accounts.logout', body);
      return { status: 204 };
    },
  });

  const jwks = { keys: [d.publicKey] };
  api.route({
    method: 'get',
    path: '/v1/auth/jwks',
    tag: 'auth',
    summary: 'The public keys access tokens are signed with (RFC 7517 JWK Set), for services that verify tokens themselves.',
    auth: 'none',
    rateLimit: 'none',
    responses: { 200: { description: 'JWK Set', schema: Type.Object({ keys: Type.Array(Type.Object({ kty: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String(), n: Type.String(), e: Type.String() })) }) } },
    handler: async () => ({ status: 200, body: jwks, headers: { 'cache-control': 'public, max-age=300' } }),
  });

  api.route({
    method: 'get',
    path: '/v1/auth/me',
    tag: 'auth',
    summary: 'The investor the access token names.',
    auth: 'required',
    responses: { 200: { description: 'the investor', schema: Type.Object({ id: Type.String(), email: Type.String(), createdAt: Type.String({ format: 'date-time' }) }) } },
    handler: async ({ principal }) => ({ status: 200, body: await d.store.call<InvestorDto>('accounts.me', { investorId: principal!.investorId }) }),
  });
}

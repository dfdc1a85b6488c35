import { SignJWT, errors, importJWK, importPKCS8, jwtVerify, type CryptoKey } from 'jose';
import type { Clock } from '../clock.js';
import { BourseError } from '../errors.js';
import type { PublicJwk } from './signing-key.js';

/**
 * RS256 JWT access tokens (RFC 9068 profile: header `typ: at+jwt`, `kid`;
 * claims `iss`, `sub` = investor id, `email`, `iat`, `exp`). Short-lived and
 * stateless: gateways verify them locally with the public key, so a logout
 * does not end an access token already issued — it ends its refresh family,
 * and the access token expires within ACCESS_TOKEN_TTL_S.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessPrincipal {
  readonly investorId: string;
  readonly email: string;
  /** When the token stops being valid, ms since the epoch. */
  readonly expiresAt: number;
}

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly clock: Clock;
}

/** Signs access tokens (the store thread: the only holder of the private key). */
export class AccessTokenSigner {
  readonly #key: CryptoKey;
  readonly #kid: string;
  readonly #ttlS: number;
  readonly #opts: AccessTokenOptions;

  private constructor(key: CryptoKey, kid: string, ttlS: number, opts: AccessTokenOptions) {
    this.#key = key;
    this.#kid = kid;
    this.#ttlS = ttlS;
    this.#opts = opts;
  }

  static async create(privateKeyPem: string, kid: string, ttlS: number, opts: AccessTokenOptions): Promise<AccessTokenSigner> {
    return new AccessTokenSigner(await importPKCS8(privateKeyPem, 'RS256'), kid, ttlS, opts);
  }

  async sign(investorId: string, email: string): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(this.#opts.clock.now() / 1000);
    const exp = iat + this.#ttlS;
    const token = await new SignJWT({ email })
      .setProtectedHeader({ alg: 'RS256', typ: ACCESS_TOKEN_TYPE, kid: this.#kid })
      .setIssuer(this.#opts.issuer)
      .setSubject(investorId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, expiresAt: exp * 1000 };
  }
}

/** Verifies access tokens with the public key (gateways; anything holding the JWKS). */
export class AccessTokenVerifier {
  readonly #key: CryptoKey;
  readonly #kid: string;
  readonly #opts: AccessTokenOptions;

  private constructor(key: CryptoKey, kid: string, opts: AccessTokenOptions) {
    this.#key = key;
    this.#kid = kid;
    this.#opts = opts;
  }

  static async create(jwk: PublicJwk, opts: AccessTokenOptions): Promise<AccessTokenVerifier> {
    return new AccessTokenVerifier((await importJWK({ ...jwk }, 'RS256')) as CryptoKey, jwk.kid, opts);
  }

  /** The principal a valid token names; throws BourseError `token_expired` or `unauthorized`. */
  async verify(token: string): Promise<AccessPrincipal> {
    if (token.length > 4096) throw new BourseError('unauthorized', 'access token is not valid');
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.#key, {
        issuer: this.#opts.issuer,
        algorithms: ['RS256'],
        typ: ACCESS_TOKEN_TYPE,
        currentDate: new Date(this.#opts.clock.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (protectedHeader.kid !== undefined && protectedHeader.kid !== this.#kid) throw new Error('unknown kid');
      if (typeof payload.sub !== 'string' || typeof payload.email !== 'string' || typeof payload.exp !== 'number') throw new Error('claims');
      return { investorId: payload.sub, email: payload.email, expiresAt: payload.exp * 1000 };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new BourseError('token_expired');
      throw new BourseError('unauthorized', 'access token is not valid');
    }
  }
}

import { BourseError, type Clock } from '../core/index.js';
import { AccessTokenVerifier, type AccessPrincipal, type PublicJwk } from '../core/auth/index.js';

/**
 * A gateway's access-token check: RS256 verification with the public key the
 * supervisor handed this thread (no call to the store per request), plus a
 * bounded cache of tokens already verified — a client sends the same token on
 * every request for its lifetime, so most checks are one Map lookup and an
 * expiry comparison against the injected clock. Only valid tokens are cached.
 */
export class TokenVerifier {
  readonly #verifier: Promise<AccessTokenVerifier>;
  readonly #clock: Clock;
  readonly #max: number;
  readonly #cache = new Map<string, AccessPrincipal>();
  hits = 0;
  misses = 0;

  constructor(jwk: PublicJwk, opts: { issuer: string; clock: Clock; maxCached?: number }) {
    this.#verifier = AccessTokenVerifier.create(jwk, { issuer: opts.issuer, clock: opts.clock });
    this.#clock = opts.clock;
    this.#max = opts.maxCached ?? 4096;
  }

  /** The token's principal; throws BourseError `unauthorized` or `token_expired`. */
  async verify(token: string): Promise<AccessPrincipal> {
    const hit = this.#cache.get(token);
    if (hit) {
      if (hit.expiresAt > this.#clock.now()) {
        this.hits++;
        return hit;
      }
      this.#cache.delete(token);
      throw new BourseError('token_expired');
    }
    this.misses++;
    const principal = await (await this.#verifier).verify(token);
    if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(token, principal);
    return principal;
  }
}

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The public half as a JWK (what gateways verify with and /v1/auth/jwks serves). */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/** The RS256 key pair access tokens are signed with. */
export interface SigningKey {
  /** PKCS#8 PEM: only the store thread (which signs) ever receives it. */
  readonly privateKeyPem: string;
  /** Key id: the RFC 7638 thumbprint of the public key, so it changes exactly when the key does. */
  readonly kid: string;
  readonly publicJwk: PublicJwk;
}

/** Where a generated key lives under DATA_DIR. */
export function signingKeyPath(dataDir: string): string {
  return join(dataDir, 'auth', 'signing-key.pem');
}

/**
 * The signing key, from (in order) `pem` (AUTH_PRIVATE_KEY), or the file under
 * DATA_DIR/auth/, or a new RSA-2048 key written there on first start (0600 in
 * a 0700 directory; created exclusively, so two servers starting at once on
 * one data directory end up sharing whichever was written first). Throws on a
 * PEM that is not an RSA private key.
 */
export function loadSigningKey(opts: { pem?: string; dataDir: string }): SigningKey {
  if (opts.pem) return signingKeyFromPem(opts.pem);
  const file = signingKeyPath(opts.dataDir);
  try {
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(opts.dataDir, 'auth'), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  try {
    writeFileSync(file, privateKey, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // the umask may have narrowed it further, never widened; be exact
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  }
  return signingKeyFromPem(privateKey);
}

export function signingKeyFromPem(pem: string): SigningKey {
  const key = createPrivateKey({ key: pem, format: 'pem' });
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the signing key must be RSA (RS256), not ${key.asymmetricKeyType}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new Error(`the signing key must have at least 2048 bits (has ${bits})`);
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  const kid = jwkThumbprint(jwk.e, jwk.n);
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    kid,
    publicJwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
  };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
function jwkThumbprint(e: string, n: string): string {
  return createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
}

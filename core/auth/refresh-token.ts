import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are opaque: 32 random bytes, base64url (43 characters). The
 * database keeps only their SHA-256, so a leaked table cannot be replayed.
 * (A fast hash is right here, unlike passwords: the input has 256 bits of entropy.)
 */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

import { BourseError } from '../core/index.js';

/**
 * What an email and a password must look like. Used by the store (register,
 * login) and by gateways (the per-email login rate limit keys on the
 * normalised address, so `A@x.io` and `a@x.io ` share one budget).
 */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
const EMAIL = /^[^\s@"<>(),;:\\[\]]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Trimmed, NFC, lower-cased; undefined when it is not a plausible address (at most 254 characters). */
export function normaliseEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 320) return undefined;
  const email = raw.trim().normalize('NFC').toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) return undefined;
  return email;
}

/** The normalised email, or `invalid_email`. */
export function requireEmail(raw: unknown): string {
  const email = normaliseEmail(raw);
  if (!email) throw new BourseError('invalid_email', 'email must be an address like name@example.com (at most 254 characters)');
  return email;
}

/**
 * The password policy (NIST SP 800-63B in spirit: length over composition
 * rules): 10–256 characters, not one character repeated, not containing the
 * email's local part. Throws `weak_password` with `details.rule`.
 */
export function checkPassword(password: unknown, email: string): asserts password is string {
  const weak = (rule: string, message: string): never => {
    throw new BourseError('weak_password', message, undefined, { rule });
  };
  if (typeof password !== 'string') return weak('type', 'password must be a string');
  const length = [...password].length;
  if (length < PASSWORD_MIN) weak('length', `password must have at least ${PASSWORD_MIN} characters`);
  if (length > PASSWORD_MAX) weak('length', `password must have at most ${PASSWORD_MAX} characters`);
  if (new Set(password).size === 1) weak('repetitive', 'password must not be one character repeated');
  const local = email.slice(0, email.indexOf('@'));
  if (local.length >= 4 && password.toLowerCase().includes(local)) weak('contains_email', 'password must not contain the email address');
}

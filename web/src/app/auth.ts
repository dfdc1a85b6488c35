import { ApiError, fetchJson, type TokenSource } from './api.js';
import { Observable } from './observable.js';

export interface Session {
  readonly email: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

const KEY = 'bourse.session';
/** Refresh answers after which the refresh token can never work again. */
const SESSION_OVER = new Set(['invalid_refresh_token', 'refresh_token_reused', 'unauthorized', 'invalid_body']);
/** Renew this long before the access token expires. */
const EARLY_MS = 30_000;

/** Seconds-since-epoch `exp` of a JWT, without verifying it (the server does). */
export function tokenExpiry(jwt: string): number {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * The investor's session: tokens kept in localStorage so a reload stays
 * logged in. The refresh token is single-use (rotated on every refresh, and
 * reusing an old one revokes the whole family), so renewals are serialised —
 * across tabs with the Web Locks API — and a tab first re-reads storage in
 * case another tab already rotated.
 */
export class Auth extends Observable<Session | undefined> implements TokenSource {
  #renewing: Promise<boolean> | undefined;

  constructor(private readonly base: string) {
    super(read());
    addEventListener('storage', (e) => {
      if (e.key === KEY) this.set(read());
    });
  }

  get session(): Session | undefined {
    return this.value;
  }

  async register(email: string, password: string): Promise<void> {
    const r = await fetchJson<Partial<Session> | undefined>(this.base + '/v1/auth/register', 'POST', { email, password });
    if (r?.accessToken && r.refreshToken) return this.#store({ email, accessToken: r.accessToken, refreshToken: r.refreshToken });
    await this.login(email, password);
  }

  async login(email: string, password: string): Promise<void> {
    const r = await fetchJson<{ accessToken: string; refreshToken: string }>(this.base + '/v1/auth/login', 'POST', { email, password });
    this.#store({ email, accessToken: r.accessToken, refreshToken: r.refreshToken });
  }

  async logout(): Promise<void> {
    const s = this.value;
    this.#store(undefined);
    if (s) await fetchJson(this.base + '/v1/auth/logout', 'POST', { refreshToken: s.refreshToken }, s.accessToken).catch(() => undefined);
  }

  async accessToken(): Promise<string | undefined> {
    const s = this.value;
    if (!s) return undefined;
    if (tokenExpiry(s.accessToken) - Date.now() > EARLY_MS) return s.accessToken;
    await this.renew();
    return this.value?.accessToken;
  }

  renew(): Promise<boolean> {
    this.#renewing ??= this.#renewLocked().finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  async #renewLocked(): Promise<boolean> {
    const had = this.value?.refreshToken;
    const run = () => this.#renew(had);
    const locks = (navigator as { locks?: { request: (name: string, fn: () => Promise<boolean>) => Promise<boolean> } }).locks;
    return locks ? locks.request('bourse.refresh', run) : run();
  }

  async #renew(had: string | undefined): Promise<boolean> {
    const current = read();
    if (!current) return this.#store(undefined), false;
    if (current.refreshToken !== had) {
      // Another tab rotated while we waited for the lock: use its tokens.
      this.set(current);
      return true;
    }
    try {
      const r = await fetchJson<{ accessToken: string; refreshToken: string }>(this.base + '/v1/auth/refresh', 'POST', { refreshToken: current.refreshToken });
      this.#store({ email: current.email, accessToken: r.accessToken, refreshToken: r.refreshToken });
      return true;
    } catch (err) {
      // Refused (expired, revoked, reused): the session is over. A network error, a rate
      // limit (429) or a server error keeps it for the next try.
      if (err instanceof ApiError && SESSION_OVER.has(err.code)) this.#store(undefined);
      return false;
    }
  }

  #store(s: Session | undefined): void {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
    this.set(s);
  }
}

function read(): Session | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return v && typeof v.accessToken === 'string' && typeof v.refreshToken === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A REST error in the server's one shape: `{"error":{code,message,details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Supplies and renews the access token (see auth.ts). */
export interface TokenSource {
  /** The current access token (renewed first when close to expiry), or undefined when anonymous. */
  accessToken(): Promise<string | undefined>;
  /** The server refused the token: renew it now (true when a new one is ready). */
  renew(): Promise<boolean>;
}

/**
 * fetch() for /v1: JSON in and out, Bearer auth when logged in, one renewal
 * and retry when the server answers 401, errors as ApiError with the code.
 */
export class Api {
  constructor(
    readonly base: string,
    private readonly tokens: TokenSource,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const token = await this.tokens.accessToken();
    try {
      return await fetchJson<T>(this.base + path, method, body, token);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && token && !retried && (await this.tokens.renew())) return this.request<T>(method, path, body, true);
      throw err;
    }
  }
}

/** One JSON request (Bearer `token` if given): the parsed answer, or an ApiError carrying the server's error code. */
export async function fetchJson<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText);
  }
  return json as T;
}

/**
 * Every item of a keyset-paged list: GETs `path` (which sets the page size),
 * then follows `nextCursor` until the server says there is no more.
 */
export async function listAll<T, K extends string = string>(api: Api, path: string, key: K): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { [k in K]: T[] } & { nextCursor: string | null } = await api.get(cursor ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : path);
    out.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor && out.length < 10_000);
  return out;
}

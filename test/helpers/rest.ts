/** One REST call against a test server: JSON in, JSON (or nothing) out. */
export interface RestResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export async function rest<T = any>(port: number, method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<RestResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Registers a fresh investor (unique email) and returns its token pair. */
export async function registerInvestor(port: number, email = `inv-${Math.random().toString(36).slice(2)}@example.com`, password = 'a fine passphrase'): Promise<{ accessToken: string; refreshToken: string; investor: { id: string; email: string } }> {
  const r = await rest(port, 'POST', '/v1/auth/register', { body: { email, password } });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

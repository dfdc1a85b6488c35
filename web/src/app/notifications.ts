import { backoffDelay } from '../stream/backoff.js';
import type { Api, TokenSource } from './api.js';

export interface Notification {
  readonly id: string;
  readonly symbol?: string;
  readonly kind?: string;
  readonly message?: string;
  readonly price?: number | null;
  readonly createdAt?: string | number;
  readonly [k: string]: unknown;
}

export function describeNotification(n: Notification): string {
  if (typeof n.message === 'string' && n.message) return n.message;
  const payload = (n.payload ?? {}) as Record<string, unknown>;
  const symbol = n.symbol ?? payload.symbol ?? '';
  const kind = n.kind ?? payload.kind ?? 'alert';
  const price = n.price ?? payload.price ?? payload.last;
  return `${symbol} ${String(kind).replace('_', ' ')}${price != null ? ` at ${price}` : ''}`.trim();
}

export async function listNotifications(api: Api): Promise<Notification[]> {
  const r = await api.get<{ notifications?: Notification[]; items?: Notification[] } | Notification[]>('/v1/notifications?limit=50');
  const list = Array.isArray(r) ? r : (r.notifications ?? r.items ?? []);
  return list.map((n) => ({ ...n, id: String(n.id) }));
}

/**
 * Follows GET /v1/notifications/stream (SSE) with fetch, so the access token
 * goes in the Authorization header (EventSource cannot send one). Reconnects
 * with backoff and jitter, sending Last-Event-ID (from `after`, the newest id
 * already listed, so nothing fired in between is missed); stops when `signal` aborts.
 */
export async function followNotifications(base: string, tokens: TokenSource, onNotification: (n: Notification) => void, signal: AbortSignal, after = ''): Promise<void> {
  let attempt = 0;
  let lastId = after;
  while (!signal.aborted) {
    try {
      const token = await tokens.accessToken();
      if (!token) return;
      const res = await fetch(base + '/v1/notifications/stream', { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...(lastId ? { 'last-event-id': lastId } : {}) }, signal });
      if (res.status === 401) await tokens.renew();
      else if (res.status === 404) return; // the server has no notification stream
      else if (res.ok && res.body) {
        attempt = 0;
        await readEvents(res.body, (id, data) => {
          if (id) lastId = id;
          try {
            const n = JSON.parse(data) as Notification;
            onNotification({ ...n, id: String(n.id ?? id) });
          } catch {
            /* a comment or keep-alive */
          }
        });
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, backoffDelay(attempt++, Math.random)));
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (id: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end).replace(/^\r?\n\r?\n/, '');
      let id = '';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(id, data.join('\n'));
    }
  }
}

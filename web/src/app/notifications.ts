import { backoffDelay } from '../stream/backoff.js';
import type { Api, TokenSource } from './api.js';

/** An alert firing (the server's NotificationDto, from GET /v1/notifications, SSE and the stream), with its id as a string. */
export interface Notification {
  readonly id: string;
  readonly alertId: string;
  readonly symbol: string;
  readonly kind: string;
  /** What fired, as a sentence ("AAPL is at or above 200.00 (200.13)"). */
  readonly message: string;
  /** The trade price that fired it. */
  readonly price: number;
  /** Event time of that trade, ms since the epoch. */
  readonly firedAt: number;
}

/** The newest 50 notifications. */
export async function listNotifications(api: Api): Promise<Notification[]> {
  const r = await api.get<{ notifications: (Omit<Notification, 'id'> & { id: number })[] }>('/v1/notifications?limit=50');
  return r.notifications.map((n) => ({ ...n, id: String(n.id) }));
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
            const n = JSON.parse(data) as Omit<Notification, 'id'> & { id: number };
            onNotification({ ...n, id: String(n.id) });
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

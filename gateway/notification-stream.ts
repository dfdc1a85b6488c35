import { Type } from '@sinclair/typebox';
import { BourseError, hasRegistryCode, type Clock, type ErrorCode, type Logger } from '../core/index.js';
import type { RpcClient, RpcPush } from '../core/rpc.js';
import type { NotificationDto } from '../domain/notification-outbox.js';
import { bearerToken, type HttpApi, type Principal } from './http-api.js';
import { InvestorSessions } from './investor-sessions.js';
import { NO_STORE, fail } from './replies.js';
import type { HttpResponse, TemplatedApp } from './uws.js';
import { NotificationSchema } from './alert-routes.js';

export const NOTIFICATION_STREAM_PATH = '/v1/notifications/stream';

export interface NotificationStreamDeps {
  readonly store: RpcClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly heartbeatMs: number;
  /** Open streams one investor may hold on this gateway thread. */
  readonly maxPerInvestor: number;
  /** Bytes that may wait for a client that stopped reading before it is closed (SSE_MAX_BUFFER_BYTES). */
  readonly maxBufferedBytes: number;
}

interface OpenState {
  aborted: boolean;
  client: Client | undefined;
}

interface Client {
  readonly res: HttpResponse;
  readonly investorId: string;
  aborted: boolean;
  /** Highest notification id written; live events at or below it are repeats (resume overlap). */
  lastId: number;
  /** While the Last-Event-ID backlog is being read: live events wait here. */
  held: NotificationDto[] | null;
  /** uWS could not send everything: what was written since then waits in its buffer. */
  stalled: boolean;
  /** Bytes written while stalled (an upper bound on what waits). */
  waitingBytes: number;
}

/**
 * GET /v1/notifications/stream — Server-Sent Events, one `alert` event per
 * notification (`id:` = notification id, `data:` = the notification JSON),
 * and a comment line every heartbeatMs.
 *
 * Auth: `Authorization: Bearer <accessToken>`, or `?access_token=` for
 * EventSource, which cannot set headers. Resume: `Last-Event-ID` (header, as
 * EventSource sends it on reconnect, or `?lastEventId=`) replays the
 * investor's notifications after that id from the database, then continues
 * live; live events that arrive during the replay are held and deduplicated
 * by id, so the client sees each id once, in order.
 *
 * Live events come from the store's `to-investor` pushes (every gateway gets
 * each one and serves its own streams). uWS: the response is marked aborted
 * in onAborted and never touched after that; every write is corked.
 *
 * Backpressure: a client that stops reading would make uWS buffer every
 * heartbeat and event for it without bound. Once more than
 * `maxBufferedBytes` has been written since its socket last drained, the
 * stream is closed. Nothing is lost: notifications are in the database, and
 * the client's reconnect with Last-Event-ID replays what it missed.
 */
export class NotificationStream {
  readonly #d: NotificationStreamDeps;
  readonly #clients = new InvestorSessions<Client>();
  readonly #stopHeartbeat: () => void;
  readonly stats = { opened: 0, events: 0, refused: 0, slowClosed: 0 };

  constructor(d: NotificationStreamDeps) {
    this.#d = d;
    this.#stopHeartbeat = d.clock.every(d.heartbeatMs, () => this.#heartbeat());
  }

  get connections(): number {
    let n = 0;
    for (const _ of this.#clients.all()) n++;
    return n;
  }

  /** Registers the route on `app` and documents it in `api`'s OpenAPI document. */
  register(app: TemplatedApp, api: HttpApi): void {
    api.document({
      method: 'get',
      path: NOTIFICATION_STREAM_PATH,
      tag: 'alerts',
      summary:
        'Server-Sent Events: one `alert` event per notification (id = notification id, data = the notification as JSON), a comment heartbeat every SSE_HEARTBEAT_MS. Token as Bearer header or `access_token`; `Last-Event-ID` (header or `lastEventId`) resumes after that notification.',
      auth: 'required',
      query: Type.Object({ access_token: Type.Optional(Type.String()), lastEventId: Type.Optional(Type.Integer({ minimum: 0 })) }),
      responses: { 200: { description: 'text/event-stream of `alert` events; each `data` is a Notification', schema: NotificationSchema } },
    });
    app.get(NOTIFICATION_STREAM_PATH, (res, req) => {
      // uWS gives request data only synchronously: read everything first.
      const authorization = req.getHeader('authorization');
      const params = new URLSearchParams(req.getQuery() ?? '');
      const lastEventId = req.getHeader('last-event-id') || params.get('lastEventId') || '';
      const token = bearerToken(authorization) ?? params.get('access_token') ?? '';
      const state: OpenState = { aborted: false, client: undefined };
      res.onAborted(() => {
        state.aborted = true;
        if (state.client) this.#remove(state.client);
      });
      this.#open(res, state, token, lastEventId, api).catch((err: unknown) => {
        if (state.aborted) return;
        const code: ErrorCode = hasRegistryCode(err) ? err.code : 'internal';
        if (code === 'internal') this.#d.log.error({ err }, 'notification stream failed to open');
        fail(res, code, (err as Error).message || undefined, NO_STORE);
      });
    });
  }

  /** A store push: an `alert` to-investor message reaches that investor's streams on this thread. */
  onPush = (p: RpcPush): void => {
    if (p.push !== 'to-investor') return;
    const message = p.message as NotificationDto | undefined;
    if (message?.type !== 'alert' || typeof p.investorId !== 'string') return;
    const clients = this.#clients.of(p.investorId);
    if (!clients) return;
    for (const c of clients) {
      if (c.held) c.held.push(message);
      else this.#event(c, message);
    }
  };

  /** Ends every stream (gateway drain). */
  closeAll(): void {
    this.#stopHeartbeat();
    for (const c of this.#clients.all()) if (!c.aborted) c.res.cork(() => c.res.end());
    this.#clients.clear();
  }

  async #open(res: HttpResponse, state: OpenState, token: string, lastEventId: string, api: HttpApi): Promise<void> {
    if (!token) throw new BourseError('unauthorized', 'this stream needs Authorization: Bearer <accessToken> or ?access_token=');
    let after: number | undefined;
    if (lastEventId !== '') {
      after = Number(lastEventId);
      if (!/^\d{1,15}$/.test(lastEventId)) throw new BourseError('invalid_query', 'Last-Event-ID must be a notification id');
    }
    const principal: Principal = await api.authenticate(token);
    if (state.aborted) return;
    if ((this.#clients.of(principal.investorId)?.size ?? 0) >= this.#d.maxPerInvestor) {
      this.stats.refused++;
      throw new BourseError('rate_limited', `at most ${this.#d.maxPerInvestor} notification streams per investor`);
    }
    const client: Client = { res, investorId: principal.investorId, aborted: false, lastId: after ?? 0, held: after === undefined ? null : [], stalled: false, waitingBytes: 0 };
    state.client = client; // from here on, onAborted removes it
    res.cork(() => {
      res.writeStatus('200 OK');
      res.writeHeader('content-type', 'text/event-stream');
      res.writeHeader('cache-control', 'no-store');
      res.writeHeader('x-accel-buffering', 'no');
      res.write('retry: 2000\n: connected\n\n');
    });
    this.#clients.add(principal.investorId, client);
    this.stats.opened++;
    if (after !== undefined) void this.#replay(client, after);
  }

  async #replay(c: Client, after: number): Promise<void> {
    try {
      const { notifications } = await this.#d.store.call<{ notifications: NotificationDto[] }>('notifications.since', { investorId: c.investorId, afterId: after });
      for (const n of notifications) this.#event(c, n);
    } catch (err) {
      this.#d.log.warn({ err }, 'notification stream: replay after Last-Event-ID failed');
    } finally {
      const held = c.held ?? [];
      c.held = null;
      for (const n of held) this.#event(c, n);
    }
  }

  #event(c: Client, n: NotificationDto): void {
    if (c.aborted || !(n.id > c.lastId)) return;
    c.lastId = n.id;
    this.stats.events++;
    this.#write(c, `event: alert\nid: ${n.id}\ndata: ${JSON.stringify(n)}\n\n`);
  }

  #heartbeat(): void {
    const line = `: heartbeat ${Math.round(this.#d.clock.now())}\n\n`;
    for (const c of [...this.#clients.all()]) this.#write(c, line);
  }

  /** Writes to one stream, keeping track of what waits for a client that does not read. */
  #write(c: Client, text: string): void {
    if (c.aborted) return;
    let sent = true;
    c.res.cork(() => {
      sent = c.res.write(text);
    });
    if (sent) {
      c.stalled = false;
      c.waitingBytes = 0;
      return;
    }
    if (!c.stalled) {
      c.stalled = true;
      c.waitingBytes = 0;
      c.res.onWritable(() => {
        c.stalled = false;
        c.waitingBytes = 0;
        return true;
      });
    }
    c.waitingBytes += Buffer.byteLength(text);
    if (c.waitingBytes <= this.#d.maxBufferedBytes) return;
    this.stats.slowClosed++;
    this.#d.log.warn({ investorId: c.investorId, waitingBytes: c.waitingBytes }, 'notification stream closed: the client stopped reading (it resumes with Last-Event-ID)');
    this.#remove(c);
    c.res.close(); // drops what waits; onAborted follows and finds the client removed
  }

  #remove(c: Client): void {
    c.aborted = true;
    this.#clients.remove(c.investorId, c);
  }
}

import {
  BourseError,
  DEFAULT_PARSE_LIMITS,
  ERRORS,
  FrameKind,
  SUBPROTOCOL_JSON,
  SUBPROTOCOL_MSGPACK,
  decodeClientFrame,
  encodeFrame,
  errorMessage,
  errorPayload,
  hasRegistryCode,
  parseClientMessage,
  type Channel,
  type ClientMessage,
  type Clock,
  type Config,
  type ErrorCode,
  type ErrorSpec,
  type InterestTable,
  type ParseLimits,
  type Logger,
  type ServerMessage,
  type Universe,
  type WireFormat,
} from '../core/index.js';
import type { AccessPrincipal } from '../core/auth/index.js';
import type { Fanout } from './fanout.js';
import { InvestorSessions } from './investor-sessions.js';
import type { QuoteReader } from './quote-reader.js';
import { fail, json } from './replies.js';
import type { Topics } from './topics.js';
import { COMPRESSION_DISABLED, type HttpRequest, type HttpResponse, type WebSocket, type WebSocketBehavior } from './uws.js';

/** Channel bits in a subscription. */
const CH: Record<Channel, number> = { quotes: 1, trades: 2, bars: 4 };
const KIND_OF: readonly [number, FrameKind, Channel][] = [
  [CH.quotes, FrameKind.quote, 'quotes'],
  [CH.trades, FrameKind.trades, 'trades'],
  [CH.bars, FrameKind.bar, 'bars'],
];
/** Strikes (rejected or invalid frames) after which a connection is closed. */
export const MAX_STRIKES = 20;
/** Sub-protocol entry that carries an access token: `bourse.bearer.<accessToken>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bourse.bearer.';
/** Ops a connection may queue while its `auth` is being verified. */
const MAX_QUEUED_OPS = 64;

interface Sub {
  channels: number;
  /** Effective quote throttle, ms (0 = every flush). */
  throttle: number;
}

/** Per-connection state (uWS user data). */
export interface Conn {
  readonly id: number;
  readonly format: WireFormat;
  readonly subs: Map<number, Sub>;
  tokens: number;
  refilledAt: number;
  floodStrikes: number;
  invalidStrikes: number;
  /** Over the soft backpressure limit: quote topics dropped until drained. */
  lagging: boolean;
  closed: boolean;
  /** The investor this connection authenticated as (upgrade token or `auth` op); undefined = anonymous. */
  principal: AccessPrincipal | undefined;
  /** Ops that arrived while an `auth` op was being verified: handled, in order, once it is. */
  queued: ClientMessage[] | undefined;
}

export interface StreamStats {
  opened: number;
  closed: number;
  closesByCode: Record<string, number>;
  errorsByCode: Record<string, number>;
  ops: number;
  /** Times a socket went over the soft limit and its quote frames were skipped. */
  backpressureSkips: number;
  /** Times a lagging socket drained and got fresh snapshots. */
  backpressureRecoveries: number;
  slowConsumerCloses: number;
  snapshotsSent: number;
  /** Connections opened / closed by wire format (open = opened - closed). */
  readonly openedBy: Record<WireFormat, number>;
  readonly closedBy: Record<WireFormat, number>;
  /** Current subscriptions (connection × symbol) per channel. */
  readonly subscriptions: Record<Channel, number>;
  /** Frames and bytes sent straight to one socket (snapshots, pongs, errors), by format. */
  readonly repliesBy: Record<WireFormat, number>;
  readonly replyBytesBy: Record<WireFormat, number>;
}

export interface StreamDeps {
  readonly config: Config;
  readonly universe: Universe;
  readonly reader: QuoteReader;
  readonly fanout: Fanout;
  readonly topics: Topics;
  readonly interest: InterestTable;
  readonly gateway: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Verifies an access token (throws BourseError `unauthorized` / `token_expired`). */
  readonly authenticate: (token: string) => Promise<AccessPrincipal>;
}

/**
 * The WebSocket stream at /v1/stream: sub-protocol negotiation, client ops
 * (subscribe, unsubscribe, resume, ping), per-connection limits, and the
 * graded slow-consumer policy. See docs/protocol.md.
 */
export class StreamHandler {
  readonly sockets = new Set<WebSocket<Conn>>();
  /** Authenticated sessions by investor (store pushes `to-investor` go through this). */
  readonly investors = new InvestorSessions<WebSocket<Conn>>();
  readonly stats: StreamStats = {
    opened: 0,
    closed: 0,
    closesByCode: {},
    errorsByCode: {},
    ops: 0,
    backpressureSkips: 0,
    backpressureRecoveries: 0,
    slowConsumerCloses: 0,
    snapshotsSent: 0,
    openedBy: { json: 0, msgpack: 0 },
    closedBy: { json: 0, msgpack: 0 },
    subscriptions: { quotes: 0, trades: 0, bars: 0 },
    repliesBy: { json: 0, msgpack: 0 },
    replyBytesBy: { json: 0, msgpack: 0 },
  };
  readonly #d: StreamDeps;
  readonly #limits: ParseLimits;
  #nextId = 1;
  #draining = false;

  constructor(deps: StreamDeps) {
    this.#d = deps;
    this.#limits = { ...DEFAULT_PARSE_LIMITS, maxSymbols: deps.config.maxSubscriptions };
  }

  behavior(): WebSocketBehavior<Conn> {
    const { config } = this.#d;
    return {
      compression: COMPRESSION_DISABLED,
      // Frames between maxFrameBytes and this get an error frame; beyond it uWS closes with 1009.
      maxPayloadLength: Math.max(64 * 1024, config.maxFrameBytes * 4),
      idleTimeout: config.idleTimeoutS,
      sendPingsAutomatically: true,
      // Our policy (sweep) must act first: past maxBackpressure uWS drops every
      // send, the 4001 close frame included, and the client would only see 1006.
      // The headroom covers what a socket can queue between two sweeps.
      maxBackpressure: config.backpressureHardBytes * 2 + 8 * 1024 * 1024,
      closeOnBackpressureLimit: 0,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => {
        this.sockets.add(ws);
        this.stats.opened++;
        const p = ws.getUserData().principal;
        if (p) this.investors.add(p.investorId, ws);
        this.stats.openedBy[ws.getUserData().format]++;
      },
      message: (ws, message, isBinary) => this.#onMessage(ws, message, isBinary),
      drain: (ws) => this.#maybeRecover(ws),
      close: (ws, code) => this.#onClose(ws, code),
    };
  }

  /** Number of open sockets. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * Graded slow-consumer policy, run on the gateway's housekeeping timer
   * (every ~100 ms; gateway-worker.ts). Over the soft limit
   * a socket leaves its quote topics (its conflated quotes are skipped, trades
   * and bars keep flowing); once drained below half the soft limit it rejoins
   * and gets a fresh snapshot of what it missed; over the hard limit it is
   * closed with 4001 slow_consumer.
   */
  sweep(): void {
    const { backpressureSoftBytes: soft, backpressureHardBytes: hard } = this.#d.config;
    const now = this.#d.clock.now();
    for (const ws of this.sockets) {
      const conn = ws.getUserData();
      if (conn.closed) continue; // already ended by us; nothing more to decide until its close callback runs
      if (conn.principal && conn.principal.expiresAt <= now) {
        this.#close(ws, 'session_expired');
        continue;
      }
      const buffered = ws.getBufferedAmount();
      if (buffered > hard) {
        this.stats.slowConsumerCloses++;
        this.#close(ws, 'slow_consumer');
      } else if (buffered > soft) {
        if (!conn.lagging) {
          conn.lagging = true;
          this.stats.backpressureSkips++;
          for (const [id, sub] of conn.subs) if (sub.channels & CH.quotes) ws.unsubscribe(this.#quoteTopic(conn, id, sub));
        }
      } else if (conn.lagging) {
        this.#maybeRecover(ws);
      }
    }
  }

  /** Graceful shutdown: close every socket with 4000 and a jittered reconnect hint. */
  drainAll(): void {
    this.#draining = true;
    const hint = this.#d.config.reconnectHintMs;
    for (const ws of [...this.sockets]) {
      const retryInMs = Math.floor(Math.random() * hint);
      this.#close(ws, 'server_shutdown', JSON.stringify({ code: 'server_shutdown', retryInMs }));
    }
  }

  // ---- connection lifecycle ----

  #upgrade(res: HttpResponse, req: HttpRequest, context: unknown): void {
    // Everything uWS gives only synchronously is read first.
    const offered = req.getHeader('sec-websocket-protocol');
    const key = req.getHeader('sec-websocket-key');
    const extensions = req.getHeader('sec-websocket-extensions');
    const queryToken = req.getQuery('access_token') ?? '';
    if (this.#draining) {
      fail(res, 'not_ready', 'server is shutting down');
      return;
    }
    let format: WireFormat = 'json';
    let protocol = '';
    let headerToken = '';
    if (offered) {
      const list: string[] = [];
      for (const p of offered.split(',')) {
        const t = p.trim();
        if (t.startsWith(BEARER_SUBPROTOCOL_PREFIX)) headerToken = t.slice(BEARER_SUBPROTOCOL_PREFIX.length);
        else if (t) list.push(t);
      }
      if (list.includes(SUBPROTOCOL_MSGPACK)) [format, protocol] = ['msgpack', SUBPROTOCOL_MSGPACK];
      else if (list.includes(SUBPROTOCOL_JSON)) protocol = SUBPROTOCOL_JSON;
      else if (list.length > 0) {
        this.#count('errorsByCode', 'unsupported_subprotocol');
        fail(res, 'unsupported_subprotocol', `offer ${SUBPROTOCOL_JSON} or ${SUBPROTOCOL_MSGPACK}`);
        return;
      }
    }
    const { config, clock } = this.#d;
    const conn: Conn = {
      id: this.#nextId++,
      format,
      subs: new Map(),
      tokens: config.opsBurst,
      refilledAt: clock.now(),
      floodStrikes: 0,
      invalidStrikes: 0,
      lagging: false,
      closed: false,
      principal: undefined,
      queued: undefined,
    };
    const token = headerToken || queryToken;
    if (!token) {
      res.upgrade(conn, key, protocol, extensions, context as never);
      return;
    }
    // A token is verified before the upgrade: a bad one is refused with 401 and its code.
    let aborted = false;
    res.onAborted(() => (aborted = true));
    this.#d.authenticate(token).then(
      (principal) => {
        if (aborted) return;
        if (this.#draining) {
          fail(res, 'not_ready', 'server is shutting down');
          return;
        }
        conn.principal = principal;
        res.cork(() => res.upgrade(conn, key, protocol, extensions, context as never));
      },
      (err: unknown) => {
        if (aborted) return;
        const code: ErrorCode = hasRegistryCode(err) ? err.code : 'unauthorized';
        this.#count('errorsByCode', code);
        json(res, 401, errorPayload(code, (err as Error).message));
      },
    );
  }

  #onClose(ws: WebSocket<Conn>, code: number): void {
    const conn = ws.getUserData();
    conn.closed = true;
    this.sockets.delete(ws);
    this.stats.closed++;
    this.stats.closedBy[conn.format]++;
    this.#count('closesByCode', String(code));
    if (conn.principal) this.investors.remove(conn.principal.investorId, ws);
    conn.queued = undefined;
    // uWS drops a closed socket's topics itself; only our own bookkeeping is left.
    for (const [id, sub] of conn.subs) this.#account(conn, id, sub, -1);
    conn.subs.clear();
  }

  #close(ws: WebSocket<Conn>, code: ErrorCode, reason?: string): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    conn.closed = true;
    ws.end((ERRORS[code] as ErrorSpec).closeCode ?? 1011, reason ?? code);
  }

  // ---- messages ----

  #onMessage(ws: WebSocket<Conn>, message: ArrayBuffer, isBinary: boolean): void {
    const conn = ws.getUserData();
    if (conn.closed) return;
    this.stats.ops++;
    const { config } = this.#d;
    if (!this.#takeToken(conn)) {
      if (++conn.floodStrikes >= MAX_STRIKES) return this.#close(ws, 'flood');
      return this.#send(ws, [this.#error('rate_limited', `at most ${config.opsPerSecond} ops/s (burst ${config.opsBurst})`)]);
    }
    if (message.byteLength > config.maxFrameBytes) {
      return this.#reject(ws, new BourseError('frame_too_large', `frame of ${message.byteLength} bytes exceeds ${config.maxFrameBytes}`));
    }
    let msg: ClientMessage;
    try {
      let raw: unknown;
      try {
        raw = decodeClientFrame(conn.format, message, isBinary);
      } catch (err) {
        throw new BourseError('malformed_frame', `cannot decode frame: ${(err as Error).message}`.slice(0, 200));
      }
      msg = parseClientMessage(raw, this.#limits);
    } catch (err) {
      return this.#reject(ws, err);
    }
    if (conn.invalidStrikes > 0) conn.invalidStrikes--;
    if (conn.queued) {
      // An auth is in flight: ops keep their order behind it.
      if (conn.queued.length >= MAX_QUEUED_OPS) return this.#send(ws, [this.#error('rate_limited', `at most ${MAX_QUEUED_OPS} ops may wait for an auth`, msg)]);
      conn.queued.push(msg);
      return;
    }
    this.#dispatch(ws, conn, msg);
  }

  #dispatch(ws: WebSocket<Conn>, conn: Conn, msg: ClientMessage): void {
    try {
      this.#handle(ws, conn, msg);
    } catch (err) {
      this.#d.log.error({ err, conn: conn.id }, 'op failed');
      this.#send(ws, [this.#error('internal', 'internal error', msg)]);
    }
  }

  #handle(ws: WebSocket<Conn>, conn: Conn, msg: ClientMessage): void {
    if (msg.op === 'auth') return this.#auth(ws, conn, msg.token, msg);
    if (!conn.principal && !this.#d.config.anonymousStream && msg.op !== 'ping') {
      return this.#reject(ws, new BourseError('unauthorized', 'this server streams to signed-in investors only: send {"op":"auth","token":"<accessToken>"} first'), msg);
    }
    switch (msg.op) {
      case 'ping':
        return this.#send(ws, [{ type: 'pong', ts: this.#d.clock.now(), ...(msg.id !== undefined ? { id: msg.id } : {}) }]);
      case 'subscribe':
        return this.#subscribe(ws, conn, msg, Object.fromEntries(msg.symbols.map((s) => [s, -1])), msg.channels, msg.throttle);
      case 'resume':
        return this.#subscribe(ws, conn, msg, msg.seqs, msg.channels, msg.throttle);
      case 'unsubscribe':
        return this.#unsubscribe(ws, conn, msg.symbols, msg.channels);
    }
  }

  /**
   * Verifies `token` and makes it the connection's principal (first auth, or
   * a renewal before the current token expires). A connection stays with the
   * investor it first authenticated as. Ops arriving meanwhile wait in order.
   */
  #auth(ws: WebSocket<Conn>, conn: Conn, token: string, msg: ClientMessage): void {
    conn.queued = [];
    const finish = (reply: ServerMessage | undefined, err?: unknown) => {
      const queued = conn.queued ?? [];
      conn.queued = undefined;
      if (conn.closed) return;
      if (err !== undefined) this.#reject(ws, err, msg);
      else if (reply) this.#send(ws, [reply]);
      for (const m of queued) {
        if (conn.closed) return;
        const pending = conn.queued as ClientMessage[] | undefined; // set again if a queued op was another auth
        if (pending) {
          pending.push(m); // that auth owns the rest
          continue;
        }
        this.#dispatch(ws, conn, m);
      }
    };
    this.#d.authenticate(token).then(
      (principal) => {
        if (conn.closed) return finish(undefined);
        const current = conn.principal;
        if (current && current.investorId !== principal.investorId) {
          return finish(undefined, new BourseError('unauthorized', 'a connection stays with the investor it authenticated as; open a new one'));
        }
        conn.principal = principal;
        if (!current) this.investors.add(principal.investorId, ws);
        const reply: ServerMessage = { type: 'authenticated', investorId: principal.investorId, expiresAt: principal.expiresAt, ...(msg.id !== undefined ? { id: msg.id } : {}) };
        finish(reply);
      },
      (err: unknown) => finish(undefined, err),
    );
  }

  /**
   * Sends `message` to every open session of `investorId` on this thread, each
   * in its own wire format (encoded once per format). Returns how many got it.
   */
  deliverToInvestor(investorId: string, message: ServerMessage): number {
    const sessions = this.investors.of(investorId);
    if (!sessions) return 0;
    const frames: Partial<Record<WireFormat, Uint8Array | string>> = {};
    let sent = 0;
    for (const ws of sessions) {
      const conn = ws.getUserData();
      if (conn.closed) continue;
      const frame = (frames[conn.format] ??= encodeFrame(conn.format, message));
      ws.send(frame, conn.format === 'msgpack');
      sent++;
    }
    return sent;
  }

  /**
   * Subscribes to `seqs`' symbols (merging channels, replacing the throttle).
   * Atomic against the per-connection limit: an op that would exceed it changes
   * nothing. Unknown symbols get one error each; the others are applied. A
   * snapshot follows for each symbol whose last seen seq (-1 = none) differs
   * from the current one; all replies leave in one frame.
   */
  #subscribe(ws: WebSocket<Conn>, conn: Conn, msg: ClientMessage, seqs: Record<string, number>, channels: readonly Channel[], throttle: number): void {
    const { universe, config, reader, clock } = this.#d;
    const replies: ServerMessage[] = [];
    const ids: [number, number][] = [];
    for (const [symbol, seq] of Object.entries(seqs)) {
      const id = universe.id(symbol);
      if (id < 0) replies.push(this.#error('unknown_symbol', `${symbol} is not in the universe`, msg, symbol));
      else ids.push([id, seq]);
    }
    const added = ids.filter(([id]) => !conn.subs.has(id)).length;
    if (conn.subs.size + added > config.maxSubscriptions) {
      return this.#send(ws, [this.#error('too_many_subscriptions', `at most ${config.maxSubscriptions} symbols per connection (${conn.subs.size} subscribed)`, msg)]);
    }
    const bits = channels.reduce((b, c) => b | CH[c], 0);
    const effective = this.#effectiveThrottle(throttle);
    const now = clock.now();
    for (const [id, lastSeq] of ids) {
      const old = conn.subs.get(id);
      this.#setSub(ws, conn, id, old, { channels: (old?.channels ?? 0) | bits, throttle: effective });
      if (lastSeq < 0 || reader.seq(id) !== lastSeq) {
        replies.push(reader.snapshot(id, now));
        this.stats.snapshotsSent++;
      }
    }
    this.#send(ws, replies);
  }

  #unsubscribe(ws: WebSocket<Conn>, conn: Conn, symbols: readonly string[], channels: readonly Channel[]): void {
    const bits = channels.reduce((b, c) => b | CH[c], 0);
    for (const symbol of symbols) {
      const id = this.#d.universe.id(symbol);
      const old = id < 0 ? undefined : conn.subs.get(id);
      if (!old) continue;
      this.#setSub(ws, conn, id, old, { channels: old.channels & ~bits, throttle: old.throttle });
    }
  }

  /** Moves one symbol's subscription from `old` to `next` (channels 0 = gone): topics, interest, throttle buckets. */
  #setSub(ws: WebSocket<Conn>, conn: Conn, id: number, old: Sub | undefined, next: Sub): void {
    if (old) this.#account(conn, id, old, -1);
    for (const [bit] of KIND_OF) {
      const oldTopic = old && old.channels & bit ? this.#topicFor(conn, id, bit, old) : undefined;
      const newTopic = next.channels & bit ? this.#topicFor(conn, id, bit, next) : undefined;
      if (oldTopic === newTopic) continue;
      const live = bit !== CH.quotes || !conn.lagging;
      if (oldTopic && live) ws.unsubscribe(oldTopic);
      if (newTopic && live) ws.subscribe(newTopic);
    }
    if (next.channels === 0) conn.subs.delete(id);
    else {
      conn.subs.set(id, next);
      this.#account(conn, id, next, +1);
    }
  }

  /** Interest counts (what shards encode) and throttle bucket references for one subscription. */
  #account(conn: Conn, id: number, sub: Sub, delta: 1 | -1): void {
    const { interest, gateway, fanout } = this.#d;
    for (const [bit, kind, channel] of KIND_OF) {
      if (!(sub.channels & bit)) continue;
      interest.add(gateway, id, kind, conn.format, delta);
      this.stats.subscriptions[channel] += delta;
    }
    if (sub.channels & CH.quotes && sub.throttle > 0) {
      if (delta > 0) fanout.retainThrottle(id, sub.throttle);
      else fanout.releaseThrottle(id, sub.throttle);
    }
  }

  #topicFor(conn: Conn, id: number, bit: number, sub: Sub): string {
    if (bit === CH.quotes) return this.#quoteTopic(conn, id, sub);
    return this.#d.topics.get(id, bit === CH.trades ? FrameKind.trades : FrameKind.bar, conn.format);
  }

  #quoteTopic(conn: Conn, id: number, sub: Sub): string {
    return this.#d.topics.get(id, FrameKind.quote, conn.format, sub.throttle);
  }

  /** Throttles round up to whole flush intervals; anything up to one interval means every flush. */
  #effectiveThrottle(ms: number): number {
    const f = this.#d.config.flushMs;
    return ms <= f ? 0 : Math.ceil(ms / f) * f;
  }

  #maybeRecover(ws: WebSocket<Conn>): void {
    const conn = ws.getUserData();
    if (!conn.lagging || conn.closed) return;
    if (ws.getBufferedAmount() > this.#d.config.backpressureSoftBytes / 2) return;
    conn.lagging = false;
    this.stats.backpressureRecoveries++;
    const now = this.#d.clock.now();
    const snapshots: ServerMessage[] = [];
    for (const [id, sub] of conn.subs) {
      if (!(sub.channels & CH.quotes)) continue;
      ws.subscribe(this.#quoteTopic(conn, id, sub));
      snapshots.push(this.#d.reader.snapshot(id, now));
    }
    this.stats.snapshotsSent += snapshots.length;
    this.#send(ws, snapshots);
  }

  // ---- replies ----

  #reject(ws: WebSocket<Conn>, err: unknown, msg?: ClientMessage): void {
    const conn = ws.getUserData();
    const code: ErrorCode = hasRegistryCode(err) ? err.code : 'malformed_frame';
    if (++conn.invalidStrikes >= MAX_STRIKES) return this.#close(ws, 'protocol_violation');
    this.#send(ws, [this.#error(code, (err as Error).message, msg)]);
  }

  #error(code: ErrorCode, message: string, msg?: ClientMessage, symbol?: string): ServerMessage {
    this.#count('errorsByCode', code);
    const extra: { id?: string | number; symbol?: string } = {};
    if (msg && msg.id !== undefined) extra.id = msg.id;
    if (symbol) extra.symbol = symbol;
    return errorMessage(code, message, extra);
  }

  #send(ws: WebSocket<Conn>, messages: ServerMessage[]): void {
    if (messages.length === 0) return;
    const conn = ws.getUserData();
    const frame = encodeFrame(conn.format, messages.length === 1 ? messages[0] : messages);
    ws.send(frame, conn.format === 'msgpack');
    this.stats.repliesBy[conn.format]++;
    this.stats.replyBytesBy[conn.format] += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
  }

  #takeToken(conn: Conn): boolean {
    const { opsPerSecond, opsBurst } = this.#d.config;
    const now = this.#d.clock.now();
    conn.tokens = Math.min(opsBurst, conn.tokens + ((now - conn.refilledAt) / 1000) * opsPerSecond);
    conn.refilledAt = now;
    // A client that has been quiet long enough to refill its bucket is forgiven.
    if (conn.tokens >= opsBurst) conn.floodStrikes = 0;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  #count(field: 'closesByCode' | 'errorsByCode', key: string): void {
    this.stats[field][key] = (this.stats[field][key] ?? 0) + 1;
  }
}

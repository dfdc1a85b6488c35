import { backoffDelay, DEFAULT_BACKOFF, hintedDelay, isTerminalClose, type BackoffOptions } from './backoff.js';
import { decodeFrame, encodeOp, SUBPROTOCOLS } from './codec.js';
import { Emitter } from './emitter.js';
import { systemTimers, type BarMessage, type Channel, type ErrorMessage, type QuoteMessage, type SnapshotMessage, type StreamTimers, type TradesMessage, type WebSocketFactory, type WebSocketLike, type WireFormat } from './types.js';

/**
 * `connecting`: first attempt; `live`: open and subscribed; `reconnecting`:
 * lost, waiting for the next attempt; `offline`: several attempts failed in a
 * row (still retrying); `closed`: stopped by close() or a terminal close code.
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'closed';

export interface StateChange {
  readonly state: ConnectionState;
  /** Failed attempts since the last live connection. */
  readonly attempt: number;
  /** When reconnecting: ms until the next attempt. */
  readonly retryInMs?: number;
  /** The close that caused the change, if any. */
  readonly close?: { readonly code: number; readonly reason: string };
}

export interface StreamEvents {
  /** A fresh full state (on subscribe, on resume when behind, after lag). */
  snapshot: SnapshotMessage;
  /** A live quote; duplicates (seq at or below the last seen) are already dropped. */
  quote: QuoteMessage;
  trades: TradesMessage;
  bar: BarMessage;
  error: ErrorMessage;
  state: StateChange;
  /** Quotes were missed (the server skipped a lagging connection); a snapshot follows. */
  gap: { readonly symbol: string; readonly from: number; readonly to: number };
  /** Any other server message (e.g. `authenticated`, `dashboards` pushes to an investor's sessions). */
  message: { readonly type: string; readonly [field: string]: unknown };
}

export interface StreamOptions {
  /** `ws://host:port/v1/stream` (or wss). */
  readonly url: string;
  /** Default msgpack. */
  readonly format?: WireFormat;
  /** Called before every connection attempt: the current access token, or undefined for anonymous (public quotes). */
  readonly token?: () => string | undefined | Promise<string | undefined>;
  /** Query parameter that carries the token (browsers cannot set headers on a WebSocket). */
  readonly tokenParam?: string;
  /** Default: the global WebSocket. Node users pass one from the `ws` package. */
  readonly webSocket?: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  /** Quote throttle (ms) asked for on every subscribe. */
  readonly throttle?: number;
  /** A ping is sent after this long without a frame; the socket is dropped after twice as long. Default 20 s. */
  readonly heartbeatMs?: number;
  readonly timers?: StreamTimers;
}

const MAX_SYMBOLS_PER_OP = 500;

const browserWebSocket: WebSocketFactory = (url, protocols) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => unknown }).WebSocket;
  if (!Ctor) throw new Error('no global WebSocket: pass options.webSocket');
  return new Ctor(url, protocols) as WebSocketLike;
};
/** Failed attempts in a row after which the state reads `offline`. */
const OFFLINE_AFTER = 3;

/**
 * A Bourse stream connection that stays up: it reconnects with backoff and
 * jitter (honouring the server's `retryInMs` hint), then resumes every
 * subscription with the last seq seen per symbol, so the server sends a fresh
 * snapshot only for symbols that moved meanwhile. Delivery is at-most-once per
 * quote (quotes are conflated state; the latest always arrives); events for
 * one symbol are in seq order. Not thread-safe; one instance per page/process.
 */
export class StreamClient extends Emitter<StreamEvents> {
  readonly #o: Required<Omit<StreamOptions, 'token'>> & Pick<StreamOptions, 'token'>;
  /** Channels per subscribed symbol. */
  readonly #subs = new Map<string, Set<Channel>>();
  /** Last quote/snapshot seq per symbol. */
  readonly #seqs = new Map<string, number>();
  #ws: WebSocketLike | undefined;
  #state: ConnectionState = 'closed';
  #attempt = 0;
  #retryTimer: unknown;
  #heartbeat: unknown;
  #lastFrameAt = 0;
  #pingId = 0;
  #stopped = true;
  /** Bumped by every #open(): an attempt still awaiting its token gives way to a newer one. */
  #generation = 0;

  constructor(options: StreamOptions) {
    super();
    this.#o = {
      format: 'msgpack',
      tokenParam: 'access_token',
      webSocket: browserWebSocket,
      backoff: DEFAULT_BACKOFF,
      throttle: 0,
      heartbeatMs: 20_000,
      timers: systemTimers,
      ...options,
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Last seq seen for `symbol` (0 before its first snapshot). */
  lastSeq(symbol: string): number {
    return this.#seqs.get(symbol.toUpperCase()) ?? 0;
  }

  /** Starts (or restarts after close()) the connection loop. */
  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    void this.#open();
  }

  /** Closes for good (until connect()); subscriptions are kept for the next connect(). */
  close(): void {
    this.#stopped = true;
    this.#dropSocket(1000, 'client closed');
    this.#setState({ state: 'closed', attempt: this.#attempt });
  }

  /** Drops the current socket and reconnects now (e.g. after a new login, or when the browser comes back online). */
  reconnectNow(): void {
    if (this.#stopped) return this.connect();
    this.#dropSocket(1000, 'reconnecting');
    this.#attempt = 0;
    void this.#open();
  }

  /**
   * Re-authenticates the open connection with a fresh access token (`auth` op),
   * so it is not closed at the old token's expiry. The next reconnect asks
   * options.token again anyway.
   */
  authenticate(token: string): void {
    if (this.#state === 'live') this.#send({ op: 'auth', token });
  }

  subscribe(symbols: readonly string[], channels: readonly Channel[] = ['quotes']): void {
    const added: string[] = [];
    for (const raw of symbols) {
      const s = raw.toUpperCase();
      const set = this.#subs.get(s) ?? new Set<Channel>();
      const before = set.size;
      channels.forEach((c) => set.add(c));
      this.#subs.set(s, set);
      if (set.size !== before) added.push(s);
    }
    if (added.length && this.#state === 'live') this.#sendChunks(added, channels, 'subscribe');
  }

  unsubscribe(symbols: readonly string[], channels: readonly Channel[] = ['quotes', 'trades', 'bars']): void {
    const removed: string[] = [];
    for (const raw of symbols) {
      const s = raw.toUpperCase();
      const set = this.#subs.get(s);
      if (!set) continue;
      channels.forEach((c) => set.delete(c));
      if (set.size === 0) {
        this.#subs.delete(s);
        this.#seqs.delete(s);
      }
      removed.push(s);
    }
    if (removed.length && this.#state === 'live') this.#sendChunks(removed, channels, 'unsubscribe');
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    if (this.#state === 'closed') this.#setState({ state: 'connecting', attempt: 0 });
    else if (this.#state === 'live') this.#setState({ state: 'reconnecting', attempt: 0 });
    let url = this.#o.url;
    try {
      const token = await this.#o.token?.();
      if (token) url += (url.includes('?') ? '&' : '?') + `${encodeURIComponent(this.#o.tokenParam)}=${encodeURIComponent(token)}`;
    } catch {
      // No token (refresh failed): connect anonymously; the app decides whether to log out.
    }
    // close() or a newer attempt (reconnectNow() during the await) took over.
    if (this.#stopped || generation !== this.#generation) return;
    let ws: WebSocketLike;
    try {
      ws = this.#o.webSocket(url, [SUBPROTOCOLS[this.#o.format]]);
    } catch {
      return this.#retry(undefined);
    }
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.#lastFrameAt = this.#o.timers.now();
      this.#armHeartbeat();
      this.#resubscribe();
      this.#attempt = 0;
      this.#setState({ state: 'live', attempt: 0 });
    };
    ws.onmessage = (ev) => {
      this.#lastFrameAt = this.#o.timers.now();
      let messages;
      try {
        messages = decodeFrame(this.#o.format, ev.data);
      } catch {
        return; // not a frame of ours; nothing to do with it
      }
      for (const m of messages) this.#dispatch(m);
    };
    ws.onerror = () => {
      /* followed by onclose */
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#o.timers.clearTimeout(this.#heartbeat);
      if (isTerminalClose(ev.code)) {
        this.#stopped = true;
        this.#setState({ state: 'closed', attempt: this.#attempt, close: { code: ev.code, reason: ev.reason } });
        return;
      }
      this.#retry({ code: ev.code, reason: ev.reason });
    };
  }

  #retry(close: { code: number; reason: string } | undefined): void {
    if (this.#stopped) return;
    const hint = close ? hintedDelay(close.reason) : undefined;
    const delay = Math.max(hint ?? 0, backoffDelay(this.#attempt, this.#o.timers.random, this.#o.backoff));
    this.#attempt++;
    this.#setState({ state: this.#attempt >= OFFLINE_AFTER ? 'offline' : 'reconnecting', attempt: this.#attempt, retryInMs: delay, close });
    this.#retryTimer = this.#o.timers.setTimeout(() => void this.#open(), delay);
  }

  /** After (re)connecting: `resume` symbols we have seqs for, `subscribe` the rest, grouped by channel set. */
  #resubscribe(): void {
    const groups = new Map<string, { channels: Channel[]; resume: string[]; fresh: string[] }>();
    for (const [symbol, set] of this.#subs) {
      const channels = [...set].sort();
      const key = channels.join(',');
      const g = groups.get(key) ?? { channels, resume: [], fresh: [] };
      (this.#seqs.has(symbol) ? g.resume : g.fresh).push(symbol);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      for (let i = 0; i < g.resume.length; i += MAX_SYMBOLS_PER_OP) {
        const seqs: Record<string, number> = {};
        for (const s of g.resume.slice(i, i + MAX_SYMBOLS_PER_OP)) seqs[s] = this.#seqs.get(s)!;
        this.#send({ op: 'resume', seqs, channels: g.channels, throttle: this.#o.throttle });
      }
      if (g.fresh.length) this.#sendChunks(g.fresh, g.channels, 'subscribe');
    }
  }

  #sendChunks(symbols: readonly string[], channels: readonly Channel[], op: 'subscribe' | 'unsubscribe'): void {
    for (let i = 0; i < symbols.length; i += MAX_SYMBOLS_PER_OP) {
      const chunk = symbols.slice(i, i + MAX_SYMBOLS_PER_OP);
      this.#send(op === 'subscribe' ? { op, symbols: chunk, channels, throttle: this.#o.throttle } : { op, symbols: chunk, channels });
    }
  }

  #send(op: unknown): void {
    try {
      this.#ws?.send(encodeOp(this.#o.format, op));
    } catch {
      // The socket is closing; onclose reconnects and resubscribes.
    }
  }

  #dispatch(m: ReturnType<typeof decodeFrame>[number]): void {
    switch (m.type) {
      case 'snapshot':
        if (!this.#subs.has(m.symbol)) return;
        this.#seqs.set(m.symbol, m.seq);
        this.emit('snapshot', m);
        return;
      case 'quote': {
        const last = this.#seqs.get(m.symbol);
        if (!this.#subs.has(m.symbol) || (last !== undefined && m.seq <= last)) return;
        if (last !== undefined && m.seq > last + 1 && this.#o.throttle === 0) this.emit('gap', { symbol: m.symbol, from: last + 1, to: m.seq - 1 });
        this.#seqs.set(m.symbol, m.seq);
        this.emit('quote', m);
        return;
      }
      case 'trades':
        if (this.#subs.get(m.symbol)?.has('trades')) this.emit('trades', m);
        return;
      case 'bar':
        if (this.#subs.get(m.symbol)?.has('bars')) this.emit('bar', m);
        return;
      case 'error':
        this.emit('error', m);
        return;
      case 'pong':
        return;
      default:
        this.emit('message', m as unknown as StreamEvents['message']);
    }
  }

  /** Liveness: ping after a quiet `heartbeatMs`; drop the socket (and reconnect) after twice that without any frame. */
  #armHeartbeat(): void {
    const t = this.#o.timers;
    this.#heartbeat = t.setTimeout(() => {
      const quiet = t.now() - this.#lastFrameAt;
      if (quiet >= 2 * this.#o.heartbeatMs) {
        // Some sockets never fire onclose on a dead network: do not wait for it.
        this.#dropSocket(4000, 'heartbeat timeout');
        this.#retry({ code: 4000, reason: 'heartbeat timeout' });
        return;
      }
      if (quiet >= this.#o.heartbeatMs) this.#send({ op: 'ping', id: `hb-${++this.#pingId}` });
      this.#armHeartbeat();
    }, Math.max(1000, this.#o.heartbeatMs / 2));
  }

  /** Stops both timers and closes the current socket, detached first so its onclose cannot schedule a retry. */
  #dropSocket(code: number, reason: string): void {
    this.#o.timers.clearTimeout(this.#retryTimer);
    this.#o.timers.clearTimeout(this.#heartbeat);
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
    ws.close(code, reason);
  }

  #setState(s: StateChange): void {
    const changed = s.state !== this.#state || s.retryInMs !== undefined;
    this.#state = s.state;
    if (changed) this.emit('state', s);
  }
}

import type { Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { FeedEnd, FeedEventListener, StreamFeedStats } from './feed-events.js';
import { loadWsConnector, type FeedSocket, type FeedSocketClosed, type SocketConnector } from './feed-socket.js';

/** The vendor protocol on top of one connection; the stream calls it, it calls back send/live/reconnect/fail. */
export interface StreamProtocol {
  /** A new connection is open: reset per-connection state and send the opening messages. */
  opened(): void;
  /** One inbound frame. Must not throw on bad input (count it instead). */
  frame(text: string): void;
}

export interface ReconnectingStreamOptions {
  /** Adapter name, in messages and events. */
  readonly feed: string;
  /** Full URL, credentials included: it is never logged or put in an error. */
  readonly url: string;
  readonly connect: SocketConnector | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  /** Ping period; a connection that sends nothing (no frame, no pong) for a whole period is cut. */
  readonly heartbeatMs: number;
  /** From the attempt to live (open, authenticated, subscribed); longer and the attempt is cut. */
  readonly connectTimeoutMs: number;
  readonly protocol: StreamProtocol;
  readonly stats: StreamFeedStats;
  readonly onEvent: FeedEventListener;
}

/**
 * One vendor WebSocket kept connected: connect, heartbeat, reconnect with
 * backoff (backoff.ts), all timers on the injected clock.
 *
 * - start() resolves when the first attempt settles: live, or lost for a
 *   reason worth retrying (the retry is then scheduled and the caller is not
 *   held up by a vendor outage). It rejects with a BourseError when the first
 *   attempt fails terminally (HTTP 401/403 on the upgrade, or the protocol's
 *   fail()), leaving the stream failed.
 * - After that, losses reconnect on their own; a terminal failure later ends
 *   the run: state 'failed', a 'failed' event, done() resolves with the error.
 * - stop() closes the connection (closing handshake) and resolves once the
 *   socket reports closed; no protocol callback runs after that.
 */
export class ReconnectingStream {
  readonly #o: ReconnectingStreamOptions;
  #connector: SocketConnector | undefined;
  #socket: FeedSocket | undefined;
  /** Bumped per connection; callbacks of an older connection are ignored. */
  #gen = 0;
  /** Failed attempts since the last lasting session: the backoff exponent. */
  #attempt = 0;
  #liveSince = 0;
  #heard = false;
  /** Why the protocol or a timer cut the current connection, and the least wait before the next. */
  #cutReason: string | undefined;
  #cutMinDelayMs = 0;
  #cancelConnectTimer: (() => void) | undefined;
  #cancelHeartbeat: (() => void) | undefined;
  #cancelRetry: (() => void) | undefined;
  #starting: { resolve: () => void; reject: (err: BourseError) => void } | undefined;
  #closed: (() => void) | undefined;
  #done: Promise<FeedEnd> = Promise.resolve({ reason: 'stopped' });
  #endRun: (end: FeedEnd) => void = () => {};

  constructor(options: ReconnectingStreamOptions) {
    this.#o = options;
    this.#connector = options.connect;
  }

  get state(): StreamFeedStats['state'] {
    return this.#o.stats.state;
  }

  /** How the current (or last) run ended; pending while it runs. */
  done(): Promise<FeedEnd> {
    return this.#done;
  }

  async start(): Promise<void> {
    const s = this.#o.stats;
    if (s.state !== 'idle' && s.state !== 'stopped' && s.state !== 'failed') throw new Error(`${this.#o.feed} is already started`);
    this.#connector ??= await loadWsConnector();
    this.#attempt = 0;
    this.#done = new Promise((resolve) => (this.#endRun = resolve));
    const started = new Promise<void>((resolve, reject) => (this.#starting = { resolve, reject }));
    this.#open();
    return started;
  }

  async stop(): Promise<void> {
    const s = this.#o.stats;
    if (s.state === 'idle' || s.state === 'stopped') return;
    const wasFailed = s.state === 'failed';
    s.state = 'stopped';
    this.#clearTimers();
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#settleStart();
    const socket = this.#socket;
    if (socket) {
      await new Promise<void>((resolve) => {
        this.#closed = resolve;
        socket.close(1000, 'client stop');
      });
    }
    if (!wasFailed) this.#endRun({ reason: 'stopped' });
  }

  /** Sends on the current connection (dropped when there is none). */
  send(text: string): void {
    this.#socket?.send(text);
  }

  /** The protocol finished its handshake on the current connection. */
  live(): void {
    const s = this.#o.stats;
    if (s.state !== 'connecting') return;
    this.#cancelConnectTimer?.();
    this.#cancelConnectTimer = undefined;
    s.state = 'live';
    s.sessions++;
    this.#liveSince = this.#o.clock.now();
    this.#o.onEvent({ type: 'live', feed: this.#o.feed, session: s.sessions });
    this.#settleStart();
  }

  /** Cuts the current connection and reconnects after the backoff delay, or `minDelayMs` if longer. */
  reconnect(reason: string, minDelayMs = 0): void {
    this.#cut(this.#gen, reason, minDelayMs);
  }

  /** Ends the run: no reconnect. */
  fail(error: BourseError): void {
    const s = this.#o.stats;
    if (s.state === 'stopped' || s.state === 'failed') return;
    s.state = 'failed';
    s.lastError = error.message;
    this.#clearTimers();
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#socket?.terminate();
    this.#o.onEvent({ type: 'failed', feed: this.#o.feed, error });
    this.#settleStart(error);
    this.#endRun({ reason: 'failed', error });
  }

  #open(): void {
    const o = this.#o;
    const gen = ++this.#gen;
    o.stats.state = 'connecting';
    o.stats.attempts++;
    this.#cutReason = undefined;
    this.#cutMinDelayMs = 0;
    o.onEvent({ type: 'connecting', feed: o.feed, attempt: o.stats.attempts });
    this.#cancelConnectTimer = o.clock.after(o.connectTimeoutMs, () => this.#cut(gen, `not live within ${o.connectTimeoutMs} ms`, 0));
    const current = () => gen === this.#gen && (o.stats.state === 'connecting' || o.stats.state === 'live');
    try {
      this.#socket = this.#connector!(o.url, {
        open: () => {
          if (!current()) return;
          this.#heard = true;
          this.#startHeartbeat(gen);
          o.protocol.opened();
        },
        message: (text) => {
          if (!current()) return;
          this.#heard = true;
          o.stats.frames++;
          o.protocol.frame(text);
        },
        pong: () => {
          if (current()) this.#heard = true;
        },
        close: (closed) => this.#lost(gen, closed),
      });
    } catch (err) {
      this.fail(new BourseError('config_invalid', `${o.feed}: cannot open a WebSocket to the configured URL: ${(err as Error).message}`, { cause: err }));
    }
  }

  #startHeartbeat(gen: number): void {
    const ms = this.#o.heartbeatMs;
    this.#cancelHeartbeat = this.#o.clock.every(ms, () => {
      if (gen !== this.#gen) return;
      if (!this.#heard) {
        this.#cut(gen, `no frame or pong for ${ms} ms`, 0);
        return;
      }
      this.#heard = false;
      this.#socket?.ping();
    });
  }

  #cut(gen: number, reason: string, minDelayMs: number): void {
    if (gen !== this.#gen || !this.#socket) return;
    this.#cutReason ??= reason;
    this.#cutMinDelayMs = Math.max(this.#cutMinDelayMs, minDelayMs);
    this.#socket.terminate();
  }

  #lost(gen: number, closed: FeedSocketClosed): void {
    if (gen !== this.#gen) return;
    this.#gen++;
    this.#socket = undefined;
    this.#clearTimers();
    const o = this.#o;
    const s = o.stats;
    if (s.state === 'stopped' || s.state === 'failed') {
      this.#closed?.();
      this.#closed = undefined;
      return;
    }
    const now = o.clock.now();
    if (s.state === 'live') {
      s.disconnects++;
      if (now - this.#liveSince >= o.backoff.resetAfterMs) this.#attempt = 0;
    }
    const status = closed.httpStatus;
    if (status === 401 || status === 403) {
      this.fail(new BourseError('config_invalid', `${o.feed}: the server refused the connection with HTTP ${status}: check the credentials`));
      return;
    }
    const reason = this.#cutReason ?? describe(closed);
    const minDelay = Math.max(this.#cutMinDelayMs, status === 429 ? o.backoff.limitedMs : 0);
    const delay = Math.max(minDelay, backoffDelay(o.backoff, this.#attempt++, o.random));
    s.state = 'backoff';
    s.lastError = reason;
    o.onEvent({ type: 'disconnected', feed: o.feed, reason, retryInMs: delay });
    this.#cancelRetry = o.clock.after(delay, () => {
      this.#cancelRetry = undefined;
      if (s.state === 'backoff') this.#open();
    });
    this.#settleStart();
  }

  #settleStart(error?: BourseError): void {
    const starting = this.#starting;
    this.#starting = undefined;
    if (!starting) return;
    if (error) starting.reject(error);
    else starting.resolve();
  }

  #clearTimers(): void {
    this.#cancelConnectTimer?.();
    this.#cancelConnectTimer = undefined;
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
  }
}

function describe(closed: FeedSocketClosed): string {
  if (closed.httpStatus !== undefined) return `upgrade refused with HTTP ${closed.httpStatus}`;
  if (closed.error) return `connection error: ${closed.error}`;
  return `closed by the server (${closed.code}${closed.reason ? ` ${closed.reason}` : ''})`;
}

import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import type { FeedSource, TickSink } from '../../core/feed-source.js';
import type { Universe } from '../../core/universe.js';
import { backoffPolicy, type BackoffPolicy } from './backoff.js';
import { emptyStreamStats, FrameReject, type FeedEnd, type FeedEventListener, type StreamFeedStats } from './feed-events.js';
import type { SocketConnector } from './feed-socket.js';
import { ReconnectingStream } from './reconnecting-stream.js';
import { TickBatch } from './tick-batch.js';
import { VendorSymbols } from './vendor-symbols.js';

export interface FinnhubFeedSourceOptions {
  readonly universe: Universe;
  /** API token, sent as the `token` query parameter (never logged). */
  readonly token: string;
  /** Tickers to subscribe to, as Finnhub spells them (BRK.B is read as the universe's BRK-B); each must be in the universe. */
  readonly symbols: readonly string[];
  /** Default wss://ws.finnhub.io (tests: ws://127.0.0.1:PORT). */
  readonly url?: string;
  readonly clock?: Clock;
  /** Jitter source, [0, 1). Default Math.random. */
  readonly random?: () => number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Default 30 s: the client pings; any frame (trades, Finnhub's own `ping` messages) or pong proves the connection alive. */
  readonly heartbeatMs?: number;
  /** Default 15 s. */
  readonly connectTimeoutMs?: number;
  /** Records per sink.accept() call at most. Default 1024. */
  readonly batchRecords?: number;
  /** Default: the `ws` package. */
  readonly connect?: SocketConnector;
  readonly onEvent?: FeedEventListener;
}

export const FINNHUB_DEFAULT_URL = 'wss://ws.finnhub.io';

/**
 * Finnhub's trade stream (https://finnhub.io/docs/api/websocket-trades).
 *
 * Protocol: connect to `wss://ws.finnhub.io?token=…`, send
 * `{"type":"subscribe","symbol":"AAPL"}` per symbol (there is no
 * acknowledgement, so the session is live once they are sent), then receive:
 * - `{"type":"trade","data":[{"s":"AAPL","p":227.3,"t":1700000000000,"v":100,"c":["1","12"]}]}`:
 *   each item becomes a trade tick (price p > 0, size v ≥ 0, eventTs t in ms).
 *   The trade conditions `c` are ignored: the actors have no use for them yet,
 *   so an odd-lot or out-of-sequence print counts like any other trade.
 * - `{"type":"ping"}`: keepalive, counted as ignored.
 * - `{"type":"error","msg":"…"}`: counted (stats.serverErrors) and reported as
 *   a 'server_error' event; the connection is kept. Finnhub sends these for a
 *   bad request (an unknown symbol, too many symbols), not for the session; if
 *   it ends the session it closes the socket and the backoff applies.
 * Everything else is skipped and counted by reason (stats.rejected), item by
 * item: a bad trade does not lose the good ones in the same frame.
 *
 * A bad token is refused at the upgrade (HTTP 401/403): terminal, start()
 * rejects (or, after a reconnect, the run ends with 'failed'). HTTP 429 waits
 * backoff.limitedMs before the next attempt. Every other loss reconnects with
 * backoff and resubscribes. Delivery is at-most-once: trades sent while
 * disconnected are lost (Finnhub has no replay). An error thrown by
 * sink.accept() propagates out of the socket's message handler.
 */
export class FinnhubFeedSource implements FeedSource {
  readonly name = 'finnhub';
  readonly #stats: StreamFeedStats = emptyStreamStats();
  readonly #symbols: VendorSymbols;
  readonly #stream: ReconnectingStream;
  readonly #batch: TickBatch;
  readonly #onEvent: FeedEventListener;
  #sink: TickSink | undefined;

  constructor(options: FinnhubFeedSourceOptions) {
    if (typeof options.token !== 'string' || options.token === '') throw new BourseError('config_invalid', 'finnhub: a token is required');
    this.#symbols = new VendorSymbols(this.name, options.universe, options.symbols);
    let url: URL;
    try {
      url = new URL(options.url ?? FINNHUB_DEFAULT_URL);
    } catch {
      throw new BourseError('config_invalid', `finnhub: not a URL: ${options.url}`);
    }
    url.searchParams.set('token', options.token);
    this.#onEvent = options.onEvent ?? (() => {});
    this.#batch = new TickBatch(options.batchRecords ?? 1024, (records, count) => this.#sink?.accept(records, count));
    this.#stream = new ReconnectingStream({
      feed: this.name,
      url: url.href,
      connect: options.connect,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      backoff: backoffPolicy(this.name, options.backoff),
      heartbeatMs: options.heartbeatMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      stats: this.#stats,
      onEvent: this.#onEvent,
      protocol: { opened: () => this.#opened(), frame: (text) => this.#frame(text) },
    });
  }

  get stats(): Readonly<StreamFeedStats> {
    return this.#stats;
  }

  /** Resolves once the first connection is live or has failed in a way worth retrying; rejects on bad credentials. */
  async start(sink: TickSink): Promise<void> {
    if (this.#sink) throw new Error('FinnhubFeedSource is already started');
    this.#sink = sink;
    try {
      await this.#stream.start();
    } catch (err) {
      this.#sink = undefined;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
    await this.#stream.stop();
  }

  /** How the current run ended: stopped, or failed with the error. */
  done(): Promise<FeedEnd> {
    return this.#stream.done();
  }

  #opened(): void {
    for (const symbol of this.#symbols.list) this.#stream.send(JSON.stringify({ type: 'subscribe', symbol }));
    this.#stream.live();
  }

  #frame(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.#reject(FrameReject.notJson);
      return;
    }
    if (!isRecord(msg)) return this.#reject(FrameReject.badShape);
    switch (msg.type) {
      case 'trade':
        if (!Array.isArray(msg.data)) return this.#reject(FrameReject.badShape);
        for (const item of msg.data) this.#trade(item);
        this.#batch.flush();
        return;
      case 'ping':
        this.#stats.ignored++;
        return;
      case 'error': {
        const message = typeof msg.msg === 'string' ? msg.msg : JSON.stringify(msg.msg ?? null);
        this.#stats.serverErrors++;
        this.#stats.lastError = `server error: ${message}`;
        this.#onEvent({ type: 'server_error', feed: this.name, code: undefined, message });
        return;
      }
      default:
        this.#reject(FrameReject.unknownType);
    }
  }

  #trade(item: unknown): void {
    if (!isRecord(item) || typeof item.s !== 'string') return this.#reject(FrameReject.badShape);
    const symbol = this.#symbols.id(item.s);
    if (symbol < 0) return this.#reject(FrameReject.unknownSymbol);
    const { p, v, t } = item;
    if (typeof p !== 'number' || !(p > 0 && p < Infinity) || typeof v !== 'number' || !(v >= 0 && v < Infinity)) return this.#reject(FrameReject.invalidNumber);
    if (typeof t !== 'number' || !(t > 0 && t < Infinity)) return this.#reject(FrameReject.invalidTime);
    this.#stats.trades++;
    this.#batch.trade(symbol, p, v, t);
  }

  #reject(reason: FrameReject): void {
    this.#stats.rejected[reason]++;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

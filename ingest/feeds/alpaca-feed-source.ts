import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import type { FeedSource, TickSink } from '../../core/feed-source.js';
import type { Universe } from '../../core/universe.js';
import { backoffPolicy, type BackoffPolicy } from './backoff.js';
import { emptyStreamStats, FrameReject, type FeedEnd, type FeedEventListener, type StreamFeedStats } from './feed-events.js';
import type { SocketConnector } from './feed-socket.js';
import { ReconnectingStream } from './reconnecting-stream.js';
import { parseRfc3339Ms } from './rfc3339.js';
import { TickBatch } from './tick-batch.js';
import { VendorSymbols } from './vendor-symbols.js';

export interface AlpacaChannels {
  readonly trades: boolean;
  readonly quotes: boolean;
  /** Minute bars. They become trade ticks only when `trades` is off (see AlpacaFeedSource). */
  readonly bars: boolean;
}

export interface AlpacaFeedSourceOptions {
  readonly universe: Universe;
  readonly keyId: string;
  readonly secret: string;
  /** Tickers as Alpaca spells them (BRK.B is read as the universe's BRK-B); each must be in the universe. */
  readonly symbols: readonly string[];
  /** Default wss://stream.data.alpaca.markets/v2/iex; …/v2/sip needs a paid plan, …/v2/test streams fake data all day. */
  readonly url?: string;
  /** Default trades and quotes. */
  readonly channels?: Partial<AlpacaChannels>;
  readonly clock?: Clock;
  /** Jitter source, [0, 1). Default Math.random. */
  readonly random?: () => number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Default 30 s (Alpaca sends no keepalive frames; the client's pings keep the session checked). */
  readonly heartbeatMs?: number;
  /** Welcome, auth and subscription confirmed within this. Default 15 s (Alpaca itself allows 10 s to authenticate). */
  readonly connectTimeoutMs?: number;
  /** Records per sink.accept() call at most. Default 1024. */
  readonly batchRecords?: number;
  /** Default: the `ws` package. */
  readonly connect?: SocketConnector;
  readonly onEvent?: FeedEventListener;
}

export interface AlpacaFeedStats extends StreamFeedStats {
  /** Error messages by Alpaca code. */
  errorCodes: Record<string, number>;
}

export const ALPACA_DEFAULT_URL = 'wss://stream.data.alpaca.markets/v2/iex';

const BAR_MS = 60_000;

type ErrorAction = 'continue' | 'reconnect' | 'limited' | 'terminal';

/**
 * What each Alpaca error code does. Terminal ones are about the account or
 * the configuration: reconnecting would repeat them (and hammer the vendor).
 */
const ERROR_ACTIONS: Readonly<Record<number, ErrorAction>> = {
  400: 'continue', // invalid syntax: one of our messages was wrong; the session itself is fine
  401: 'reconnect', // not authenticated: a message went out before auth; a new session redoes the handshake
  402: 'terminal', // auth failed: wrong key or secret
  403: 'continue', // already authenticated: harmless
  404: 'reconnect', // auth timeout: we were too slow; try again
  405: 'terminal', // symbol limit exceeded: the plan does not allow this many symbols
  406: 'limited', // connection limit exceeded: another client holds the key's one connection; wait backoff.limitedMs
  407: 'reconnect', // slow client: the server dropped us for not reading fast enough
  409: 'terminal', // insufficient subscription: the plan does not cover this feed (sip without a paid plan)
  410: 'terminal', // invalid subscribe action for this feed
  500: 'reconnect', // internal error
};

/** Message types Alpaca may send that carry no tick for us: daily/updated bars, statuses, corrections, cancels, LULD. */
const IGNORED_TYPES = new Set(['d', 'u', 's', 'c', 'x', 'l', 'i', 'n']);

/**
 * Alpaca market data v2 stream (https://docs.alpaca.markets/docs/real-time-stock-pricing-data).
 *
 * Protocol per connection: receive `[{"T":"success","msg":"connected"}]`, send
 * `{"action":"auth","key":…,"secret":…}`, receive `…"msg":"authenticated"`,
 * send `{"action":"subscribe","trades":[…],"quotes":[…],"bars":[…]}` (the
 * enabled channels), receive `[{"T":"subscription",…}]`: the session is live.
 * Frames are JSON arrays of messages:
 * - `T:"t"` trade → trade tick (p > 0, size s ≥ 0).
 * - `T:"q"` quote → quote tick (bp, ap, bs, as ≥ 0; sizes passed on as Alpaca
 *   gives them). A crossed quote is passed on: it happens in real markets.
 * - `T:"b"` minute bar → when trades are not subscribed, one trade tick at the
 *   close with the bar's volume, stamped at the bar's last millisecond (t is
 *   its start), so volume and last price stay right from bars alone; when
 *   trades are subscribed, bars are counted as ignored (the trades already
 *   carry that volume and would be counted twice).
 * - `T:"error"` → counted per code (stats.errorCodes), a 'server_error' event,
 *   then the action in ERROR_ACTIONS: terminal codes end the run with a clear
 *   BourseError (start() rejects when it happens on the first connection);
 *   406 waits backoff.limitedMs; unknown codes reconnect with backoff.
 * Timestamps are RFC 3339 with nanoseconds (rfc3339.ts). Conditions, exchange
 * and tape fields are ignored. Malformed items are skipped and counted by
 * reason, item by item. Losses reconnect with backoff and redo the handshake
 * and subscription. Delivery is at-most-once (no replay after a gap).
 */
export class AlpacaFeedSource implements FeedSource {
  readonly name = 'alpaca';
  readonly #stats: AlpacaFeedStats = { ...emptyStreamStats(), errorCodes: {} };
  readonly #symbols: VendorSymbols;
  readonly #channels: AlpacaChannels;
  readonly #auth: string;
  readonly #subscribe: string;
  readonly #stream: ReconnectingStream;
  readonly #batch: TickBatch;
  readonly #limitedMs: number;
  readonly #onEvent: FeedEventListener;
  #phase: 'welcome' | 'auth' | 'subscribe' | 'live' = 'welcome';
  #sink: TickSink | undefined;

  constructor(options: AlpacaFeedSourceOptions) {
    if (!options.keyId || !options.secret) throw new BourseError('config_invalid', 'alpaca: a key id and a secret are required');
    this.#symbols = new VendorSymbols(this.name, options.universe, options.symbols);
    this.#channels = { trades: true, quotes: true, bars: false, ...options.channels };
    if (!this.#channels.trades && !this.#channels.quotes && !this.#channels.bars) throw new BourseError('config_invalid', 'alpaca: no channel enabled (trades, quotes, bars)');
    const url = options.url ?? ALPACA_DEFAULT_URL;
    if (!URL.canParse(url)) throw new BourseError('config_invalid', `alpaca: not a URL: ${url}`);
    this.#auth = JSON.stringify({ action: 'auth', key: options.keyId, secret: options.secret });
    const list = this.#symbols.list;
    const c = this.#channels;
    this.#subscribe = JSON.stringify({ action: 'subscribe', ...(c.trades && { trades: list }), ...(c.quotes && { quotes: list }), ...(c.bars && { bars: list }) });
    const backoff = backoffPolicy(this.name, options.backoff);
    this.#limitedMs = backoff.limitedMs;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#batch = new TickBatch(options.batchRecords ?? 1024, (records, count) => this.#sink?.accept(records, count));
    this.#stream = new ReconnectingStream({
      feed: this.name,
      url,
      connect: options.connect,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      backoff,
      heartbeatMs: options.heartbeatMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      stats: this.#stats,
      onEvent: this.#onEvent,
      protocol: { opened: () => void (this.#phase = 'welcome'), frame: (text) => this.#frame(text) },
    });
  }

  get stats(): Readonly<AlpacaFeedStats> {
    return this.#stats;
  }

  /** Resolves once the first session is live or has failed in a way worth retrying; rejects on a terminal error (bad key). */
  async start(sink: TickSink): Promise<void> {
    if (this.#sink) throw new Error('AlpacaFeedSource is already started');
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

  #frame(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.#stats.rejected[FrameReject.notJson]++;
      return;
    }
    if (!Array.isArray(msg)) {
      this.#stats.rejected[FrameReject.badShape]++;
      return;
    }
    for (const item of msg) {
      this.#message(item);
      if (this.#stats.state === 'failed') break; // a terminal error ended the run: the rest is not delivered
    }
    this.#batch.flush();
  }

  #message(m: unknown): void {
    const s = this.#stats;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return void s.rejected[FrameReject.badShape]++;
    const r = m as Record<string, unknown>;
    switch (r.T) {
      case 't':
        return this.#trade(r);
      case 'q':
        return this.#quote(r);
      case 'b':
        return this.#bar(r);
      case 'success':
        return this.#success(r.msg);
      case 'subscription':
        this.#phase = 'live';
        this.#stream.live();
        return;
      case 'error':
        return this.#error(r.code, r.msg);
      default:
        if (typeof r.T === 'string' && IGNORED_TYPES.has(r.T)) s.ignored++;
        else s.rejected[FrameReject.unknownType]++;
    }
  }

  #success(msg: unknown): void {
    if (msg === 'connected' && this.#phase === 'welcome') {
      this.#phase = 'auth';
      this.#stream.send(this.#auth);
    } else if (msg === 'authenticated' && this.#phase === 'auth') {
      this.#phase = 'subscribe';
      this.#stream.send(this.#subscribe);
    } else {
      this.#stats.ignored++;
    }
  }

  #error(code: unknown, msg: unknown): void {
    const s = this.#stats;
    const n = typeof code === 'number' ? code : NaN;
    const message = typeof msg === 'string' ? msg : 'no message';
    const text = `alpaca error ${Number.isNaN(n) ? '?' : n}: ${message}`;
    s.serverErrors++;
    s.errorCodes[String(code)] = (s.errorCodes[String(code)] ?? 0) + 1;
    s.lastError = text;
    this.#onEvent({ type: 'server_error', feed: this.name, code: Number.isNaN(n) ? undefined : n, message });
    switch (ERROR_ACTIONS[n] ?? 'reconnect') {
      case 'continue':
        return;
      case 'reconnect':
        return this.#stream.reconnect(text);
      case 'limited':
        return this.#stream.reconnect(text, this.#limitedMs);
      case 'terminal':
        return this.#stream.fail(new BourseError('config_invalid', n === 402 ? `${text}: check the key id and secret` : text));
    }
  }

  #trade(r: Record<string, unknown>): void {
    const symbol = this.#symbol(r.S);
    if (symbol < 0) return;
    const { p, s } = r;
    if (!isPositive(p) || !isNonNegative(s)) return this.#reject(FrameReject.invalidNumber);
    const t = this.#time(r.t);
    if (Number.isNaN(t)) return;
    this.#stats.trades++;
    this.#batch.trade(symbol, p, s, t);
  }

  #quote(r: Record<string, unknown>): void {
    const symbol = this.#symbol(r.S);
    if (symbol < 0) return;
    const { bp, ap, bs, as } = r;
    if (!isNonNegative(bp) || !isNonNegative(ap) || !isNonNegative(bs) || !isNonNegative(as)) return this.#reject(FrameReject.invalidNumber);
    const t = this.#time(r.t);
    if (Number.isNaN(t)) return;
    this.#stats.quotes++;
    this.#batch.quote(symbol, bp, ap, bs, as, t);
  }

  #bar(r: Record<string, unknown>): void {
    if (this.#channels.trades) return void this.#stats.ignored++;
    const symbol = this.#symbol(r.S);
    if (symbol < 0) return;
    const { o, h, l, c, v } = r;
    if (!isPositive(o) || !isPositive(h) || !isPositive(l) || !isPositive(c) || !isNonNegative(v)) return this.#reject(FrameReject.invalidNumber);
    const t = this.#time(r.t);
    if (Number.isNaN(t)) return;
    this.#stats.trades++;
    this.#batch.trade(symbol, c, v, t + BAR_MS - 1);
  }

  /** The universe id of field S, or -1 after counting why not. */
  #symbol(S: unknown): number {
    if (typeof S !== 'string') {
      this.#reject(FrameReject.badShape);
      return -1;
    }
    const id = this.#symbols.id(S);
    if (id < 0) this.#reject(FrameReject.unknownSymbol);
    return id;
  }

  /** Field t as ms, or NaN after counting it. */
  #time(t: unknown): number {
    const ms = typeof t === 'string' ? parseRfc3339Ms(t) : NaN;
    if (Number.isNaN(ms)) this.#reject(FrameReject.invalidTime);
    return ms;
  }

  #reject(reason: FrameReject): void {
    this.#stats.rejected[reason]++;
  }
}

function isPositive(x: unknown): x is number {
  return typeof x === 'number' && x > 0 && x < Infinity;
}

function isNonNegative(x: unknown): x is number {
  return typeof x === 'number' && x >= 0 && x < Infinity;
}

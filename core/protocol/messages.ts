import { QuoteField as Q } from '../quote-record.js';
import type { ErrorCode } from '../errors.js';

/**
 * Protocol v1 message vocabulary (docs/protocol.md). Fields may be added;
 * the names and meanings here never change within v1.
 */
export const CHANNELS = ['quotes', 'trades', 'bars'] as const;
export type Channel = (typeof CHANNELS)[number];

export const SUBPROTOCOL_JSON = 'bourse.v1.json';
export const SUBPROTOCOL_MSGPACK = 'bourse.v1.msgpack';
export type WireFormat = 'json' | 'msgpack';

// ---- client → server ----

export interface SubscribeOp {
  readonly op: 'subscribe';
  readonly symbols: readonly string[];
  readonly channels: readonly Channel[];
  /** Minimum ms between quote/bar frames for these symbols; 0 = every flush. */
  readonly throttle: number;
  readonly id?: string | number;
}
export interface UnsubscribeOp {
  readonly op: 'unsubscribe';
  readonly symbols: readonly string[];
  readonly channels: readonly Channel[];
  readonly id?: string | number;
}
export interface ResumeOp {
  readonly op: 'resume';
  /** Last seq the client saw, per symbol. */
  readonly seqs: Readonly<Record<string, number>>;
  readonly channels: readonly Channel[];
  readonly throttle: number;
  readonly id?: string | number;
}
export interface PingOp {
  readonly op: 'ping';
  readonly id?: string | number;
}
/** Authenticates the connection (or renews its token before it expires). */
export interface AuthOp {
  readonly op: 'auth';
  /** An access token (POST /v1/auth/login). */
  readonly token: string;
  readonly id?: string | number;
}
export type ClientMessage = SubscribeOp | UnsubscribeOp | ResumeOp | PingOp | AuthOp;

// ---- server → client ----

export interface QuoteFields {
  readonly last: number | null;
  readonly lastSize: number | null;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly bidSize: number | null;
  readonly askSize: number | null;
  readonly open: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly prevClose: number | null;
  readonly change: number | null;
  readonly changePct: number | null;
  readonly volume: number;
  readonly vwap: number | null;
  readonly sma: number | null;
  readonly ema: number | null;
  readonly volatility: number | null;
}
export interface BarFields {
  /** Bar start, ms since the epoch (a minute boundary). */
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
}
interface SymbolMessage {
  readonly symbol: string;
  /** Per-symbol sequence; only increases. */
  readonly seq: number;
  /** Server time the message was produced, ms since the epoch. */
  readonly ts: number;
}
export interface QuoteMessage extends SymbolMessage, QuoteFields {
  readonly type: 'quote';
  /** Arrival in the server of the oldest tick folded into this frame (tick-to-wire start), ms since the epoch. */
  readonly ta: number;
}
export interface SnapshotMessage extends SymbolMessage, QuoteFields {
  readonly type: 'snapshot';
  readonly name: string;
  readonly exchange: string;
  readonly bar: BarFields | null;
}
export interface Trade {
  /** Price. */
  readonly p: number;
  /** Size (shares). */
  readonly v: number;
  /** Event time at the source, ms since the epoch. */
  readonly t: number;
}
export interface TradesMessage extends SymbolMessage {
  readonly type: 'trades';
  readonly ta: number;
  readonly trades: readonly Trade[];
}
export interface BarMessage extends SymbolMessage, BarFields {
  readonly type: 'bar';
  /** True once the minute is over and the bar is final. */
  readonly closed: boolean;
}
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly id?: string | number;
  readonly symbol?: string;
}
export interface PongMessage {
  readonly type: 'pong';
  readonly ts: number;
  readonly id?: string | number;
}
/** The answer to a successful `auth` op. */
export interface AuthenticatedMessage {
  readonly type: 'authenticated';
  readonly investorId: string;
  /** When the token stops being valid (send `auth` with a fresh one before), ms since the epoch. */
  readonly expiresAt: number;
  readonly id?: string | number;
}
/** One dashboard as REST serves it (GET /v1/dashboards). */
export interface DashboardView {
  readonly id: string;
  readonly name: string;
  readonly position: number;
  readonly symbols: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}
/**
 * An investor's dashboards changed (through any session or REST call): sent
 * to every open session of that investor. `created`/`updated` carry the whole
 * dashboard; `deleted` its id; `reordered` every dashboard id in the new order.
 */
export interface DashboardsMessage {
  readonly type: 'dashboards';
  readonly change: 'created' | 'updated' | 'deleted' | 'reordered';
  readonly id?: string;
  readonly dashboard?: DashboardView;
  readonly order?: readonly string[];
  readonly ts: number;
}
export type ServerMessage = QuoteMessage | SnapshotMessage | TradesMessage | BarMessage | ErrorMessage | PongMessage | AuthenticatedMessage | DashboardsMessage;

// ---- builders from a quote record (shared by the shard's stream and the gateway's snapshots) ----

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
/** Rounds derived values so frames stay short; prices keep 4 decimals. */
const r4 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);
const r6 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null);

export function quoteFields(r: Float64Array): QuoteFields {
  const last = r[Q.last];
  const prev = r[Q.prevClose];
  const change = Number.isFinite(last) && Number.isFinite(prev) ? last - prev : Number.NaN;
  return {
    last: num(last),
    lastSize: num(r[Q.lastSize]),
    bid: num(r[Q.bid]),
    ask: num(r[Q.ask]),
    bidSize: num(r[Q.bidSize]),
    askSize: num(r[Q.askSize]),
    open: num(r[Q.open]),
    high: num(r[Q.high]),
    low: num(r[Q.low]),
    prevClose: num(prev),
    change: r4(change),
    changePct: prev ? r4((change / prev) * 100) : null,
    volume: r[Q.volume] || 0,
    vwap: r4(r[Q.vwap]),
    sma: r4(r[Q.sma]),
    ema: r4(r[Q.ema]),
    volatility: r6(r[Q.volatility]),
  };
}

export function barFields(r: Float64Array): BarFields | null {
  if (!Number.isFinite(r[Q.barStart]) || !Number.isFinite(r[Q.barOpen])) return null;
  return {
    start: r[Q.barStart],
    open: r[Q.barOpen],
    high: r[Q.barHigh],
    low: r[Q.barLow],
    close: r[Q.barClose],
    volume: r[Q.barVolume],
    trades: r[Q.barTrades],
  };
}

/** `ta` defaults to the record's arrival marker; a shard passes the marker it read before ending the flush. */
export function quoteMessage(symbol: string, r: Float64Array, ts: number, ta: number = r[Q.arrival]): QuoteMessage {
  return { type: 'quote', symbol, seq: r[Q.seq], ts, ta, ...quoteFields(r) };
}

export function snapshotMessage(symbol: string, name: string, exchange: string, r: Float64Array, ts: number): SnapshotMessage {
  return { type: 'snapshot', symbol, seq: r[Q.seq], ts, name, exchange, ...quoteFields(r), bar: barFields(r) };
}

export function barMessage(symbol: string, seq: number, ts: number, bar: BarFields, closed: boolean): BarMessage {
  return { type: 'bar', symbol, seq, ts, ...bar, closed };
}

export function errorMessage(code: ErrorCode, message: string, extra?: { id?: string | number; symbol?: string }): ErrorMessage {
  return { type: 'error', code, message, ...extra };
}

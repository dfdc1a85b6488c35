import type { BourseError } from '../../core/errors.js';

/**
 * What the feed adapters in this folder report besides ticks: events for the
 * caller's log (one callback, no logger dependency), the way a run ends, and
 * the counters of the WebSocket clients.
 */
export type FeedEvent =
  | { readonly type: 'connecting'; readonly feed: string; readonly attempt: number }
  | { readonly type: 'live'; readonly feed: string; readonly session: number }
  | { readonly type: 'disconnected'; readonly feed: string; readonly reason: string; readonly retryInMs: number }
  /** An error message from the vendor (Finnhub `type: error`, Alpaca `T: error`); `code` when the vendor gives one. */
  | { readonly type: 'server_error'; readonly feed: string; readonly code: number | undefined; readonly message: string }
  /** Terminal: the source stopped itself and will not reconnect (bad credentials, a plan that does not cover the request). */
  | { readonly type: 'failed'; readonly feed: string; readonly error: BourseError }
  /** A finite source (replay without loop) delivered its last tick. */
  | { readonly type: 'ended'; readonly feed: string };

export type FeedEventListener = (event: FeedEvent) => void;

/** How a run ended, from `done()`: never rejects, so nobody has to listen. */
export type FeedEnd = { readonly reason: 'stopped' } | { readonly reason: 'ended' } | { readonly reason: 'failed'; readonly error: BourseError };

/**
 * Why an inbound message (or one item of it) was skipped. Counted per item:
 * one bad trade in a frame of ten skips that trade only; a frame that is not
 * JSON, or not the protocol's outer shape, counts once.
 */
export const FrameReject = {
  /** Not JSON. */
  notJson: 'not_json',
  /** JSON, but not the protocol's structure (not an object/array, symbol missing or not a string, data not an array). */
  badShape: 'bad_shape',
  /** A message type this client does not know (known types it does not use count as `ignored`). */
  unknownType: 'unknown_type',
  /** A ticker that is not in the universe. */
  unknownSymbol: 'unknown_symbol',
  /** A price or size missing, not a number, not finite or out of range. */
  invalidNumber: 'invalid_number',
  /** An event time missing or unparseable. */
  invalidTime: 'invalid_time',
} as const;
export type FrameReject = (typeof FrameReject)[keyof typeof FrameReject];

export function emptyRejects(): Record<FrameReject, number> {
  return { not_json: 0, bad_shape: 0, unknown_type: 0, unknown_symbol: 0, invalid_number: 0, invalid_time: 0 };
}

/** idle → connecting → live ⇄ backoff; failed and stopped are final for a run (start() again begins a new one). */
export type StreamState = 'idle' | 'connecting' | 'live' | 'backoff' | 'failed' | 'stopped';

/** Counters of a WebSocket feed client, live (read them, never write them). */
export interface StreamFeedStats {
  state: StreamState;
  /** Connection attempts, including the first. */
  attempts: number;
  /** Connections that became live (subscribed). */
  sessions: number;
  /** Live connections lost (dropped by the server or the network, or closed by us to reconnect). */
  disconnects: number;
  /** Frames received. */
  frames: number;
  /** Ticks handed to the sink. */
  trades: number;
  quotes: number;
  /** Well-formed messages that carry no tick: pings, statuses, bars when trades are subscribed. */
  ignored: number;
  /** Error messages from the vendor. */
  serverErrors: number;
  /** Skipped items by reason (see FrameReject). */
  rejected: Record<FrameReject, number>;
  /** The last disconnect reason or vendor error, for /readyz and logs ('' = none). */
  lastError: string;
}

export function emptyStreamStats(): StreamFeedStats {
  return { state: 'idle', attempts: 0, sessions: 0, disconnects: 0, frames: 0, trades: 0, quotes: 0, ignored: 0, serverErrors: 0, rejected: emptyRejects(), lastError: '' };
}

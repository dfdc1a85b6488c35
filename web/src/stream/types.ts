/**
 * Protocol v1 types (docs/protocol.md), shared with the server: core's
 * definitions are the one source, so the client cannot drift from it.
 */
export type {
  BarFields,
  BarMessage,
  Channel,
  ErrorMessage,
  PongMessage,
  QuoteFields,
  QuoteMessage,
  ServerMessage,
  SnapshotMessage,
  Trade,
  TradesMessage,
  WireFormat,
} from '../../../core/protocol/messages.js';

/** The narrow WebSocket shape this library uses: the browser's WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { readonly data: unknown }) => void) | null;
  onclose: ((ev: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket; `protocols` is the sub-protocol to offer. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/** Timers and randomness, injected so tests can drive them. */
export interface StreamTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export const systemTimers: StreamTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

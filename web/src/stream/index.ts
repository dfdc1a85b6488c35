/**
 * @bourse/stream — a typed client for the Bourse WebSocket stream (docs/protocol.md):
 * connect with an access token, subscribe, resume with sequences, reconnect with
 * backoff and jitter, JSON or msgpack. Works in browsers and in Node (pass a
 * WebSocket factory from the `ws` package).
 */
export { StreamClient, type ConnectionState, type StateChange, type StreamEvents, type StreamOptions } from './client.js';
export { QuoteBook, type LiveQuote, type QuoteBookOptions } from './quote-book.js';
export { backoffDelay, hintedDelay, isTerminalClose, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { decodeFrame, encodeOp, SUBPROTOCOLS } from './codec.js';
export { Emitter } from './emitter.js';
export * from './types.js';

export * from './alpaca-feed-source.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { expandBar, type BarTick } from './bar-ticks.js';
export * from './create-feed-source.js';
export * from './csv-replay-feed-source.js';
export * from './feed-events.js';
export type { FeedSocket, FeedSocketClosed, FeedSocketHandlers, SocketConnector } from './feed-socket.js';
export * from './finnhub-feed-source.js';
export { parseMinuteBarRow, type MinuteBar, type ParsedRow, type RowProblem } from './minute-bar-csv.js';

/**
 * The synthetic market every reference peer publishes (bench/peers/*): the
 * same tickers, quote fields and frame sizes as Bourse's protocol v1 quote,
 * so the generator measures the servers, not different payloads.
 *
 * Each flush moves every symbol's price one random step and bumps its seq;
 * a peer then sends one quote per symbol to that symbol's subscribers.
 *
 * Also what the peers share around it: their environment (peerSettings), the
 * HTTP routes the bench reads, the "listening" line it waits for, and when to
 * start publishing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The WebSocket sub-protocol of Bourse's stream, which the peers speak too. */
export const SUBPROTOCOL = 'bourse.v1.json';

/** Synthetic four-letter tickers: AAAA, AAAB, ... (valid Bourse symbols). */
export function ticker(i: number): string {
  let s = '';
  for (let k = 0; k < 4; k++, i = Math.floor(i / 26)) s = String.fromCharCode(65 + (i % 26)) + s;
  return s;
}

export interface SymbolState {
  readonly symbol: string;
  seq: number;
  last: number;
  open: number;
  high: number;
  low: number;
  volume: number;
  /** Size of the last step's trade. */
  size: number;
}

export const now = (): number => performance.timeOrigin + performance.now();
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export function createMarket(universeSize: number): Map<string, SymbolState> {
  const states = new Map<string, SymbolState>();
  for (let i = 0; i < universeSize; i++) {
    const symbol = ticker(i);
    const p = 20 + Math.random() * 480;
    states.set(symbol, { symbol, seq: 0, last: p, open: p, high: p, low: p, volume: 0, size: 0 });
  }
  return states;
}

/** One random step of a symbol (what a flush does before publishing it). */
export function step(s: SymbolState): void {
  s.last = Math.max(0.01, s.last * (1 + (Math.random() - 0.5) * 0.002));
  s.high = Math.max(s.high, s.last);
  s.low = Math.min(s.low, s.last);
  s.size = 1 + Math.floor(Math.random() * 500);
  s.volume += s.size;
  s.seq += 1;
}

/** The fields of a Bourse quote (core/protocol/messages.ts), for peers that send objects. */
export function quoteFields(s: SymbolState): Record<string, number | null> {
  const spread = r4(s.last * 0.0002);
  return {
    last: r4(s.last), lastSize: s.size, bid: r4(s.last - spread), ask: r4(s.last + spread), bidSize: 100, askSize: 200,
    open: r4(s.open), high: r4(s.high), low: r4(s.low), prevClose: r4(s.open), change: r4(s.last - s.open),
    changePct: r4(((s.last - s.open) / s.open) * 100), volume: s.volume, vwap: r4((s.high + s.low + s.last) / 3),
    sma: r4(s.last), ema: r4(s.last), volatility: 0.2,
  };
}

/** A quote message as an object: type, symbol, seq, ts/ta (the flush time) and the fields. */
export function quoteMessage(s: SymbolState, ta: number): Record<string, unknown> {
  return { type: 'quote', symbol: s.symbol, seq: s.seq, ts: ta, ta, ...quoteFields(s) };
}

/** The snapshot a subscriber gets first: the symbol's current seq, so the next quote is seq + 1. */
export function snapshotMessage(s: SymbolState): Record<string, unknown> {
  return { type: 'snapshot', symbol: s.symbol, seq: s.seq, ts: now(), name: `${s.symbol} Inc.`, exchange: 'PEER', bar: null, ...quoteFields(s) };
}

/** An integer environment variable; out of range or not an integer, the peer exits with code 2 naming it. */
export function envInt(peer: string, name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    process.stderr.write(`${peer}: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return v;
}

/** What every peer reads from its environment at start-up, and the market it then publishes. */
export interface PeerSettings {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly flushMs: number;
  readonly states: Map<string, SymbolState>;
  /** The GET /v1/symbols response body. */
  readonly symbolsBody: string;
}

/** HOST, PORT, FLUSH_MS and UNIVERSE_SIZE (a bad value exits naming `peer`), and a market of that many symbols. */
export function peerSettings(peer: string): PeerSettings {
  const port = envInt(peer, 'PORT', 0, 0, 65535);
  const flushMs = envInt(peer, 'FLUSH_MS', 50, 1, 60_000);
  const states = createMarket(envInt(peer, 'UNIVERSE_SIZE', 500, 1, 100_000));
  return { host: process.env.HOST || '127.0.0.1', port, flushMs, states, symbolsBody: JSON.stringify({ symbols: [...states.keys()] }) };
}

/**
 * The node:http routes of the `ws` and Socket.IO peers: GET /readyz, /healthz,
 * /v1/symbols and /metrics (event-loop delay); anything else is a 404, except
 * paths under `passThrough`, which a library attached to the same server
 * answers (Socket.IO's /socket.io/).
 */
export function peerRequestHandler(symbolsBody: string, passThrough?: string): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = eventLoopMetrics();
  return (req, res) => {
    if (req.url === '/readyz' || req.url === '/healthz') res.end('ok\n');
    else if (req.url === '/v1/symbols') res.setHeader('content-type', 'application/json').end(symbolsBody);
    else if (req.url === '/metrics') res.setHeader('content-type', 'text/plain; version=0.0.4').end(metrics());
    else if (passThrough === undefined || !req.url?.startsWith(passThrough)) res.writeHead(404).end('not found\n');
  };
}

/** The line the bench waits for on a peer's stdout: `{"event":"listening","port":N}`. */
export function announceListening(port: number): void {
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
}

/** Listens on host:port and announces the port it got. */
export function listenAndAnnounce(server: Server, host: string, port: number): void {
  server.listen(port, host, () => {
    const addr = server.address();
    announceListening(typeof addr === 'object' && addr ? addr.port : port);
  });
}

/**
 * Starts `flush` every `flushMs` once the peer holds `PUBLISH_AFTER_CONNECTIONS`
 * clients (0 or unset: at once), or `PUBLISH_HOLD_MAX_S` (default 120) after
 * start, whichever comes first. The suite sets it to the scenario's
 * connection count: a one-thread peer that publishes while clients connect
 * can be too busy to finish their handshakes (a `ws` flush to 5,000 clients
 * takes seconds), and then there is nothing to measure. Holding only changes
 * the connect phase; the window is measured with the peer publishing.
 * Returns a stop function.
 */
export function publishWhenConnected(peer: string, connected: () => number, flush: () => void, flushMs: number): () => void {
  const wanted = envInt(peer, 'PUBLISH_AFTER_CONNECTIONS', 0, 0, 1_000_000);
  const holdMaxMs = envInt(peer, 'PUBLISH_HOLD_MAX_S', 120, 0, 3600) * 1000;
  const since = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    if (wanted > 0) process.stderr.write(`${peer}: publishing (${connected()} of ${wanted} clients connected)\n`);
    timer = setInterval(flush, flushMs);
  };
  if (wanted === 0) start();
  else
    timer = setInterval(() => {
      if (connected() < wanted && performance.now() - since < holdMaxMs) return;
      clearInterval(timer);
      start();
    }, 20);
  return () => clearInterval(timer);
}

/**
 * Event-loop delay in the Prometheus text format with prom-client's default
 * names, so the bench reads a peer's /metrics the way it reads Bourse's.
 */
export function eventLoopMetrics(): () => string {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return () => {
    const s = (ns: number): string => String(ns / 1e9);
    const text =
      `# TYPE nodejs_eventloop_lag_p50_seconds gauge\nnodejs_eventloop_lag_p50_seconds ${s(h.percentile(50))}\n` +
      `# TYPE nodejs_eventloop_lag_p99_seconds gauge\nnodejs_eventloop_lag_p99_seconds ${s(h.percentile(99))}\n` +
      `# TYPE nodejs_eventloop_lag_max_seconds gauge\nnodejs_eventloop_lag_max_seconds ${s(h.max)}\n`;
    h.reset();
    return text;
  };
}

/**
 * uws-bare: the least a server can do to speak the Bourse stream protocol, as
 * a yardstick for the load generator (`npm run bench:ws -- --target uws-bare`).
 *
 * One thread, one uWebSockets.js App, no actors, no shards. Every FLUSH_MS it
 * moves every symbol's price and publishes one quote frame per symbol to the
 * symbol's topic, so a client subscribed to K symbols receives K frames per
 * flush. Whatever the generator measures here is its ceiling: Bourse proper
 * can only deliver less.
 *
 * Speaks the protocol v1 subset the generator uses: GET /readyz, GET /healthz,
 * GET /v1/symbols, GET /metrics (event-loop delay), and WebSocket /v1/stream with the bourse.v1.json
 * sub-protocol (subscribe → one snapshot per symbol, then quotes; ping → pong;
 * other ops → an error frame).
 *
 * Environment: PORT (0 = any free port), HOST, FLUSH_MS, UNIVERSE_SIZE, PUBLISH_AFTER_CONNECTIONS (see market.ts).
 * Prints {"event":"listening","port":N} on stdout once listening. SIGTERM or
 * SIGINT close every socket with 4000 (server shutting down) and exit.
 */
import uWS from 'uWebSockets.js';
import { announceListening, eventLoopMetrics, now, peerSettings, publishWhenConnected, snapshotMessage, step, SUBPROTOCOL, type SymbolState } from './market.js';

const MAX_BACKPRESSURE = 512 * 1024; // past this uWS skips a subscriber's frames: the client sees seq gaps

const { host, port, flushMs, states, symbolsBody } = peerSettings('uws-bare');

/** "0000".."9999": four decimals by table lookup (see price()). */
const FRACTIONS = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

/**
 * A price with four decimals. Number-to-string of an arbitrary double costs
 * ~130 ns; 15 prices × 500 symbols made the peer's flush, and so its share of
 * the measured latency, milliseconds long. Integer formatting is several times cheaper.
 */
function price(x: number): string {
  const t = Math.round(Math.abs(x) * 1e4);
  return `${x < 0 ? '-' : ''}${Math.floor(t / 1e4)}.${FRACTIONS[t % 1e4]}`;
}

/**
 * A quote frame with the fields of market.ts quoteFields, in order, formatted
 * by hand (see price()); ta is preformatted once per flush.
 */
function quoteFrame(s: SymbolState, ta: string): string {
  const l = price(s.last);
  const spread = s.last * 0.0002;
  const o = price(s.open);
  return (
    `{"type":"quote","symbol":"${s.symbol}","seq":${s.seq},"ts":${ta},"ta":${ta},"last":${l},"lastSize":${s.size},` +
    `"bid":${price(s.last - spread)},"ask":${price(s.last + spread)},"bidSize":100,"askSize":200,"open":${o},` +
    `"high":${price(s.high)},"low":${price(s.low)},"prevClose":${o},"change":${price(s.last - s.open)},` +
    `"changePct":${price(((s.last - s.open) / s.open) * 100)},"volume":${s.volume},` +
    `"vwap":${price((s.high + s.low + s.last) / 3)},"sma":${l},"ema":${l},"volatility":0.2}`
  );
}

const app = uWS.App();
const sockets = new Set<uWS.WebSocket<unknown>>();

function send(ws: uWS.WebSocket<unknown>, msg: object): void {
  ws.send(JSON.stringify(msg), false, false);
}

function onClientMessage(ws: uWS.WebSocket<unknown>, data: ArrayBuffer, isBinary: boolean): void {
  let m: { op?: unknown; symbols?: unknown; id?: unknown };
  try {
    if (isBinary) throw new Error('binary');
    m = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    send(ws, { type: 'error', code: 'malformed_frame', message: 'expected a JSON text frame' });
    return;
  }
  if (m.op === 'ping') {
    send(ws, { type: 'pong', ts: now(), ...(m.id === undefined ? {} : { id: m.id }) });
    return;
  }
  if (m.op !== 'subscribe' || !Array.isArray(m.symbols)) {
    send(ws, { type: 'error', code: 'unknown_op', message: 'uws-bare speaks subscribe and ping only' });
    return;
  }
  for (const sym of m.symbols) {
    const s = typeof sym === 'string' ? states.get(sym.toUpperCase()) : undefined;
    if (!s) {
      send(ws, { type: 'error', code: 'unknown_symbol', message: `unknown symbol ${JSON.stringify(sym)}`.slice(0, 80) });
      continue;
    }
    ws.subscribe(s.symbol);
    send(ws, snapshotMessage(s));
  }
}

app.ws('/v1/stream', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: MAX_BACKPRESSURE,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  upgrade: (res, req, context) => {
    const offered = req.getHeader('sec-websocket-protocol').split(',').map((p) => p.trim());
    if (!offered.includes(SUBPROTOCOL)) {
      res.writeStatus('400 Bad Request').end(`sub-protocol ${SUBPROTOCOL} required\n`);
      return;
    }
    res.upgrade({}, req.getHeader('sec-websocket-key'), SUBPROTOCOL, req.getHeader('sec-websocket-extensions'), context);
  },
  open: (ws) => void sockets.add(ws),
  message: onClientMessage,
  close: (ws) => void sockets.delete(ws),
});

app.get('/readyz', (res) => void res.end('ready\n'));
app.get('/healthz', (res) => void res.end('ok\n'));
app.get('/v1/symbols', (res) => void res.writeHeader('content-type', 'application/json').end(symbolsBody));
const metrics = eventLoopMetrics();
app.get('/metrics', (res) => void res.writeHeader('content-type', 'text/plain; version=0.0.4').end(metrics()));
app.any('/*', (res) => void res.writeStatus('404 Not Found').end('not found\n'));

/** One flush: every symbol takes a random step and its quote goes to its topic. */
function flush(): void {
  const ta = String(now());
  for (const s of states.values()) {
    step(s);
    app.publish(s.symbol, quoteFrame(s, ta), false, false);
  }
}

let listenSocket: uWS.us_listen_socket | null = null;
let stopPublishing: (() => void) | undefined;

app.listen(host, port, (sock) => {
  if (!sock) {
    process.stderr.write(`uws-bare: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  listenSocket = sock;
  stopPublishing = publishWhenConnected('uws-bare', () => sockets.size, flush, flushMs);
  announceListening(uWS.us_socket_local_port(sock as unknown as uWS.us_socket));
});

function shutdown(): void {
  stopPublishing?.();
  // Close the listen socket first: exiting with it open can abort inside uWS.
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  listenSocket = null;
  for (const ws of [...sockets]) ws.end(4000, 'server shutting down');
  setTimeout(() => process.exit(0), 500).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

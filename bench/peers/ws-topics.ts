/**
 * ws-topics: a plain `ws` server with topic maps, the reference for "what a
 * straightforward Node WebSocket server does" (`npm run bench -- --target ws`).
 *
 * One thread. Subscriptions are a Map<symbol, Set<WebSocket>>; every FLUSH_MS
 * every symbol takes a step and its quote is serialised once and sent to each
 * subscriber with ws.send(). Speaks the same protocol v1 subset as uws-bare
 * (subscribe → snapshots then quotes; ping → pong), plus GET /readyz,
 * /healthz, /v1/symbols and /metrics (event-loop delay).
 *
 * Environment: PORT, HOST, FLUSH_MS, UNIVERSE_SIZE, PUBLISH_AFTER_CONNECTIONS (see market.ts). SIGTERM closes every socket
 * with 4000 and exits.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { listenAndAnnounce, now, peerRequestHandler, peerSettings, publishWhenConnected, quoteMessage, snapshotMessage, step, SUBPROTOCOL } from './market.js';

const { host, port, flushMs, states, symbolsBody } = peerSettings('ws-topics');

const topics = new Map<string, Set<WebSocket>>();
const subscriptions = new WeakMap<WebSocket, string[]>();

const http = createServer(peerRequestHandler(symbolsBody));

const wss = new WebSocketServer({
  server: http,
  path: '/v1/stream',
  perMessageDeflate: false,
  maxPayload: 64 * 1024,
  handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
});

wss.on('connection', (ws) => {
  subscriptions.set(ws, []);
  ws.on('message', (data, isBinary) => {
    let m: { op?: unknown; symbols?: unknown; id?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      m = JSON.parse(data.toString());
    } catch {
      ws.send(JSON.stringify({ type: 'error', code: 'malformed_frame', message: 'expected a JSON text frame' }));
      return;
    }
    if (m.op === 'ping') return void ws.send(JSON.stringify({ type: 'pong', ts: now(), id: m.id }));
    if (m.op !== 'subscribe' || !Array.isArray(m.symbols)) {
      ws.send(JSON.stringify({ type: 'error', code: 'unknown_op', message: 'ws-topics speaks subscribe and ping only' }));
      return;
    }
    for (const sym of m.symbols) {
      const s = typeof sym === 'string' ? states.get(sym.toUpperCase()) : undefined;
      if (!s) {
        ws.send(JSON.stringify({ type: 'error', code: 'unknown_symbol', message: 'unknown symbol' }));
        continue;
      }
      let set = topics.get(s.symbol);
      if (!set) topics.set(s.symbol, (set = new Set()));
      set.add(ws);
      subscriptions.get(ws)!.push(s.symbol);
      ws.send(JSON.stringify(snapshotMessage(s)));
    }
  });
  ws.on('close', () => {
    for (const sym of subscriptions.get(ws) ?? []) topics.get(sym)?.delete(ws);
  });
  ws.on('error', () => {});
});

function flush(): void {
  const ta = now();
  for (const s of states.values()) {
    step(s);
    const subs = topics.get(s.symbol);
    if (!subs || subs.size === 0) continue;
    const frame = JSON.stringify(quoteMessage(s, ta));
    for (const ws of subs) ws.send(frame);
  }
}

const stopPublishing = publishWhenConnected('ws-topics', () => wss.clients.size, flush, flushMs);
listenAndAnnounce(http, host, port);

function shutdown(): void {
  stopPublishing();
  for (const ws of wss.clients) ws.close(4000, 'server shutting down');
  http.close();
  setTimeout(() => process.exit(0), 500).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

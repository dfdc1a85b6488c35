/**
 * socketio-rooms: a Socket.IO server with one room per symbol, the reference
 * for the most common Node real-time stack (`npm run bench -- --target socketio`).
 *
 * One thread, WebSocket transport only. A client emits
 * `subscribe {op, symbols}`; the server joins it to one room per symbol and
 * emits a `snapshot` event for each. Every FLUSH_MS every symbol takes a step
 * and `io.to(symbol).emit('q', quote)` sends the quote object to the room
 * (Socket.IO encodes the packet once per broadcast). The load generator speaks
 * Engine.IO v4 framing itself (wsload --socketio).
 *
 * HTTP: GET /readyz, /healthz, /v1/symbols, /metrics (event-loop delay).
 * Environment: PORT, HOST, FLUSH_MS, UNIVERSE_SIZE, PUBLISH_AFTER_CONNECTIONS (see market.ts). SIGTERM disconnects everyone and exits.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createMarket, envInt, eventLoopMetrics, now, publishWhenConnected, quoteMessage, snapshotMessage, step } from './market.js';

const host = process.env.HOST || '127.0.0.1';
const port = envInt('socketio-rooms', 'PORT', 0, 0, 65535);
const flushMs = envInt('socketio-rooms', 'FLUSH_MS', 50, 1, 60_000);
const states = createMarket(envInt('socketio-rooms', 'UNIVERSE_SIZE', 500, 1, 100_000));
const symbolsBody = JSON.stringify({ symbols: [...states.keys()] });
const metrics = eventLoopMetrics();

const http = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') res.end('ok\n');
  else if (req.url === '/v1/symbols') res.setHeader('content-type', 'application/json').end(symbolsBody);
  else if (req.url === '/metrics') res.setHeader('content-type', 'text/plain; version=0.0.4').end(metrics());
  else if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end('not found\n');
});

const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 64 * 1024 });

io.on('connection', (socket) => {
  socket.on('subscribe', (m: { symbols?: unknown }) => {
    if (!m || !Array.isArray(m.symbols)) {
      socket.emit('error_message', { type: 'error', code: 'malformed_frame', message: 'subscribe needs {symbols: [...]}' });
      return;
    }
    for (const sym of m.symbols) {
      const s = typeof sym === 'string' ? states.get(sym.toUpperCase()) : undefined;
      if (!s) {
        socket.emit('error_message', { type: 'error', code: 'unknown_symbol', message: 'unknown symbol' });
        continue;
      }
      void socket.join(s.symbol);
      socket.emit('snapshot', snapshotMessage(s));
    }
  });
});

function flush(): void {
  const ta = now();
  for (const s of states.values()) {
    step(s);
    // Only rooms with members: Socket.IO would encode the packet for an empty room too.
    if (io.sockets.adapter.rooms.get(s.symbol)?.size) io.to(s.symbol).emit('q', quoteMessage(s, ta));
  }
}

const stopPublishing = publishWhenConnected('socketio-rooms', () => io.engine.clientsCount, flush, flushMs);
http.listen(port, host, () => {
  const addr = http.address();
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: typeof addr === 'object' && addr ? addr.port : port })}\n`);
});

function shutdown(): void {
  stopPublishing();
  io.disconnectSockets(true);
  void io.close();
  setTimeout(() => process.exit(0), 500).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

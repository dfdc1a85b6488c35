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
import { listenAndAnnounce, now, peerRequestHandler, peerSettings, publishWhenConnected, quoteMessage, snapshotMessage, step } from './market.js';

const { host, port, flushMs, states, symbolsBody } = peerSettings('socketio-rooms');
// Socket.IO answers its own paths on the same server: they must not get the 404.
const http = createServer(peerRequestHandler(symbolsBody, '/socket.io/'));

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
listenAndAnnounce(http, host, port);

function shutdown(): void {
  stopPublishing();
  io.disconnectSockets(true);
  void io.close();
  setTimeout(() => process.exit(0), 500).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

import { BourseError } from '../../core/errors.js';

/**
 * The narrow WebSocket client the vendor feeds need (rule 4: not the `ws`
 * package's whole type), so a test or another client library can stand in.
 *
 * Contract:
 * - Handlers run on the caller's thread, in the order the socket produces them.
 * - `close` is called exactly once per socket, whether the socket opened or not,
 *   after which no other handler is called.
 * - `message` gets text frames; a binary frame is decoded as UTF-8 (the vendors
 *   send JSON text, and the parsers reject what is not JSON).
 * - send() and ping() on a socket that is not open do nothing.
 */
export interface FeedSocket {
  send(text: string): void;
  /** A protocol-level ping; the peer's pong arrives as `pong`. */
  ping(): void;
  /** Closing handshake; the socket is cut if the peer does not answer within a second. */
  close(code: number, reason: string): void;
  /** Cuts the connection at once. */
  terminate(): void;
}

export interface FeedSocketClosed {
  readonly code: number;
  readonly reason: string;
  /** The HTTP status when the server refused the upgrade (401 bad token, 429 too many connections). */
  readonly httpStatus?: number | undefined;
  /** The transport error behind the close, if any (ECONNREFUSED, ...). */
  readonly error?: string | undefined;
}

export interface FeedSocketHandlers {
  open(): void;
  message(text: string): void;
  pong(): void;
  close(closed: FeedSocketClosed): void;
}

/** Opens a connection to `url`; may throw synchronously on an invalid URL. */
export type SocketConnector = (url: string, handlers: FeedSocketHandlers) => FeedSocket;

/** Largest frame accepted from a vendor. Finnhub and Alpaca frames are a few KB; this bounds memory, not throughput. */
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** How long a closing handshake may take before the socket is cut. Transport detail, so a real timer. */
const CLOSE_GRACE_MS = 1000;

/**
 * The connector over the `ws` package. Loaded on first use so that importing
 * the feed registry (for 'simulator' or 'replay') never needs `ws`.
 */
export async function loadWsConnector(): Promise<SocketConnector> {
  let WebSocket: typeof import('ws').WebSocket;
  try {
    ({ WebSocket } = await import('ws'));
  } catch (err) {
    throw new BourseError('config_invalid', `the WebSocket feeds need the 'ws' package: ${(err as Error).message}`, { cause: err });
  }
  return (url, handlers) => {
    const ws = new WebSocket(url, { maxPayload: MAX_PAYLOAD_BYTES });
    let httpStatus: number | undefined;
    let error: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    ws.on('open', () => handlers.open());
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => handlers.message(toText(data)));
    ws.on('pong', () => handlers.pong());
    ws.on('unexpected-response', (_req, res) => {
      // Listening here stops ws from raising its own error; terminate() then ends the handshake with error + close.
      httpStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      error ??= err.message;
    });
    ws.on('close', (code, reason) => {
      if (killTimer) clearTimeout(killTimer);
      handlers.close({ code, reason: reason.toString('utf8'), httpStatus, error });
    });
    return {
      send(text) {
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
      },
      ping() {
        if (ws.readyState === WebSocket.OPEN) ws.ping();
      },
      close(code, reason) {
        if (ws.readyState !== WebSocket.OPEN) {
          ws.terminate();
          return;
        }
        ws.close(code, reason);
        killTimer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        killTimer.unref();
      },
      terminate() {
        ws.terminate();
      },
    };
  };
}

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

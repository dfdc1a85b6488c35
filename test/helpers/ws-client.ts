import WebSocket from 'ws';
import { decodeServerFrame, encodeClientMessage, type ServerMessage, type WireFormat } from '../../core/index.js';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/**
 * A real WebSocket client (the `ws` package) speaking protocol v1 over
 * loopback, recording every message it receives.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly format: WireFormat;
  readonly messages: ServerMessage[] = [];
  /** Receipt time (ms since the epoch) of each entry of `messages`. */
  readonly receivedAt: number[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  #waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  /** `query` is appended to the URL (e.g. `access_token=…`). */
  constructor(port: number, format: WireFormat = 'json', protocols?: string[], query?: string) {
    this.format = format;
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream${query ? `?${query}` : ''}`, protocols ?? [`bourse.v1.${format}`]);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode, res })));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      for (const m of decodeServerFrame(isBinary ? data : data.toString('utf8'), format)) {
        this.messages.push(m);
        this.receivedAt.push(performance.timeOrigin + performance.now());
        this.#waiters = this.#waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
      }
    });
  }

  static async connect(port: number, format: WireFormat = 'json'): Promise<TestClient> {
    const c = new TestClient(port, format);
    await c.opened;
    return c;
  }

  send(m: unknown): void {
    this.ws.send(encodeClientMessage(this.format, m));
  }

  sendRaw(data: string | Buffer, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  /** The first message (already received or future) matching `pred`. */
  next<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, ms = 5000, from = 0): Promise<T> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.messages.slice(-5))}`)), ms);
      this.#waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m as T)) });
    });
  }

  /** Sends a ping and waits for its pong: every earlier op has been handled. */
  async sync(): Promise<void> {
    const id = `sync-${Math.random()}`;
    this.send({ op: 'ping', id });
    await this.next((m) => m.type === 'pong' && m.id === id);
  }

  ofType<T extends ServerMessage['type']>(type: T, symbol?: string): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type && (symbol === undefined || (m as { symbol?: string }).symbol === symbol)) as Extract<ServerMessage, { type: T }>[];
  }

  close(): void {
    this.ws.close();
  }
}

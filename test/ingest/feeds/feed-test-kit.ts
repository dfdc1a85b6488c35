import type { IncomingMessage } from 'node:http';
import { WebSocketServer, WebSocket, type ServerOptions } from 'ws';
import type { TickSink } from '../../../core/feed-source.js';
import { readTick, type Tick } from '../../../core/tick.js';
import { Universe } from '../../../core/universe.js';
import type { FeedEvent } from '../../../ingest/feeds/feed-events.js';

export const universe = new Universe([
  { symbol: 'AAPL', name: 'Apple Inc.', exchange: 'Nasdaq' },
  { symbol: 'MSFT', name: 'Microsoft Corp', exchange: 'Nasdaq' },
  { symbol: 'BRK-B', name: 'Berkshire Hathaway Inc', exchange: 'NYSE' },
  { symbol: 'SPY', name: 'SPDR S&P 500 ETF Trust', exchange: 'NYSE' },
]);

/** Polls `cond` (real time) until true; the bound only guards against a hang, never times behaviour. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Keeps a copy of every tick it is handed (the source reuses its buffer). */
export class RecordingSink implements TickSink {
  readonly ticks: Tick[] = [];
  batches = 0;
  accept(records: Float64Array, count: number): void {
    this.batches++;
    for (let i = 0; i < count; i++) this.ticks.push(readTick(records, i));
  }
}

/** Records a feed's events; `next(type)` waits for the next one of that type not yet taken. */
export class EventLog {
  readonly events: FeedEvent[] = [];
  #taken = new Set<FeedEvent>();
  readonly listener = (e: FeedEvent): void => void this.events.push(e);

  async next<T extends FeedEvent['type']>(type: T): Promise<Extract<FeedEvent, { type: T }>> {
    let found: FeedEvent | undefined;
    await until(() => (found = this.events.find((e) => e.type === type && !this.#taken.has(e))) !== undefined, `a '${type}' event`);
    this.#taken.add(found!);
    return found as Extract<FeedEvent, { type: T }>;
  }

  count(type: FeedEvent['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

/** The server side of one client connection: what it sent, and a way to wait for the next message. */
export class Peer {
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number }>;
  #read = 0;
  constructor(
    readonly ws: WebSocket,
    readonly request: IncomingMessage,
  ) {
    ws.on('message', (data: Buffer) => this.messages.push(data.toString('utf8')));
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  /** The next message not yet read, parsed. */
  async next(): Promise<unknown> {
    await until(() => this.messages.length > this.#read, 'a message from the client');
    return JSON.parse(this.messages[this.#read++]);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
}

/** A vendor stand-in: a real WebSocket server on 127.0.0.1, port 0. */
export class TestWsServer {
  readonly peers: Peer[] = [];
  #taken = 0;
  private constructor(readonly wss: WebSocketServer) {
    wss.on('connection', (ws, req) => this.peers.push(new Peer(ws, req)));
  }

  static async start(options: Omit<ServerOptions, 'port' | 'host'> = {}): Promise<TestWsServer> {
    const wss = new WebSocketServer({ ...options, host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new TestWsServer(wss);
  }

  get url(): string {
    const addr = this.wss.address();
    if (addr === null || typeof addr === 'string') throw new Error('unexpected address');
    return `ws://127.0.0.1:${addr.port}`;
  }

  /** The next connection not yet taken. */
  async connection(): Promise<Peer> {
    await until(() => this.peers.length > this.#taken, 'a client connection');
    return this.peers[this.#taken++];
  }

  async close(): Promise<void> {
    for (const p of this.peers) p.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { systemClock, type Clock } from '../../core/clock.js';
import type { TickSink } from '../../core/feed-source.js';
import { TICK_FIELDS, TickField, type TickKind } from '../../core/tick.js';
import type { Universe } from '../../core/universe.js';
import { encodeTick, tickSubject } from './tick-codec.js';

/**
 * A TickSink that publishes each tick record to stream MARKET (one message
 * per tick, subject and payload per tick-codec.ts) and counts JetStream
 * publish acks. Feed adapters (simulator, CSV replay, Finnhub, Alpaca) run
 * with this as their sink.
 *
 * Contract:
 * - Order: records are published in the order accept() receives them, so
 *   the stream holds each symbol's ticks in feed order (one connection, one
 *   publisher per symbol).
 * - Source sequence: a record with sourceSeq 0 gets n = max(last n of its
 *   symbol + 1, now in µs). Time-based, so a restarted publisher continues
 *   above the n it used before (the actors drop any n not above the last
 *   applied); a record that carries its own sourceSeq keeps it.
 * - Delivery: a tick is durable once its PubAck arrives (stats.acked). The
 *   publisher does not retry: a retried tick would land after later ticks of
 *   its symbol and be dropped downstream anyway. Failures (error acks, no
 *   stream, no ack within ackTimeoutMs) are counted in stats.failed with
 *   lastError. accept() never blocks: past maxQueued waiting records, new
 *   records are dropped and counted (a live feed is at-most-once up to here).
 * - Throughput: up to maxInFlight messages are published before their acks
 *   return (pipelined), over one reply subscription instead of a request
 *   (and timer) per message; the rest wait in a FIFO queue.
 * - headers(subject, symbol), if given, is called per message and may return
 *   headers to attach (trace context: traceparent, tracestate).
 */
export interface JetStreamPublisherOptions {
  readonly nc: NatsConnection;
  readonly universe: Universe;
  /** MARKET subject prefix (`md`). */
  readonly prefix: string;
  /** Only acks from this stream count as success (guards against a subject captured by another stream). */
  readonly stream: string;
  readonly clock?: Clock;
  readonly maxInFlight?: number;
  readonly maxQueued?: number;
  readonly ackTimeoutMs?: number;
  readonly headers?: (subject: string, symbol: string) => Iterable<readonly [string, string]> | undefined;
}

export interface JetStreamPublisherStats {
  /** Messages handed to the connection. */
  published: number;
  /** Messages the stream acknowledged (durable). */
  acked: number;
  /** Error acks and ack timeouts. */
  failed: number;
  /** Records dropped because the queue was full. */
  dropped: number;
  /** Records with an unknown symbol id (not published). */
  unknown: number;
  lastError: string;
}

interface Pending {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
}

const decoder = new TextDecoder();

export class JetStreamPublisher implements TickSink {
  readonly stats: JetStreamPublisherStats = { published: 0, acked: 0, failed: 0, dropped: 0, unknown: 0, lastError: '' };
  readonly #nc: NatsConnection;
  readonly #universe: Universe;
  readonly #prefix: string;
  readonly #streamTag: string;
  readonly #clock: Clock;
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #ackTimeoutMs: number;
  readonly #headers: JetStreamPublisherOptions['headers'];
  readonly #lastSeq: Float64Array;
  readonly #inbox: string;
  readonly #sub: Subscription;
  /** In-flight publishes: reply id → sent-at (insertion order = send order, for the timeout sweep). */
  readonly #inFlight = new Map<number, number>();
  #nextId = 1;
  #queue: Pending[] = [];
  #head = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #stopSweep: () => void;

  constructor(opts: JetStreamPublisherOptions) {
    this.#nc = opts.nc;
    this.#universe = opts.universe;
    this.#prefix = opts.prefix;
    this.#streamTag = `"stream":${JSON.stringify(opts.stream)}`;
    this.#clock = opts.clock ?? systemClock;
    this.#maxInFlight = opts.maxInFlight ?? 4096;
    this.#maxQueued = opts.maxQueued ?? 1 << 18;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.#headers = opts.headers;
    this.#lastSeq = new Float64Array(opts.universe.size);
    this.#inbox = createInbox();
    this.#sub = this.#nc.subscribe(`${this.#inbox}.*`, { callback: (err, m) => (err ? this.#fail(err.message) : this.#onAck(m)) });
    this.#stopSweep = this.#clock.every(Math.max(50, this.#ackTimeoutMs / 4), () => this.#sweep());
  }

  /** Records accepted but not yet acked or failed (queued + in flight). */
  get outstanding(): number {
    return this.#queue.length - this.#head + this.#inFlight.size;
  }

  accept(records: Float64Array, count: number): void {
    const now = this.#clock.now();
    const size = this.#universe.size;
    for (let i = 0; i < count; i++) {
      const o = i * TICK_FIELDS;
      const id = records[o + TickField.symbol];
      if (!(id >= 0 && id < size && Number.isInteger(id))) {
        this.stats.unknown++;
        continue;
      }
      if (this.#queue.length - this.#head >= this.#maxQueued) {
        this.stats.dropped++;
        continue;
      }
      let n = records[o + TickField.sourceSeq];
      if (!(n > 0)) n = Math.max(this.#lastSeq[id] + 1, Math.floor(now * 1000));
      if (n > this.#lastSeq[id]) this.#lastSeq[id] = n;
      const symbol = this.#universe.symbol(id);
      const kind = records[o + TickField.kind] as TickKind;
      const subject = tickSubject(this.#prefix, kind, symbol);
      this.#queue.push({ subject, data: encodeTick(records, i, symbol, n), headers: this.#headersFor(subject, symbol) });
    }
    this.#pump();
  }

  /** Resolves when every accepted record is acked or has failed, or after `timeoutMs` (then rejects). */
  flush(timeoutMs = 30_000): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = this.#clock.after(timeoutMs, () => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done);
        reject(new Error(`publisher flush: ${this.outstanding} messages still outstanding after ${timeoutMs} ms`));
      });
      const done = (): void => {
        cancel();
        resolve();
      };
      this.#idleWaiters.push(done);
    });
  }

  /** Waits for outstanding acks (up to `timeoutMs`), then stops listening for acks. */
  async close(timeoutMs = 5000): Promise<void> {
    try {
      await this.flush(timeoutMs);
    } finally {
      this.#stopSweep();
      this.#sub.unsubscribe();
    }
  }

  #headersFor(subject: string, symbol: string): MsgHdrs | undefined {
    const list = this.#headers?.(subject, symbol);
    if (!list) return undefined;
    let h: MsgHdrs | undefined;
    for (const [k, v] of list) (h ??= natsHeaders()).append(k, v);
    return h;
  }

  #pump(): void {
    const q = this.#queue;
    const now = this.#clock.now();
    while (this.#head < q.length && this.#inFlight.size < this.#maxInFlight) {
      const p = q[this.#head];
      q[this.#head++] = undefined as unknown as Pending;
      const id = this.#nextId++;
      try {
        this.#nc.publish(p.subject, p.data, p.headers ? { reply: `${this.#inbox}.${id}`, headers: p.headers } : { reply: `${this.#inbox}.${id}` });
      } catch (err) {
        // Only a closed connection throws (while reconnecting, nats.js buffers): accept() must not.
        this.#fail(`publish failed: ${(err as Error).message}`);
        continue;
      }
      this.#inFlight.set(id, now);
      this.stats.published++;
    }
    // Compact the consumed prefix now and then instead of shifting per message.
    if (this.#head > 4096 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    if (this.outstanding === 0 && this.#idleWaiters.length) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #onAck(m: Msg): void {
    const id = Number(m.subject.slice(this.#inbox.length + 1));
    if (!this.#inFlight.delete(id)) return; // timed out already
    if (m.headers?.hasError) {
      this.#fail(`publish rejected: ${m.headers.code} ${m.headers.description}`); // 503: no stream for the subject
    } else {
      // A PubAck is {"stream":"MARKET","seq":N[,"duplicate":true]} or {"error":{...}}.
      const body = decoder.decode(m.data);
      if (body.includes(this.#streamTag) && !body.includes('"error"')) this.stats.acked++;
      else this.#fail(`publish rejected: ${body.slice(0, 200)}`);
    }
    this.#pump();
  }

  #sweep(): void {
    const deadline = this.#clock.now() - this.#ackTimeoutMs;
    let expired = 0;
    for (const [id, sentAt] of this.#inFlight) {
      if (sentAt > deadline) break;
      this.#inFlight.delete(id);
      expired++;
    }
    if (expired > 0) {
      this.#fail(`${expired} publish acks timed out after ${this.#ackTimeoutMs} ms`, expired);
      this.#pump();
    }
  }

  #fail(message: string, count = 1): void {
    this.stats.failed += count;
    this.stats.lastError = message;
  }
}

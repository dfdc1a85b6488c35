import { FrameKind, readFrameBatch, type Clock, type FrameEntry } from '../core/index.js';
import type { Topics } from './topics.js';

/** The narrow part of a uWS app the fan-out needs. */
export interface Publisher {
  publish(topic: string, message: Uint8Array, isBinary: boolean): boolean;
}

interface Bucket {
  readonly symbolId: number;
  readonly throttle: number;
  refs: number;
  lastSent: number;
  /** Latest frame not yet sent because the throttle window was still open. */
  pendingJson: Uint8Array | null;
  pendingPack: Uint8Array | null;
}

export interface FanoutStats {
  batches: number;
  frames: number;
  publishes: number;
  bytes: number;
  throttledPublishes: number;
  /** Publishes by (kind, format): index (kind - 1) * 2 + (0 json | 1 msgpack). */
  readonly publishesBy: Float64Array;
  /** Bytes published by (kind, format), same index. */
  readonly bytesBy: Float64Array;
}

/** Told the tick-to-wire latency (ms) of every quote and trades frame published (metrics). */
export type LatencyObserver = (ms: number) => void;

/**
 * Publishes each shard's frame batches to uWS topics in this gateway thread.
 * A frame arrives encoded once per wire format; it is published once per
 * topic, and uWS delivers it to every subscriber, corking all of a socket's
 * frames from one loop pass into one write.
 *
 * Throttled quote subscriptions (a client asked for at most one quote per N ms)
 * share a bucket per (symbol, N) with its own topic: the bucket forwards a quote
 * when its window is open and otherwise keeps only the latest one (conflation),
 * sent by tick() as soon as the window opens. So throttling costs one check per
 * bucket, not per subscriber.
 */
export class Fanout {
  readonly stats: FanoutStats = { batches: 0, frames: 0, publishes: 0, bytes: 0, throttledPublishes: 0, publishesBy: new Float64Array(6), bytesBy: new Float64Array(6) };
  readonly #app: Publisher;
  readonly #topics: Topics;
  readonly #clock: Clock;
  /** symbolId → throttle ms → bucket. */
  readonly #buckets = new Map<number, Map<number, Bucket>>();
  /** Buckets holding a pending frame. */
  readonly #pending = new Set<Bucket>();

  readonly #latency: LatencyObserver | undefined;
  /** When the batch being published started going out (ms since the epoch). */
  #wireAt = 0;

  constructor(app: Publisher, topics: Topics, clock: Clock, latency?: LatencyObserver) {
    this.#app = app;
    this.#topics = topics;
    this.#clock = clock;
    this.#latency = latency;
  }

  /** Publishes every frame of a batch. */
  onBatch(buffer: ArrayBuffer): void {
    this.stats.batches++;
    if (this.#latency) this.#wireAt = this.#clock.now();
    readFrameBatch(buffer, this.#publishEntry);
  }

  readonly #publishEntry = (e: FrameEntry): void => {
    this.stats.frames++;
    // Tick-to-wire: from the tick's arrival in ingest to the publish here (one clock read per batch).
    if (this.#latency && e.arrival === e.arrival && e.kind !== FrameKind.bar) this.#latency(this.#wireAt - e.arrival);
    this.#publish(e.symbolId, e.kind, 0, e.json, e.pack);
    if (e.kind !== FrameKind.quote) return;
    const buckets = this.#buckets.get(e.symbolId);
    if (!buckets) return;
    const now = this.#clock.now();
    for (const [throttle, b] of buckets) {
      if (now - b.lastSent >= throttle) {
        b.lastSent = now;
        b.pendingJson = b.pendingPack = null;
        this.#pending.delete(b);
        this.stats.throttledPublishes++;
        this.#publish(e.symbolId, FrameKind.quote, throttle, e.json, e.pack);
      } else {
        // Copy: the batch buffer is released after this call.
        b.pendingJson = e.json.length ? e.json.slice() : null;
        b.pendingPack = e.pack.length ? e.pack.slice() : null;
        this.#pending.add(b);
      }
    }
  };

  /** Sends pending throttled frames whose window has opened. Call every flush interval. */
  tick(): void {
    if (this.#pending.size === 0) return;
    const now = this.#clock.now();
    for (const b of this.#pending) {
      if (now - b.lastSent < b.throttle) continue;
      b.lastSent = now;
      this.stats.throttledPublishes++;
      this.#publish(b.symbolId, FrameKind.quote, b.throttle, b.pendingJson ?? EMPTY, b.pendingPack ?? EMPTY);
      b.pendingJson = b.pendingPack = null;
      this.#pending.delete(b);
    }
  }

  /** A subscriber joined / left the throttled quote topic (symbol, throttle). */
  retainThrottle(symbolId: number, throttle: number): void {
    let m = this.#buckets.get(symbolId);
    if (!m) this.#buckets.set(symbolId, (m = new Map()));
    const b = m.get(throttle);
    if (b) b.refs++;
    else m.set(throttle, { symbolId, throttle, refs: 1, lastSent: 0, pendingJson: null, pendingPack: null });
  }

  releaseThrottle(symbolId: number, throttle: number): void {
    const m = this.#buckets.get(symbolId);
    const b = m?.get(throttle);
    if (!m || !b) return;
    if (--b.refs > 0) return;
    m.delete(throttle);
    if (m.size === 0) this.#buckets.delete(symbolId);
    this.#pending.delete(b);
  }

  #publish(symbolId: number, kind: FrameKind, throttle: number, json: Uint8Array, pack: Uint8Array): void {
    const at = (kind - 1) * 2;
    if (json.length) {
      this.#app.publish(this.#topics.get(symbolId, kind, 'json', throttle), json, false);
      this.stats.publishes++;
      this.stats.bytes += json.length;
      this.stats.publishesBy[at]++;
      this.stats.bytesBy[at] += json.length;
    }
    if (pack.length) {
      this.#app.publish(this.#topics.get(symbolId, kind, 'msgpack', throttle), pack, true);
      this.stats.publishes++;
      this.stats.bytes += pack.length;
      this.stats.publishesBy[at + 1]++;
      this.stats.bytesBy[at + 1] += pack.length;
    }
  }
}

const EMPTY = new Uint8Array(0);

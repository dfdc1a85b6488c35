import { TICK_FIELDS, TickField, type Clock, type SymbolDirectory, type TickSink } from '../core/index.js';

/** Where the router hands each shard its ticks (actors/tick-ring.ts implements it). */
export interface ShardInbox {
  /** Copies up to `count` records from `src` starting at record `start`; returns how many fit. */
  push(src: Float64Array, start: number, count: number): number;
}

export interface TickRouterStats {
  routed: number;
  /** Records rejected for an unknown symbol id. */
  unknown: number;
  /** Times a shard's inbox was full and records waited in the backlog. */
  deferred: number;
  /** Records dropped because a shard's backlog exceeded its bound (in-process feeds only). */
  dropped: number;
}

/**
 * The ingest side of the tick path: stamps each tick's arrival (the start of
 * tick-to-wire latency), splits a feed's batch by owning shard and pushes each
 * part into that shard's inbox in one copy. A full inbox never blocks the feed:
 * records wait in a per-shard backlog (FIFO, order kept) retried on the next
 * batch or by flushBacklog(); past `maxBacklog` records the oldest are dropped
 * and counted — acceptable for the in-process simulator (at-most-once), while
 * durable feeds apply backpressure before this point.
 */
export class TickRouter implements TickSink {
  readonly stats: TickRouterStats = { routed: 0, unknown: 0, deferred: 0, dropped: 0 };
  readonly #directory: SymbolDirectory;
  readonly #inboxes: ShardInbox[];
  readonly #clock: Clock;
  readonly #maxBacklog: number;
  /** Per-shard staging buffer for the batch being split. */
  readonly #staging: Float64Array[];
  readonly #staged: number[];
  /** Per-shard backlog chunks (each exact-size) not yet accepted by the inbox. */
  readonly #backlog: Float64Array[][];
  readonly #backlogRecords: number[];

  constructor(directory: SymbolDirectory, inboxes: ShardInbox[], clock: Clock, maxBacklog = 1 << 20) {
    this.#directory = directory;
    this.#inboxes = inboxes;
    this.#clock = clock;
    this.#maxBacklog = maxBacklog;
    this.#staging = inboxes.map(() => new Float64Array(4096 * TICK_FIELDS));
    this.#staged = inboxes.map(() => 0);
    this.#backlog = inboxes.map(() => []);
    this.#backlogRecords = inboxes.map(() => 0);
  }

  /** Records waiting in backlogs. */
  get backlog(): number {
    return this.#backlogRecords.reduce((a, b) => a + b, 0);
  }

  /** Records waiting in shard `s`'s backlog (routed, not yet in its inbox). */
  backlogOf(s: number): number {
    return this.#backlogRecords[s];
  }

  accept(records: Float64Array, count: number): void {
    const arrival = this.#clock.now();
    const { shardOf, size: n } = this.#directory;
    for (let i = 0; i < count; i++) {
      const o = i * TICK_FIELDS;
      const id = records[o + TickField.symbol];
      if (!(id >= 0 && id < n && Number.isInteger(id))) {
        this.stats.unknown++;
        continue;
      }
      const s = shardOf[id];
      let buf = this.#staging[s];
      const at = this.#staged[s] * TICK_FIELDS;
      if (at + TICK_FIELDS > buf.length) {
        const bigger = new Float64Array(buf.length * 2);
        bigger.set(buf);
        this.#staging[s] = buf = bigger;
      }
      // A field loop, not set(subarray()): no view object per tick on the hot path.
      for (let f = 0; f < TICK_FIELDS; f++) buf[at + f] = records[o + f];
      buf[at + TickField.arrival] = arrival;
      this.#staged[s]++;
    }
    for (let s = 0; s < this.#inboxes.length; s++) {
      const staged = this.#staged[s];
      if (staged === 0) continue;
      this.#staged[s] = 0;
      this.stats.routed += staged;
      this.#deliver(s, this.#staging[s], staged);
    }
  }

  /** Retries the backlogs (call on a short timer while backlog > 0). */
  flushBacklog(): void {
    for (let s = 0; s < this.#inboxes.length; s++) this.#drainBacklog(s);
  }

  #deliver(s: number, buf: Float64Array, count: number): void {
    if (!this.#drainBacklog(s)) {
      this.#defer(s, buf, 0, count);
      return;
    }
    const written = this.#inboxes[s].push(buf, 0, count);
    if (written < count) this.#defer(s, buf, written, count - written);
  }

  /** True when shard `s` has no backlog left. */
  #drainBacklog(s: number): boolean {
    const q = this.#backlog[s];
    while (q.length) {
      const chunk = q[0];
      const n = chunk.length / TICK_FIELDS;
      const written = this.#inboxes[s].push(chunk, 0, n);
      this.#backlogRecords[s] -= written;
      if (written < n) {
        q[0] = chunk.slice(written * TICK_FIELDS);
        return false;
      }
      q.shift();
    }
    return true;
  }

  #defer(s: number, buf: Float64Array, start: number, count: number): void {
    this.stats.deferred++;
    this.#backlog[s].push(buf.slice(start * TICK_FIELDS, (start + count) * TICK_FIELDS));
    this.#backlogRecords[s] += count;
    while (this.#backlogRecords[s] > this.#maxBacklog && this.#backlog[s].length > 1) {
      const dropped = this.#backlog[s].shift()!;
      this.#backlogRecords[s] -= dropped.length / TICK_FIELDS;
      this.stats.dropped += dropped.length / TICK_FIELDS;
    }
  }
}

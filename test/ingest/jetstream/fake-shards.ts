import { readTick, type Tick, type TickSink } from '../../../core/index.js';
import type { AppliedTracker } from '../../../ingest/jetstream/applied-tracker.js';

/**
 * In-process shards for consumer tests: a TickSink that queues each tick on
 * its shard (FIFO) and an AppliedTracker over those queues. Ticks are applied
 * only when the test says so (drain) or on a timer (autoDrain); a shard can
 * be made to stall at a tick it "cannot apply" (stallAt), leaving it and
 * everything behind it unapplied, like a stuck actor.
 */
export class FakeShards implements TickSink, AppliedTracker {
  readonly shards: number;
  /** Applied ticks per shard, in application order. */
  readonly applied: Tick[][];
  readonly #queues: Tick[][];
  readonly #routed: number[];
  readonly #shardOf: (symbolId: number) => number;
  #timer: ReturnType<typeof setInterval> | undefined;
  stallAt: ((t: Tick) => boolean) | undefined;

  constructor(shards: number, shardOf: (symbolId: number) => number = (id) => id % shards) {
    this.shards = shards;
    this.#shardOf = shardOf;
    this.#queues = Array.from({ length: shards }, () => []);
    this.applied = Array.from({ length: shards }, () => []);
    this.#routed = new Array<number>(shards).fill(0);
  }

  accept(records: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const t = readTick(records, i);
      const s = this.#shardOf(t.symbol);
      this.#queues[s].push(t);
      this.#routed[s]++;
    }
  }

  shardOf(symbolId: number): number {
    return this.#shardOf(symbolId);
  }

  routedCount(shard: number): number {
    return this.#routed[shard];
  }

  appliedCount(shard: number): number {
    return this.applied[shard].length;
  }

  /** Applies queued ticks (all shards, or one), stopping at a stalled tick. */
  drain(shard?: number): void {
    for (let s = 0; s < this.shards; s++) {
      if (shard !== undefined && s !== shard) continue;
      const q = this.#queues[s];
      let i = 0;
      while (i < q.length && !this.stallAt?.(q[i])) this.applied[s].push(q[i++]);
      q.splice(0, i);
    }
  }

  autoDrain(ms = 5): void {
    this.#timer ??= setInterval(() => this.drain(), ms);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Every applied tick, all shards. */
  all(): Tick[] {
    return this.applied.flat();
  }

  queued(): number {
    return this.#queues.reduce((a, q) => a + q.length, 0);
  }
}

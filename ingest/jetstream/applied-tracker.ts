/**
 * How the market consumer learns that a tick's effect has been applied, so it
 * can ack the message that carried it (at-least-once: ack only after apply).
 *
 * Model: each shard has one FIFO inbox. Every record handed to shard s gets
 * the next position in s's sequence (1, 2, …), and the shard applies records
 * strictly in that order. So a record at position p is applied once
 * appliedCount(s) ≥ p. The consumer reads routedCount(s) just before and just
 * after handing a batch to its TickSink to learn each record's position.
 *
 * Contract:
 * - routedCount(s) counts every record the sink has accepted for shard s,
 *   including records still waiting in the sink's own backlog (TickRouter
 *   defers records when a ring is full): a deferred record already holds its
 *   place in line, so it counts the moment the sink takes it, not when it
 *   reaches the ring. Counting only ring pushes would give later records
 *   positions that are too low, and acks that come too early.
 * - appliedCount(s) counts records the shard has applied (its actors' state
 *   changed; later also: durable effects committed). Both only grow.
 * - Records must never be dropped between the two (the consumer bounds its
 *   unacked messages below the router's backlog bound so it never drops).
 * - Only one producer thread feeds the sink while positions are read (the
 *   ingest thread), so nothing interleaves between the two reads.
 */
export interface AppliedTracker {
  readonly shards: number;
  /** Owning shard of a symbol id. */
  shardOf(symbolId: number): number;
  /** Records accepted for shard `s` so far (ring + sink backlog). */
  routedCount(shard: number): number;
  /** Records shard `s` has applied so far. */
  appliedCount(shard: number): number;
}

/** The narrow view of a tick ring the tracker reads (actors/tick-ring.ts). */
export interface RingCounters {
  readonly stats: { readonly pushed: number; readonly drained: number };
}

/**
 * The production tracker: one TickRing per shard. A shard applies each tick
 * synchronously inside drain(), and drained counts a record only after its
 * callback returned, so drained ≥ p means the first p records pushed into
 * that ring are applied. `backlogOf(s)` reports records the router holds for
 * shard s that have not reached its ring yet.
 */
export class RingAppliedTracker implements AppliedTracker {
  readonly shards: number;
  readonly #shardOf: ArrayLike<number>;
  readonly #rings: readonly RingCounters[];
  readonly #backlogOf: (shard: number) => number;

  constructor(shardOf: ArrayLike<number>, rings: readonly RingCounters[], backlogOf: (shard: number) => number) {
    this.shards = rings.length;
    this.#shardOf = shardOf;
    this.#rings = rings;
    this.#backlogOf = backlogOf;
  }

  shardOf(symbolId: number): number {
    return this.#shardOf[symbolId];
  }

  routedCount(shard: number): number {
    return this.#rings[shard].stats.pushed + this.#backlogOf(shard);
  }

  appliedCount(shard: number): number {
    return this.#rings[shard].stats.drained;
  }
}

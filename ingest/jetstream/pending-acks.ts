import type { JsMsg } from 'nats';

/** A routed message waiting for its tick to be applied. */
export interface PendingAck {
  /** The tick's position in its shard's FIFO (see applied-tracker.ts). */
  readonly pos: number;
  readonly msg: JsMsg;
  /** When its ack-wait runs out (clock ms): JetStream redelivers after that. */
  readonly deadline: number;
  /** This is its last allowed delivery (deliveryCount ≥ maxDeliver). */
  readonly last: boolean;
}

/**
 * Per-shard FIFO queues of routed, unacked messages, in position order.
 * Positions grow along a queue and so do deadlines (entries are pushed in
 * routing order with the same ack-wait), so settling only ever looks at the
 * head of each queue. Not thread-safe; the ingest thread owns it.
 */
export class PendingAcks {
  readonly #queues: PendingAck[][];
  readonly #heads: number[];
  #size = 0;

  constructor(shards: number) {
    this.#queues = Array.from({ length: shards }, () => []);
    this.#heads = new Array<number>(shards).fill(0);
  }

  get size(): number {
    return this.#size;
  }

  sizeOf(shard: number): number {
    return this.#queues[shard].length - this.#heads[shard];
  }

  push(shard: number, e: PendingAck): void {
    this.#queues[shard].push(e);
    this.#size++;
  }

  /**
   * Removes, from the head of `shard`'s queue, each entry that is applied
   * (pos ≤ applied: `fn(e, true)`) or past its deadline (`fn(e, false)`),
   * stopping at the first entry that is neither. Returns how many went.
   */
  settle(shard: number, applied: number, now: number, fn: (e: PendingAck, applied: boolean) => void): number {
    const q = this.#queues[shard];
    let n = 0;
    while (this.#heads[shard] < q.length) {
      const h = this.#heads[shard];
      const e = q[h];
      const done = e.pos <= applied;
      if (!done && now < e.deadline) break;
      // Unlink before calling out, so a throwing callback leaves the queue consistent.
      q[h] = undefined as unknown as PendingAck;
      this.#heads[shard] = h + 1;
      this.#size--;
      n++;
      fn(e, done);
    }
    const h = this.#heads[shard];
    if (h === q.length) {
      q.length = 0;
      this.#heads[shard] = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      q.splice(0, h);
      this.#heads[shard] = 0;
    }
    return n;
  }

  /** Forgets every entry (their messages stay unacked: JetStream redelivers them). */
  clear(): void {
    for (let s = 0; s < this.#queues.length; s++) {
      this.#queues[s].length = 0;
      this.#heads[s] = 0;
    }
    this.#size = 0;
  }
}

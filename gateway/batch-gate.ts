import { peekFrameBatch } from '../core/index.js';

/**
 * Lines up the shards' batches of one flush window so they are published in
 * one event-loop pass: uWS corks everything published in a pass into one
 * write per socket, and on loopback a write costs the same whatever it
 * carries. Shards flush on aligned wall-clock boundaries, so their batches
 * arrive within a millisecond or so; the gate releases a window when every
 * attached shard's batch is in, or after `maxWaitMs` so one slow or
 * restarting shard never holds the others back.
 */
export class BatchGate {
  readonly #flushMs: number;
  readonly #maxWaitMs: number;
  readonly #expected: () => number;
  readonly #release: (batches: ArrayBuffer[]) => void;
  #window = -1;
  #batches: ArrayBuffer[] = [];
  readonly #shards = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  /** Windows released by the timeout rather than by completeness. */
  timeouts = 0;

  constructor(flushMs: number, expected: () => number, release: (batches: ArrayBuffer[]) => void, maxWaitMs = Math.max(2, flushMs / 4)) {
    this.#flushMs = flushMs;
    this.#maxWaitMs = maxWaitMs;
    this.#expected = expected;
    this.#release = release;
  }

  push(buffer: ArrayBuffer): void {
    const { flushTs, shard } = peekFrameBatch(buffer);
    const window = Math.round(flushTs / this.#flushMs);
    if (window !== this.#window && this.#batches.length) this.flush();
    this.#window = window;
    this.#batches.push(buffer);
    this.#shards.add(shard);
    if (this.#shards.size >= this.#expected()) this.flush();
    else this.#timer ??= setTimeout(() => {
      this.timeouts++;
      this.flush();
    }, this.#maxWaitMs);
  }

  /** Releases whatever is gathered now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batches.length === 0) return;
    const batches = this.#batches;
    this.#batches = [];
    this.#shards.clear();
    this.#release(batches);
  }
}

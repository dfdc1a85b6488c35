/**
 * Where the market consumer keeps its ack floor outside NATS (table
 * consumer_offsets), so a lost durable is recreated where it left off rather
 * than from the start of the stream.
 *
 * Contract: save() only ever moves an offset forward (a smaller lastSeq is
 * ignored); load() returns the last saved value for that consumer and stream,
 * or undefined. Both may reject (store unreachable): callers treat that as
 * "no offset" and retry the save later. At-least-once semantics are kept by
 * JetStream; the offset only spares a replay of what was applied already.
 */
export interface OffsetStore {
  load(consumer: string, stream: string): Promise<number | undefined>;
  save(consumer: string, stream: string, lastSeq: number): Promise<void>;
}

/** The in-process OffsetStore (single-node runs without persistence, tests). */
export class MemoryOffsetStore implements OffsetStore {
  readonly #offsets = new Map<string, number>();

  async load(consumer: string, stream: string): Promise<number | undefined> {
    return this.#offsets.get(`${consumer}\u0000${stream}`);
  }

  async save(consumer: string, stream: string, lastSeq: number): Promise<void> {
    const k = `${consumer}\u0000${stream}`;
    this.#offsets.set(k, Math.max(lastSeq, this.#offsets.get(k) ?? 0));
  }
}

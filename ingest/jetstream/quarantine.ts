import type { Clock } from '../../core/clock.js';
import type { RejectReason } from './tick-codec.js';

/**
 * Quarantine: where the ingest puts messages it cannot apply, so the queue
 * never blocks behind them and an operator can look at them later.
 *
 * Two ways in (market-consumer.ts decides which):
 * - A poison pill (undecodable or invalid: a RejectReason) is quarantined on
 *   its first delivery and then terminated (term), never retried.
 * - A message that keeps failing to apply is quarantined on its last allowed
 *   delivery (reason `max_deliveries`) and terminated.
 * In both cases the consumer terminates the message only after add() has
 * resolved: a failed add leaves the message unacked, so JetStream delivers it
 * again and the consumer retries the quarantine (at-least-once; an entry can
 * appear twice if the ack of a successful add is lost).
 *
 * Implementations: MemoryQuarantineStore below (single-node runs, unit
 * tests), JetStreamQuarantineStore (stream QUARANTINE) beside this file, and
 * later a SQL row store (quarantined_messages).
 */
export type QuarantineReason = RejectReason | 'max_deliveries';

/** One quarantined message as the consumer hands it over. */
export interface QuarantineEntry {
  /** The subject the message arrived on in MARKET. */
  readonly subject: string;
  readonly reason: QuarantineReason;
  /** Human-readable cause (e.g. which field was invalid). */
  readonly detail: string;
  /** JetStream delivery count when it was quarantined (1 for a poison pill caught at once). */
  readonly deliveryCount: number;
  /** Sequence of the message in MARKET (0 if unknown). */
  readonly streamSeq: number;
  /** The message's own headers, in order (trace context among them). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The original payload bytes, untouched. */
  readonly payload: Uint8Array;
}

export interface QuarantinedMessage extends QuarantineEntry {
  /** The store's id for the entry (QUARANTINE stream sequence for the JetStream store). Increases with time. */
  readonly id: number;
  /** When it was quarantined, ms since the epoch. */
  readonly quarantinedAt: number;
}

/**
 * Contract:
 * - add() resolves once the entry is durable in the store and returns its id.
 * - list() returns entries oldest first, with ids greater than `afterId`.
 * - replay(id) republishes the original payload and headers to the original
 *   subject (so the ingest sees it again, as a new message), then removes the
 *   entry. Not atomic: a crash in between leaves the entry in place and the
 *   message republished; replaying it again is harmless because the actors
 *   drop a tick whose source seq they have applied. Resolves false if there
 *   is no such entry.
 * - purge(id) removes one entry, purge() all; resolves how many went.
 */
export interface QuarantineStore {
  add(entry: QuarantineEntry): Promise<number>;
  list(opts?: { afterId?: number; limit?: number }): Promise<QuarantinedMessage[]>;
  show(id: number): Promise<QuarantinedMessage | undefined>;
  replay(id: number): Promise<boolean>;
  purge(id?: number): Promise<number>;
}

/** Republishes a message to its original subject (JetStream publish with ack in production). */
export type Republish = (subject: string, payload: Uint8Array, headers: ReadonlyArray<readonly [string, string]>) => Promise<void>;

/** The in-process QuarantineStore: entries live in memory, replay goes through `republish`. */
export class MemoryQuarantineStore implements QuarantineStore {
  readonly #entries = new Map<number, QuarantinedMessage>();
  readonly #republish: Republish;
  readonly #clock: Pick<Clock, 'now'>;
  #nextId = 1;

  constructor(republish: Republish, clock: Pick<Clock, 'now'> = { now: Date.now }) {
    this.#republish = republish;
    this.#clock = clock;
  }

  async add(entry: QuarantineEntry): Promise<number> {
    const id = this.#nextId++;
    this.#entries.set(id, Object.freeze({ ...entry, payload: entry.payload.slice(), headers: [...entry.headers], id, quarantinedAt: this.#clock.now() }));
    return id;
  }

  async list(opts: { afterId?: number; limit?: number } = {}): Promise<QuarantinedMessage[]> {
    const after = opts.afterId ?? 0;
    const limit = opts.limit ?? 100;
    const out: QuarantinedMessage[] = [];
    for (const e of this.#entries.values()) {
      if (e.id <= after) continue;
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  async show(id: number): Promise<QuarantinedMessage | undefined> {
    return this.#entries.get(id);
  }

  async replay(id: number): Promise<boolean> {
    const e = this.#entries.get(id);
    if (!e) return false;
    await this.#republish(e.subject, e.payload, e.headers);
    this.#entries.delete(id);
    return true;
  }

  async purge(id?: number): Promise<number> {
    if (id !== undefined) return this.#entries.delete(id) ? 1 : 0;
    const n = this.#entries.size;
    this.#entries.clear();
    return n;
  }
}

import type { Logger } from '../../core/index.js';
import type { QuarantineEntry, QuarantineStore, QuarantinedMessage } from './quarantine.js';

/**
 * Where quarantined messages are mirrored (table quarantined_messages).
 * Contract: best effort. The mirror may reject; the primary store is the
 * authority and replay always goes through it.
 */
export interface QuarantineMirror {
  recorded(m: QuarantinedMessage): Promise<void>;
  replayed(m: QuarantinedMessage): Promise<void>;
  /** One message, or every one (undefined). */
  purged(m: QuarantinedMessage | undefined): Promise<void>;
}

/**
 * A QuarantineStore that keeps a mirror in step with a primary store: add()
 * resolves once the primary has the entry (the consumer may then terminate
 * the message), and the mirror write follows without holding the queue.
 * A failed mirror write is logged and counted, never retried in a loop: the
 * entry is safe in the primary, which list/show/replay read.
 */
export class MirroredQuarantineStore implements QuarantineStore {
  readonly stats = { mirrored: 0, mirrorFailures: 0 };
  readonly #primary: QuarantineStore;
  readonly #mirror: QuarantineMirror;
  readonly #log: Pick<Logger, 'warn'>;
  readonly #now: () => number;

  constructor(primary: QuarantineStore, mirror: QuarantineMirror, log: Pick<Logger, 'warn'>, now: () => number = Date.now) {
    this.#primary = primary;
    this.#mirror = mirror;
    this.#log = log;
    this.#now = now;
  }

  async add(entry: QuarantineEntry): Promise<number> {
    const id = await this.#primary.add(entry);
    this.#mirrorWrite(this.#mirror.recorded({ ...entry, id, quarantinedAt: this.#now() }), 'record');
    return id;
  }

  list(opts?: { afterId?: number; limit?: number }): Promise<QuarantinedMessage[]> {
    return this.#primary.list(opts);
  }

  show(id: number): Promise<QuarantinedMessage | undefined> {
    return this.#primary.show(id);
  }

  async replay(id: number): Promise<boolean> {
    const m = await this.#primary.show(id);
    const done = await this.#primary.replay(id);
    if (done && m) this.#mirrorWrite(this.#mirror.replayed(m), 'replay');
    return done;
  }

  async purge(id?: number): Promise<number> {
    const m = id === undefined ? undefined : await this.#primary.show(id);
    const n = await this.#primary.purge(id);
    if (n > 0 && (id === undefined || m)) this.#mirrorWrite(this.#mirror.purged(m), 'purge');
    return n;
  }

  #mirrorWrite(p: Promise<void>, what: string): void {
    p.then(
      () => this.stats.mirrored++,
      (err: unknown) => {
        this.stats.mirrorFailures++;
        this.#log.warn({ err: (err as Error).message, what }, 'quarantine mirror write failed (the entry is safe in QUARANTINE)');
      },
    );
  }
}

import { Worker, type TransferListItem } from 'node:worker_threads';
import type { Logger } from '../core/index.js';

export interface ManagedThreadOptions {
  readonly name: string;
  readonly url: URL;
  /** Built afresh for every (re)start. */
  readonly workerData: () => unknown;
  /** V8 heap limits for the thread (see supervisor: a small young generation keeps RSS per thread down). */
  readonly resourceLimits?: { readonly maxYoungGenerationSizeMb?: number; readonly maxOldGenerationSizeMb?: number };
  readonly log: Logger;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  /** Called with each new worker before it runs (wire ports, listen for events). */
  readonly onStart: (worker: Worker, restart: boolean) => void;
  /** Called when a worker ended unexpectedly, before the restart is scheduled. */
  readonly onCrash?: (code: number) => void;
  /** Called with the thread's name for every restart it counts (shared by all threads, e.g. for /readyz). */
  readonly onRestart?: (name: string) => void;
}

/**
 * One supervised worker thread. Supervision choice: restart. A thread that
 * exits while the supervisor is not stopping it is restarted after a delay
 * that doubles per crash up to a ceiling, and resets once the thread has run
 * for a minute. Every restart is counted and logged.
 */
export class ManagedThread {
  readonly name: string;
  #restarts = 0;
  #worker: Worker | undefined;
  #stopping = false;
  #delay: number;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #exited: Promise<number> = Promise.resolve(0);
  readonly #o: ManagedThreadOptions;

  constructor(o: ManagedThreadOptions) {
    this.#o = o;
    this.name = o.name;
    this.#delay = o.backoffMs;
  }

  get worker(): Worker | undefined {
    return this.#worker;
  }

  start(restart = false): Worker {
    const o = this.#o;
    const w = new Worker(o.url, { workerData: o.workerData(), name: o.name, resourceLimits: o.resourceLimits });
    this.#worker = w;
    this.#startedAt = Date.now();
    w.on('error', (err) => o.log.error({ err, worker: o.name }, 'thread failed'));
    this.#exited = new Promise((resolve) =>
      w.once('exit', (code) => {
        if (this.#worker === w) this.#worker = undefined;
        resolve(code);
        if (!this.#stopping) this.#crashed(code);
      }),
    );
    o.onStart(w, restart);
    return w;
  }

  post(message: unknown, transfer?: readonly TransferListItem[]): void {
    this.#worker?.postMessage(message, transfer);
  }

  /** Marks the thread as being stopped on purpose; resolves with its exit code once it is gone. */
  stopping(): Promise<number> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    return this.#exited;
  }

  async terminate(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#worker?.terminate();
  }

  #crashed(code: number): void {
    const o = this.#o;
    if (Date.now() - this.#startedAt > 60_000) this.#delay = o.backoffMs;
    const delay = this.#delay;
    this.#delay = Math.min(o.backoffMaxMs, Math.max(1, this.#delay * 2));
    this.#restarts++;
    o.onRestart?.(o.name);
    o.log.error({ worker: o.name, code, restarts: this.#restarts, delayMs: delay }, 'thread exited unexpectedly; restarting');
    o.onCrash?.(code);
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.start(true);
    }, delay);
  }
}

import type { MessagePort } from 'node:worker_threads';
import type { ThreadAdminOpen, ThreadAdminPort, ThreadAdminRequest } from '../core/index.js';

/**
 * The gateway's end of per-thread profiling: asks the supervisor for a
 * channel to a thread (core/profiling/thread-admin.ts) and resolves with the
 * port the answer will arrive on.
 */
export class ThreadAdminClient {
  readonly #post: (m: ThreadAdminOpen) => void;
  readonly #pending = new Map<number, (port: MessagePort) => void>();
  #nextId = 1;

  constructor(post: (m: ThreadAdminOpen) => void) {
    this.#post = post;
  }

  open(thread: string, request: ThreadAdminRequest): Promise<MessagePort> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#post({ type: 'thread-admin-open', id, thread, request });
    });
  }

  /** Feed it every supervisor message; it takes the ones that are its own. */
  onMessage = (m: ThreadAdminPort | { type?: unknown }): void => {
    if ((m as { type?: unknown }).type !== 'thread-admin-port') return;
    const p = m as ThreadAdminPort;
    const resolve = this.#pending.get(p.id);
    this.#pending.delete(p.id);
    if (resolve) resolve(p.port);
    else p.port.close();
  };
}

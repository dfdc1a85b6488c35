import type { MessagePort } from 'node:worker_threads';
import type { AlertFiring, AlertsFromShard, AlertsToShard, Logger } from '../core/index.js';
import type { AlertEngine } from './alert-engine.js';

/** Firings kept for resending until the store confirms them; past this the oldest are dropped (and logged). */
const MAX_UNCONFIRMED = 10_000;

/**
 * A shard's end of the store↔shard port (the supervisor hands it over in
 * `attach-store`, again after either thread restarts).
 *
 * Inbound: `alerts-replace` (every rule of this shard, sent by the store on
 * attach), `alerts-upsert`, `alerts-remove` and `alerts-recorded`.
 * Outbound, once per flush: `alert-fired` with the firings since the last
 * flush (other messages, e.g. `bars-closed`, go out through send()).
 *
 * Delivery: firings are at-least-once towards the store while this thread
 * lives — each stays in `unconfirmed` until the store answers
 * `alerts-recorded` for it, and all of them are sent again when a new port
 * is attached (the store restarted). The store records a firing at most once
 * by (alertId, fireSeq), so together a firing is recorded exactly once. A
 * shard thread that dies loses firings it had not sent (the rules come back
 * from the store and fire again if their condition still holds).
 */
export class StoreLink {
  readonly #shard: number;
  readonly #engine: AlertEngine;
  readonly #log: Logger;
  #port: MessagePort | undefined;
  readonly #unconfirmed = new Map<string, AlertFiring>();
  readonly stats = { sent: 0, resent: 0, droppedUnconfirmed: 0, badMessages: 0 };

  constructor(o: { shard: number; engine: AlertEngine; log: Logger }) {
    this.#shard = o.shard;
    this.#engine = o.engine;
    this.#log = o.log;
  }

  get unconfirmed(): number {
    return this.#unconfirmed.size;
  }

  attach(port: MessagePort): void {
    this.#port?.close();
    this.#port = port;
    port.on('message', (m: unknown) => this.receive(m));
    if (this.#unconfirmed.size) {
      const firings = [...this.#unconfirmed.values()];
      this.stats.resent += firings.length;
      this.send({ type: 'alert-fired', shard: this.#shard, firings } satisfies AlertsFromShard);
    }
  }

  /** Handles one message from the store (exposed for tests). */
  receive(m: unknown): void {
    const msg = m as AlertsToShard;
    try {
      switch (msg?.type) {
        case 'alerts-replace':
          this.#engine.replace(msg.rules);
          break;
        case 'alerts-upsert':
          this.#engine.upsert(msg.rules);
          break;
        case 'alerts-remove':
          this.#engine.remove(msg.ids);
          break;
        case 'alerts-recorded':
          for (const f of msg.firings) this.#unconfirmed.delete(key(f));
          this.#engine.recorded(msg.firings);
          break;
        default:
          this.stats.badMessages++;
      }
    } catch (err) {
      this.stats.badMessages++;
      this.#log.error({ err, type: (m as { type?: unknown })?.type }, 'bad message from the store');
    }
  }

  /** Sends the firings of this flush (each kept until the store confirms it). */
  flush(): void {
    const firings = this.#engine.takeFirings();
    if (firings.length) {
      for (const f of firings) this.#unconfirmed.set(key(f), f);
      if (this.#unconfirmed.size > MAX_UNCONFIRMED) {
        const excess = this.#unconfirmed.size - MAX_UNCONFIRMED;
        let i = 0;
        for (const k of this.#unconfirmed.keys()) {
          if (i++ >= excess) break;
          this.#unconfirmed.delete(k);
        }
        this.stats.droppedUnconfirmed += excess;
        this.#log.error({ dropped: excess }, 'store is not confirming alert firings; oldest dropped');
      }
      this.stats.sent += firings.length;
      this.send({ type: 'alert-fired', shard: this.#shard, firings } satisfies AlertsFromShard);
    }
  }

  close(): void {
    this.#port?.close();
    this.#port = undefined;
  }

  /** Posts to the store if one is attached (dropped otherwise: at-most-once). */
  send(m: unknown): void {
    this.#port?.postMessage(m);
  }
}

const key = (f: { alertId: string; fireSeq: number }): string => `${f.alertId}#${f.fireSeq}`;

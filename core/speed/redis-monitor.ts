import type { Logger } from '../logger.js';
import { RedisConnection } from './redis-connection.js';

export interface RedisMonitorOptions {
  readonly url: string;
  readonly log: Logger;
  /** Told when Redis becomes usable (true) or stops being usable (false); first call once known. */
  readonly onChange: (up: boolean) => void;
  /** PING period: a server that accepts connections but stops answering counts as down. */
  readonly pingMs?: number;
}

/**
 * The supervisor's view of Redis for /readyz: one connection of its own that
 * follows the connection state (a lost server is seen at once) and PINGs
 * (a hung one is seen within pingMs + the command timeout). Every thread that
 * uses Redis holds its own connection and degrades on its own; this only
 * reports. Redis is an optional dependency: down means degraded, not unready.
 */
export class RedisMonitor {
  readonly #conn: RedisConnection;
  readonly #timer: NodeJS.Timeout;
  readonly #onChange: (up: boolean) => void;
  #pingOk = true;
  #up: boolean | undefined;
  #pinging = false;

  constructor(o: RedisMonitorOptions) {
    this.#onChange = o.onChange;
    this.#conn = new RedisConnection({ url: o.url, name: 'monitor', log: o.log, onState: () => this.#update() });
    this.#timer = setInterval(() => void this.#ping(), o.pingMs ?? 1000);
    this.#timer.unref();
  }

  /** Whether Redis is usable right now, as far as the monitor knows. */
  get up(): boolean {
    return this.#up === true;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#conn.close();
  }

  async #ping(): Promise<void> {
    if (this.#pinging || !this.#conn.ready) return;
    this.#pinging = true;
    try {
      await this.#conn.client.ping();
      this.#pingOk = true;
    } catch {
      this.#pingOk = false;
    } finally {
      this.#pinging = false;
    }
    this.#update();
  }

  #update(): void {
    if (this.#conn.state === 'closed') return;
    if (this.#conn.state !== 'ready') this.#pingOk = true; // a fresh connection starts trusted
    const up = this.#conn.ready && this.#pingOk;
    if (up === this.#up || (this.#conn.state === 'connecting' && this.#up === undefined)) return;
    this.#up = up;
    this.#onChange(up);
  }
}

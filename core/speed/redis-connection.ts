import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { countRedisError } from '../metrics.js';

/** A command that gets no reply within this long fails (and the caller degrades). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** Reconnect delays double from 50 ms up to this. */
export const REDIS_RECONNECT_MAX_MS = 2000;

/**
 * The subset of the ioredis client the speed-layer adapters use (STYLE 4:
 * depend on the narrow shape). Tests and benches may hand any ioredis client.
 */
export type RedisCommands = Pick<Redis, 'pipeline' | 'evalsha' | 'eval' | 'set' | 'ping' | 'status'>;

/** What an adapter needs of a connection (a RedisConnection fits). */
export interface RedisLink {
  /** True while commands can be sent. */
  readonly ready: boolean;
  readonly client: RedisCommands;
}

export type RedisState = 'connecting' | 'ready' | 'down' | 'closed';

export interface RedisConnectionOptions {
  readonly url: string;
  /** Shown in CLIENT LIST (`bourse:shard-0`) and in logs. */
  readonly name: string;
  readonly log: Logger;
  readonly commandTimeoutMs?: number;
  /** Called on every state change (after it is logged). */
  readonly onState?: (state: RedisState) => void;
}

/**
 * One thread's connection to Redis, shaped for a speed layer that must never
 * hold the hot path up:
 * - Offline queue off and no retries per request: a command issued while the
 *   connection is down fails at once, and commands in flight when it drops
 *   fail at once, so nothing queues without bound inside the client. Callers
 *   drop, count or fall back.
 * - Every command times out after `commandTimeoutMs` (a hung server looks like
 *   a lost one).
 * - Reconnects forever, doubling from 50 ms to REDIS_RECONNECT_MAX_MS.
 * - Logs once per state change (`redis unavailable`, `redis connected`), never
 *   per failed command; the client's repeated `error` events while down are
 *   only remembered (lastError) for the next transition's log line.
 */
export class RedisConnection implements RedisLink {
  readonly client: Redis;
  readonly #o: RedisConnectionOptions;
  #state: RedisState = 'connecting';
  #lastError = '';
  #downSince = 0;

  constructor(o: RedisConnectionOptions) {
    this.#o = o;
    this.client = new Redis(o.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: o.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      connectionName: `bourse:${o.name}`,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), REDIS_RECONNECT_MAX_MS),
    });
    this.client.on('ready', () => this.#set('ready'));
    this.client.on('close', () => this.#set('down'));
    this.client.on('end', () => this.#set(this.#state === 'closed' ? 'closed' : 'down'));
    // Without a listener an 'error' event would crash the thread.
    this.client.on('error', (err: Error) => {
      this.#lastError = err.message;
      countRedisError('connection');
      if (this.#state === 'connecting') this.#set('down');
    });
    this.client.connect().catch(() => undefined); // failures surface as 'error'/'close' events; reconnects continue
  }

  get state(): RedisState {
    return this.#state;
  }

  /** True while commands can be sent. */
  get ready(): boolean {
    return this.#state === 'ready' && this.client.status === 'ready';
  }

  /** Resolves once the connection is ready, or false after `ms`. */
  waitReady(ms: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.client.on('ready', onReady);
    });
  }

  /** Closes the connection: QUIT when connected (bounded wait), then disconnect. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasReady = this.ready;
    this.#set('closed');
    if (wasReady) {
      await Promise.race([this.client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    this.client.disconnect();
  }

  #set(state: RedisState): void {
    if (this.#state === state || this.#state === 'closed') return;
    const prev = this.#state;
    this.#state = state;
    const log = this.#o.log;
    if (state === 'down') {
      this.#downSince = Date.now();
      log.warn({ redis: this.#o.name, err: this.#lastError || undefined, was: prev }, 'redis unavailable; degrading until it is back');
    } else if (state === 'ready') {
      if (prev === 'down') log.info({ redis: this.#o.name, downMs: Date.now() - this.#downSince }, 'redis back');
      else log.info({ redis: this.#o.name }, 'redis connected');
    }
    this.#o.onState?.(state);
  }
}

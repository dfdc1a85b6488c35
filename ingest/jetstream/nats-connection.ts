import { connect, Events, DebugEvents, type NatsConnection } from 'nats';

/**
 * One NATS connection per process side (feed publisher or ingest thread),
 * made to survive server restarts and network blips:
 *
 * - It reconnects forever (maxReconnectAttempts -1) with exponential backoff
 *   and full jitter between `reconnectMinMs` and `reconnectMaxMs`, so a fleet
 *   does not reconnect in lock-step. The first connect waits the same way
 *   (waitOnFirstConnect): a server that starts before NATS is up keeps trying.
 * - While disconnected, nats.js buffers outgoing messages (publishes, acks)
 *   up to its reconnect buffer and sends them after reconnecting; requests in
 *   flight may time out. Subscriptions are re-established by the client.
 * - NatsStatus mirrors the connection's state for /readyz and logs. It is
 *   informational: nothing waits on it.
 */
export type NatsState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface NatsStatusSnapshot {
  readonly state: NatsState;
  /** Last error the client reported (disconnect cause, async server error), '' if none. */
  readonly lastError: string;
  /** Reconnects since the first connect. */
  readonly reconnects: number;
  /** When `state` last changed, ms since the epoch. */
  readonly since: number;
}

/** Connection state for readiness checks: updated from the client's status events. */
export class NatsStatus {
  #snapshot: NatsStatusSnapshot;
  readonly #listeners = new Set<(s: NatsStatusSnapshot) => void>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#snapshot = Object.freeze({ state: 'connecting', lastError: '', reconnects: 0, since: now() });
  }

  get state(): NatsState {
    return this.#snapshot.state;
  }

  get lastError(): string {
    return this.#snapshot.lastError;
  }

  get snapshot(): NatsStatusSnapshot {
    return this.#snapshot;
  }

  /** Calls `fn` on every change; returns the unsubscribe function. */
  onChange(fn: (s: NatsStatusSnapshot) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Applies a change (used by connectNats; exposed for in-process tests of readiness). */
  update(change: { state?: NatsState; lastError?: string; reconnected?: boolean }): void {
    const s = this.#snapshot;
    const state = change.state ?? s.state;
    this.#snapshot = Object.freeze({
      state,
      lastError: change.lastError ?? s.lastError,
      reconnects: s.reconnects + (change.reconnected ? 1 : 0),
      since: state !== s.state ? this.#now() : s.since,
    });
    for (const fn of this.#listeners) fn(this.#snapshot);
  }
}

export interface NatsConnectOptions {
  /** Server URL(s), e.g. nats://127.0.0.1:4222. */
  readonly servers: string | string[];
  /** Connection name shown by the server (monitoring). */
  readonly name: string;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
}

export interface NatsHandle {
  readonly nc: NatsConnection;
  readonly status: NatsStatus;
  /** Drains subscriptions and closes (closes at once while disconnected: a drain would wait for a server); resolves when closed. */
  close(): Promise<void>;
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, min·2^attempt)], at least `min`. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.floor(random() * cap));
}

/** Connects (retrying forever, see above) and starts mirroring status events. */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsHandle> {
  const min = opts.reconnectMinMs ?? 250;
  const max = opts.reconnectMaxMs ?? 10_000;
  const random = opts.random ?? Math.random;
  const status = new NatsStatus();
  let attempt = 0;
  const nc = await connect({
    servers: opts.servers,
    name: opts.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectDelayHandler: () => backoffDelay(attempt++, min, max, random),
    pingInterval: 10_000,
    maxPingOut: 3,
  });
  status.update({ state: 'connected' });
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case Events.Disconnect:
          status.update({ state: 'reconnecting' });
          break;
        case DebugEvents.Reconnecting:
          if (status.state !== 'reconnecting') status.update({ state: 'reconnecting' });
          break;
        case Events.Reconnect:
          attempt = 0;
          status.update({ state: 'connected', reconnected: true });
          break;
        case Events.Error:
          status.update({ lastError: String(s.data) });
          break;
        default:
          break;
      }
    }
  })();
  void nc.closed().then((err) => status.update({ state: 'closed', lastError: err ? err.message : status.lastError }));
  return {
    nc,
    status,
    close: async () => {
      if (!nc.isClosed()) await (status.state === 'connected' ? nc.drain() : nc.close()).catch(() => nc.close());
      await nc.closed();
    },
  };
}

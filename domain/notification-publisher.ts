import type { Logger } from '../core/index.js';
import { connectNats, type NatsHandle } from '../ingest/jetstream/nats-connection.js';

/**
 * Where dispatched notifications are published besides the investor's
 * sessions. Contract: publish() hands a message over and ready() resolves
 * when everything handed over so far has reached the broker (or rejects),
 * so the outbox marks rows dispatched only after that: at-least-once towards
 * the broker, subscribers dedupe by notification id.
 */
export interface NotificationPublisher {
  /** Whether publishing is possible now (a broker connection is up); when false the outbox waits. */
  readonly connected: boolean;
  publish(investorId: string, message: object): void;
  /** Resolves once everything published so far reached the broker. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** No broker configured: nothing to publish, always "done". */
export const noPublisher: NotificationPublisher = {
  connected: true,
  publish: () => undefined,
  flush: async () => undefined,
  close: async () => undefined,
};

/**
 * Core NATS (not JetStream): subject `<prefix>.alerts.<investorId>`, JSON
 * payload. Connects in the background and reconnects forever (connectNats:
 * jittered backoff); until the first connect, and once closed or draining,
 * `connected` is false and the outbox keeps rows undispatched.
 */
export function natsNotificationPublisher(opts: { servers: string; prefix: string; log: Logger }): NotificationPublisher {
  let nats: NatsHandle | undefined;
  let closed = false;
  const enc = new TextEncoder();
  const connecting = connectNats({ servers: opts.servers.split(',').map((s) => s.trim()), name: 'bourse-store-alerts' })
    .then((h) => {
      if (closed) return h.close();
      nats = h;
      opts.log.info({ servers: opts.servers }, 'alert notifications: NATS connected');
    })
    .catch((err: unknown) => opts.log.error({ err }, 'alert notifications: NATS connection failed'));
  return {
    get connected() {
      return nats !== undefined && !nats.nc.isClosed() && !nats.nc.isDraining();
    },
    publish(investorId, message) {
      nats?.nc.publish(`${opts.prefix}.alerts.${investorId}`, enc.encode(JSON.stringify(message)));
    },
    async flush() {
      if (!nats) throw new Error('NATS is not connected');
      await nats.nc.flush();
    },
    async close() {
      closed = true;
      await connecting;
      await nats?.close().catch(() => undefined);
    },
  };
}

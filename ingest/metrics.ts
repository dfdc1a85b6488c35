import { ThreadMetrics, setThreadMetrics } from '../core/index.js';
import type { JetStreamPipeline } from './jetstream-pipeline.js';
import type { TickRouter } from './tick-router.js';

/** What the ingest thread's metrics read at scrape time. */
export interface IngestMetricsSource {
  readonly router: TickRouter;
  readonly shards: number;
  /** The JetStream pipeline, once connected (undefined without NATS_URL or while connecting). */
  readonly pipeline: () => JetStreamPipeline | undefined;
  /** Calls from ingest to the store thread (quarantine rows, consumer offsets) waiting for their reply. */
  readonly storePending?: () => number;
}

/** Longest a scrape waits for the consumer's state from the NATS server. */
const SERVER_STATE_TIMEOUT_MS = 1000;

/**
 * The ingest thread's registry: ticks routed to shards and the router's
 * backlog, and the JetStream consumer (fetched, acked, nak'ed, terminated,
 * redelivered, quarantined, and the durable's pending counts on the server).
 * Everything is read from the router's and consumer's own tallies at scrape
 * time; the JetStream series exist (at 0) without NATS too, so dashboards and
 * the docs test see one fixed set of names.
 */
export class IngestMetrics {
  readonly base: ThreadMetrics;

  constructor(prefix: string, source?: IngestMetricsSource) {
    const m = (this.base = new ThreadMetrics(prefix, 'ingest'));
    setThreadMetrics(m);
    const r = source?.router.stats;
    const c = () => source?.pipeline()?.consumer.stats;
    m.counter('ingest_ticks_routed_total', 'Ticks the ingest thread routed to shard tick rings.', () => r?.routed ?? 0);
    m.counter('ingest_ticks_unknown_symbol_total', 'Ticks refused for a symbol id outside the universe.', () => r?.unknown ?? 0);
    m.counter('ingest_ticks_dropped_total', 'Ticks dropped because a shard\'s backlog passed its bound (in-process feeds only; JetStream applies backpressure instead).', () => r?.dropped ?? 0);
    m.gauge('ingest_backlog_ticks', 'Ticks waiting in the ingest thread for room in a shard\'s tick ring, by shard.', () =>
      Array.from({ length: source?.shards ?? 0 }, (_, s) => [{ shard: String(s) }, source!.router.backlogOf(s)] as const),
    );
    m.counter('jetstream_messages_fetched_total', 'Messages the durable MARKET consumer fetched (deliveries, redeliveries included).', () => c()?.received ?? 0);
    m.counter('jetstream_messages_acked_total', 'Messages acked once the shards applied their ticks.', () => c()?.acked ?? 0);
    m.counter('jetstream_messages_nacked_total', 'Negative acks sent (redelivery requested: start-up holds, sink errors).', () => c()?.naked ?? 0);
    m.counter('jetstream_messages_terminated_total', 'Messages terminated after being quarantined (poison pills and max_deliveries).', () => c()?.terminated ?? 0);
    m.counter('jetstream_messages_redelivered_total', 'Deliveries with a delivery count above 1.', () => c()?.redelivered ?? 0);
    m.counter('jetstream_messages_quarantined_total', 'Messages stored in QUARANTINE (undecodable, invalid, or not applied within max-deliver).', () => c()?.quarantined ?? 0);
    m.counter('jetstream_quarantine_failures_total', 'Quarantine writes that failed (the message stays unacked and is retried).', () => c()?.quarantineFailed ?? 0);
    m.counter('jetstream_ack_expired_total', 'Messages whose ack-wait passed before their ticks were applied (JetStream redelivers them).', () => c()?.expired ?? 0);
    m.counter('jetstream_fetch_errors_total', 'Fetch requests to JetStream that failed (retried with backoff).', () => c()?.fetchErrors ?? 0);
    m.gauge('jetstream_unacked_messages', 'Messages routed to shards (or being quarantined) and not yet acked: what NATS_MAX_UNACKED bounds.', () => source?.pipeline()?.consumer.unacked ?? 0);
    m.gauge('store_rpc_pending', 'Calls from this thread to the store thread waiting for their reply.', () => [[{ thread: 'ingest' }, source?.storePending?.() ?? 0]]);
    m.gauge('nats_connected', 'Whether the NATS connection is up (1) or connecting, reconnecting or closed (0).', () => (source?.pipeline()?.nats.status.state === 'connected' ? 1 : 0));
    // The durable's counts on the server: one JetStream API request per scrape, bounded by a timeout.
    let server: Promise<{ pending: number; ackPending: number } | undefined> | undefined;
    const serverState = () => {
      const p = source?.pipeline();
      if (!p) return Promise.resolve(undefined);
      return (server ??= Promise.race([p.consumer.serverState(), new Promise<undefined>((r) => setTimeout(() => r(undefined), SERVER_STATE_TIMEOUT_MS).unref())]).finally(() => setTimeout(() => (server = undefined), 0)));
    };
    m.gauge('jetstream_consumer_pending_messages', 'Messages in MARKET not yet delivered to the durable consumer (consumer lag, from the server).', async () => (await serverState())?.pending ?? 0);
    m.gauge('jetstream_consumer_ack_pending_messages', 'Messages delivered to the durable consumer and not yet acked (from the server).', async () => (await serverState())?.ackPending ?? 0);
  }
}

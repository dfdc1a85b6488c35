import { LATENCY_SECONDS_BUCKETS, REQUEST_SECONDS_BUCKETS, ThreadMetrics, setThreadMetrics, type FastHistogram, type Labels, type WireFormat } from '../core/index.js';
import type { Histogram } from 'prom-client';
import type { FanoutStats } from './fanout.js';
import type { StreamStats } from './stream-handler.js';

const FORMATS: readonly WireFormat[] = ['json', 'msgpack'];
const CHANNELS = ['quotes', 'trades', 'bars'] as const;

/** What a gateway's metrics read at scrape time (all of it this thread's own tallies). */
export interface GatewayMetricsSource {
  readonly stream: StreamStats;
  readonly fanout: FanoutStats;
  /** Flush windows the batch gate released on its timeout (a shard was late). */
  readonly gateTimeouts: () => number;
  /** Seqlock contention per shard's quote table, as this thread's readers saw it. */
  readonly lock: () => readonly { readonly retries: number; readonly waitNs: number }[];
  /** Store RPC calls waiting for a reply. */
  readonly storePending: () => number;
}

/**
 * A gateway thread's registry: connections, subscriptions, frames and bytes
 * sent, tick-to-wire latency, backpressure, lock contention as readers see
 * it, HTTP requests. Connection and subscription gauges carry `thread`
 * (SO_REUSEPORT balance shows per gateway); counters are summed over gateways.
 */
export class GatewayMetrics {
  readonly base: ThreadMetrics;
  /** Tick arrival in ingest → publish on this gateway, seconds (quote and trades frames). */
  readonly tickToWire: FastHistogram;
  readonly #http: Histogram<'route' | 'method' | 'status'>;

  constructor(prefix: string, thread: string, source?: GatewayMetricsSource) {
    const m = (this.base = new ThreadMetrics(prefix, thread));
    setThreadMetrics(m);
    const s = source;
    const t = { thread };
    m.gauge('ws_connections', 'Open WebSocket connections, by sub-protocol (json or msgpack) and gateway thread.', () =>
      FORMATS.map((protocol) => [{ thread, protocol }, s ? s.stream.openedBy[protocol] - s.stream.closedBy[protocol] : 0] as const),
    );
    m.counter('ws_connects_total', 'WebSocket connections accepted, by sub-protocol.', () => FORMATS.map((protocol) => [{ protocol }, s?.stream.openedBy[protocol] ?? 0] as const));
    m.counter('ws_disconnects_total', 'WebSocket connections closed, by close code (1000 normal, 1001 going away, 1006 abnormal, 4000 shutdown, 4001 slow consumer…; see docs/errors.md).', () =>
      Object.entries(s?.stream.closesByCode ?? {}).map(([code, n]) => [{ code }, n] as const),
    );
    m.gauge('ws_subscriptions', 'Current subscriptions (connection × symbol), by channel and gateway thread.', () =>
      CHANNELS.map((channel) => [{ thread, channel }, s?.stream.subscriptions[channel] ?? 0] as const),
    );
    m.counter('ws_messages_received_total', 'Client messages (ops) received on the stream.', () => s?.stream.ops ?? 0);
    m.counter('ws_errors_total', 'Error frames and refused upgrades sent to clients, by error code.', () => Object.entries(s?.stream.errorsByCode ?? {}).map(([code, n]) => [{ code }, n] as const));
    m.counter('ws_snapshots_sent_total', 'Snapshots sent (on subscribe, resume, and recovery from backpressure).', () => s?.stream.snapshotsSent ?? 0);
    const byKind = (arr: 'publishesBy' | 'bytesBy', replies: 'repliesBy' | 'replyBytesBy') => (): [Labels, number][] => {
      const out: [Labels, number][] = [];
      CHANNELS.forEach((channel, k) => FORMATS.forEach((format, f) => out.push([{ channel, format }, s ? s.fanout[arr][k * 2 + f] : 0])));
      for (const format of FORMATS) out.push([{ channel: 'replies', format }, s?.stream[replies][format] ?? 0]);
      return out;
    };
    m.counter('ws_frames_sent_total', 'Frames sent, by channel (quotes, trades, bars: one per topic publish, which uWS fans out to every subscriber; replies: snapshots, pongs and errors sent to one socket) and format.', byKind('publishesBy', 'repliesBy'));
    m.counter('ws_bytes_sent_total', 'Bytes of the frames in ws_frames_sent_total (payload, before fan-out), by channel and format.', byKind('bytesBy', 'replyBytesBy'));
    m.counter('ws_backpressure_skips_total', 'Times a socket went over the soft backpressure limit and its conflated quote frames were skipped.', () => s?.stream.backpressureSkips ?? 0);
    m.counter('ws_backpressure_recoveries_total', 'Times a lagging socket drained and got fresh snapshots.', () => s?.stream.backpressureRecoveries ?? 0);
    m.counter('ws_slow_consumer_closes_total', 'Sockets closed with 4001 slow_consumer for exceeding the hard backpressure limit.', () => s?.stream.slowConsumerCloses ?? 0);
    m.counter('gateway_batches_total', 'Frame batches received from shards.', () => s?.fanout.batches ?? 0);
    m.counter('gateway_window_timeouts_total', 'Flush windows published before every shard\'s batch arrived (a shard was late).', () => s?.gateTimeouts() ?? 0);
    m.counter('quote_lock_retries_total', 'Quote-table reads retried because the shard was writing (per-shard seqlock contention), by shard.', () =>
      (s?.lock() ?? []).map((l, shard) => [{ shard: String(shard) }, l.retries] as const),
    );
    m.counter('quote_lock_wait_seconds_total', 'Time readers on gateway threads waited for the per-shard lock (quote-table write sections), by shard.', () =>
      (s?.lock() ?? []).map((l, shard) => [{ shard: String(shard) }, l.waitNs / 1e9] as const),
    );
    m.gauge('store_rpc_pending', 'Calls from this thread to the store thread waiting for their reply.', () => [[t, s?.storePending() ?? 0]]);
    this.tickToWire = m.fastHistogram('tick_to_wire_seconds', 'Latency from a tick\'s arrival in the ingest thread to the publish of the quote or trades frame that carries it on a gateway thread.', LATENCY_SECONDS_BUCKETS);
    this.#http = m.histogram('http_request_duration_seconds', 'REST requests (API framework routes and the market routes), by route pattern, method and status.', REQUEST_SECONDS_BUCKETS, ['route', 'method', 'status']);
  }

  /** HttpApi's observe hook. */
  readonly observeHttp = (route: string, method: string, status: number, seconds: number): void => {
    this.#http.observe({ route, method: method.toUpperCase(), status: String(status) }, seconds);
  };

  /** Fanout's latency hook (ms). */
  readonly observeTickToWire = (ms: number): void => {
    this.tickToWire.observe(ms / 1000);
  };
}

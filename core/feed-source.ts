/**
 * A feed source produces ticks for the symbols of a universe (see core/tick.ts
 * for the record layout). Implementations sit beside this file's users in
 * ingest/ (simulator-feed-source.ts, later CSV replay, Finnhub, Alpaca).
 *
 * Contract:
 * - start() begins delivering batches to the sink and resolves once running;
 *   stop() resolves after the last accept() call has returned.
 * - Batches are delivered in order on one thread; a sink must copy what it
 *   keeps before returning (the source reuses its buffer).
 * - Delivery is at-most-once for in-process sources (a stopped thread loses
 *   what it had not delivered); durable sources state their own guarantee.
 * - `arrival` is stamped by the sink (the server's ingress), not by the source.
 */
export interface FeedSource {
  readonly name: string;
  start(sink: TickSink): Promise<void>;
  stop(): Promise<void>;
}

export interface TickSink {
  /** `records` holds `count` tick records from index 0. */
  accept(records: Float64Array, count: number): void;
}

import { FAST_SECONDS_BUCKETS, ThreadMetrics, setThreadMetrics, type FastHistogram } from '../core/index.js';
import type { ShardStats } from './shard.js';

/** Frames-per-flush buckets: a flush carries one frame per changed symbol and kind. */
const FRAMES_BUCKETS = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** What a shard's metrics read at scrape time. */
export interface ShardMetricsSource {
  readonly stats: ShardStats;
  readonly actorCount: number;
}

/**
 * A shard thread's registry. Every value carries the `shard` label, so the
 * aggregated exposition keeps shards apart (sum them in PromQL for totals).
 * The hot path pays one FastHistogram.observe per flush, never per tick: tick
 * counts are the shard's own tallies, read at scrape time.
 */
export class ShardMetrics {
  readonly base: ThreadMetrics;
  readonly #flushSeconds: FastHistogram;
  readonly #framesPerFlush: FastHistogram;

  constructor(prefix: string, shard: number, source?: ShardMetricsSource) {
    const m = (this.base = new ThreadMetrics(prefix, `shard-${shard}`));
    setThreadMetrics(m);
    const l = { shard: String(shard) };
    const stat = (read: (s: ShardStats) => number) => () => [[l, source ? read(source.stats) : 0]] as const;
    m.counter('shard_ticks_total', 'Ticks applied by the shard\'s actors (rate() = per-shard tick rate).', stat((s) => s.ticks));
    m.counter('shard_ticks_misrouted_total', 'Ticks that reached a shard that does not own their symbol (dropped; should stay 0).', stat((s) => s.misrouted));
    m.counter('shard_actor_errors_total', 'Ticks whose actor threw; the actor was resumed.', stat((s) => s.actorErrors));
    m.counter('shard_flushes_total', 'Conflation windows the shard flushed.', stat((s) => s.flushes));
    m.gauge('shard_actors', 'Ticker actors (symbols) the shard owns.', () => [[l, source?.actorCount ?? 0]]);
    this.#flushSeconds = m.fastHistogram('shard_flush_duration_seconds', 'Time one flush took: drain the tick ring, write the quote table under the per-shard lock, encode frames, post a batch to every gateway.', FAST_SECONDS_BUCKETS, l);
    this.#framesPerFlush = m.fastHistogram('shard_frames_per_flush', 'Frames one flush produced (quote, trades and bar frames of the symbols that changed).', FRAMES_BUCKETS, l);
  }

  /** One flush: how long it took (ms) and how many frames it produced. */
  flushed(ms: number, frames: number): void {
    this.#flushSeconds.observe(ms / 1000);
    this.#framesPerFlush.observe(frames);
  }
}

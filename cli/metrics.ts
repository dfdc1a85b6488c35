import type { Worker } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics } from 'prom-client';
import { ThreadMetrics, ThreadState, setThreadMetrics, type MetricsJson, type MetricsReply, type MetricsRequest, type ThreadStatus } from '../core/index.js';
import type { TickRing } from '../actors/tick-ring.js';

/** A thread the supervisor can ask for its metrics (a ManagedThread). */
export interface MetricsSource {
  readonly name: string;
  readonly worker: Worker | undefined;
}

export interface Exposition {
  readonly contentType: string;
  readonly text: string;
}

/**
 * The main thread's registry: prom-client's default process and Node metrics
 * (once per process, here), thread states and restarts, the tick rings (shared
 * memory the supervisor owns: their counters outlive any one thread), and how
 * the aggregation itself is doing.
 */
export function mainMetrics(prefix: string, status?: ThreadStatus, rings: readonly TickRing[] = []): ThreadMetrics {
  const m = new ThreadMetrics(prefix, 'main');
  setThreadMetrics(m);
  collectDefaultMetrics({ register: m.registry });
  if (status) {
    m.gauge('thread_up', 'Whether a thread (or dependency such as nats) is ready: 1 ready, 0 starting, draining or down.', () =>
      status.slots.map((s) => [{ thread: s.name }, status.get(s.name) === ThreadState.ready ? 1 : 0] as const),
    );
    m.counter('thread_restarts_total', 'Times the supervisor restarted a thread after it ended unexpectedly.', () =>
      Object.entries(status.restarts()).map(([thread, n]) => [{ thread }, n] as const),
    );
  }
  m.gauge('tick_ring_depth', 'Ticks queued in a shard\'s tick ring (ingest → shard, the cross-thread queue), by shard.', () => rings.map((r, shard) => [{ shard: String(shard) }, r.size] as const));
  m.gauge('tick_ring_capacity', 'Ticks a shard\'s tick ring holds, by shard.', () => rings.map((r, shard) => [{ shard: String(shard) }, r.capacity] as const));
  m.counter('tick_ring_full_total', 'Times ingest found a shard\'s tick ring full (the ticks waited in the ingest backlog), by shard.', () =>
    rings.map((r, shard) => [{ shard: String(shard) }, r.stats.fullEvents] as const),
  );
  return m;
}

/**
 * Builds the one exposition /metrics serves: asks every running thread for
 * its registry as JSON (over the thread's parentPort; see core/metrics.ts
 * serveMetrics), adds the main thread's, and merges them with prom-client's
 * AggregatorRegistry — values with the same name and labels are summed, so
 * counters add up across threads and histograms merge bucket by bucket.
 *
 * Two things keep counters monotonic, which rate() relies on:
 * - a thread that does not answer within `timeoutMs` contributes its last
 *   answer (counted in metrics_collect_timeouts_total);
 * - when a thread is replaced (restart), its last counters and histograms are
 *   kept as a retired baseline that later expositions add to the new thread's.
 */
export class MetricsAggregator {
  readonly #main: ThreadMetrics;
  readonly #sources: () => readonly MetricsSource[];
  readonly #timeoutMs: number;
  readonly #last = new Map<string, { worker: Worker; json: MetricsJson }>();
  readonly #timeouts = new Map<string, number>();
  readonly #waiting = new Map<number, (json: MetricsJson | undefined) => void>();
  readonly #listening = new WeakSet<Worker>();
  #retired: MetricsJson = [];
  #nextId = 1;
  #lastMs = 0;

  constructor(main: ThreadMetrics, sources: () => readonly MetricsSource[], timeoutMs = 2000) {
    this.#main = main;
    this.#sources = sources;
    this.#timeoutMs = timeoutMs;
    main.counter('metrics_collect_timeouts_total', 'Scrapes in which a thread did not send its metrics in time (its previous figures were used).', () =>
      [...this.#timeouts].map(([thread, n]) => [{ thread }, n] as const),
    );
    main.gauge('metrics_collect_duration_seconds', 'Time the previous /metrics took to gather every thread\'s registry.', () => this.#lastMs / 1000);
  }

  /** One thread's registry as JSON, or undefined if it did not answer in time. */
  request(worker: Worker, timeoutMs = this.#timeoutMs): Promise<MetricsJson | undefined> {
    this.#listen(worker);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const done = (json: MetricsJson | undefined) => {
        clearTimeout(timer);
        worker.off('exit', gone);
        this.#waiting.delete(id);
        resolve(json);
      };
      const gone = () => done(undefined);
      const timer = setTimeout(gone, timeoutMs);
      worker.once('exit', gone);
      this.#waiting.set(id, done);
      worker.postMessage({ type: 'metrics-request', id } satisfies MetricsRequest);
    });
  }

  /** The aggregated exposition of the whole process. */
  async collect(): Promise<Exposition> {
    const started = performance.now();
    const sources = this.#sources();
    const answers = await Promise.all(sources.map((s) => (s.worker ? this.request(s.worker) : Promise.resolve(undefined))));
    const parts: MetricsJson[] = [];
    for (let i = 0; i < sources.length; i++) {
      const { name, worker } = sources[i];
      const last = this.#last.get(name);
      if (last && worker && last.worker !== worker) {
        // A new thread under the same name: its predecessor's totals become the baseline.
        this.#retired = await merged([this.#retired, monotonic(last.json)]);
        this.#last.delete(name);
      }
      const json = answers[i];
      if (json !== undefined) {
        this.#last.set(name, { worker: worker!, json });
        parts.push(json);
        continue;
      }
      // No answer: a thread too busy (its previous figures stand in), or one between crash
      // and restart (its counters and histograms stand in; its gauges are gone with it).
      if (worker) this.#timeouts.set(name, (this.#timeouts.get(name) ?? 0) + 1);
      const previous = this.#last.get(name)?.json;
      if (previous) parts.push(worker ? previous : monotonic(previous));
    }
    this.#lastMs = performance.now() - started;
    // The main thread's default metrics exist once; 'omit' (process_start_time_seconds) would drop them.
    const main = (await this.#main.json()).map((m) => (m.aggregator === 'omit' ? { ...m, aggregator: 'first' } : m));
    const registry = AggregatorRegistry.aggregate([main, this.#retired, ...parts]);
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  #listen(worker: Worker): void {
    if (this.#listening.has(worker)) return;
    this.#listening.add(worker);
    worker.on('message', (m: Partial<MetricsReply> | null) => {
      if (m?.type !== 'metrics-reply' || typeof m.id !== 'number') return;
      this.#waiting.get(m.id)?.(m.metrics);
    });
  }
}

/** Counters and histograms only: what may be carried over from a thread that is gone. */
function monotonic(json: MetricsJson): MetricsJson {
  return json.filter((m) => m.type === 'counter' || m.type === 'histogram');
}

async function merged(parts: MetricsJson[]): Promise<MetricsJson> {
  return (await AggregatorRegistry.aggregate(parts).getMetricsAsJSON()) as unknown as MetricsJson;
}

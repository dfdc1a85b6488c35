import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Histogram, Registry } from 'prom-client';

/**
 * The metrics every thread keeps, and the pieces every thread kind's metrics
 * module (gateway/metrics.ts, actors/metrics.ts, ingest/metrics.ts,
 * domain/metrics.ts, cli/metrics.ts) is built from.
 *
 * Each thread has its own prom-client Registry. The supervisor asks every
 * thread for `registry.getMetricsAsJSON()` and merges them with prom-client's
 * AggregatorRegistry (cli/metrics.ts): values with the same name and labels
 * are summed — counters add up, histogram buckets merge — so a metric whose
 * value belongs to one thread carries a `thread` (or `shard`) label.
 *
 * Hot paths never call prom-client: they bump plain numbers in their own
 * stats objects, which collected counters and gauges read at scrape time, and
 * per-event latencies go into FastHistogram (one array increment). Only
 * low-rate events (HTTP requests, DB queries) use prom-client's Histogram.
 */

export const DEFAULT_METRICS_PREFIX = 'bourse_';

export type Labels = Readonly<Record<string, string | number>>;
/** What a collected metric reads at scrape time: one value, or one value per label set. */
export type Samples = number | Iterable<readonly [Labels, number]>;

/** One value of a metric, as prom-client's getMetricsAsJSON() gives it (`metricName` for a histogram's _bucket/_sum/_count). */
export interface MetricValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName?: string;
}

/** One metric as prom-client's getMetricsAsJSON() gives it; `aggregator` says how AggregatorRegistry merges it. */
export interface MetricJson {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: readonly MetricValue[];
}

/** Wire shape of one thread's metrics (structured-clonable: crosses threads as is). */
export type MetricsJson = MetricJson[];

/** Supervisor → worker: send your registry. Worker → supervisor: here it is. */
export interface MetricsRequest {
  readonly type: 'metrics-request';
  readonly id: number;
}
export interface MetricsReply {
  readonly type: 'metrics-reply';
  readonly id: number;
  readonly thread: string;
  /** Absent when the registry could not be read (the supervisor then uses the thread's previous answer). */
  readonly metrics?: MetricsJson;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A metric prom-client's Registry accepts: what its get() returns is what getMetricsAsJSON() carries. */
interface CustomMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<MetricJson>;
  reset(): void;
}

/**
 * A histogram for hot paths: observe() is a scan of a few bounds and two
 * additions, no label hashing, no allocation. Exposed through a Registry in
 * prom-client's histogram shape (cumulative `_bucket{le}`, `_sum`, `_count`),
 * so it aggregates across threads like any prom-client histogram.
 */
export class FastHistogram {
  readonly labels: Labels;
  readonly #bounds: Float64Array;
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one is (last bound, +Inf). */
  readonly #counts: Float64Array;
  #sum = 0;

  constructor(bounds: readonly number[], labels: Labels = {}) {
    for (let i = 1; i < bounds.length; i++) if (!(bounds[i] > bounds[i - 1])) throw new RangeError('histogram bounds must increase');
    this.#bounds = Float64Array.from(bounds);
    this.#counts = new Float64Array(bounds.length + 1);
    this.labels = labels;
  }

  observe(value: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.#counts[i]++;
    this.#sum += value;
  }

  /** Values in prom-client's histogram JSON shape. */
  values(name: string): MetricValue[] {
    const out: MetricValue[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.#bounds.length; i++) {
      cumulative += this.#counts[i];
      const le = i < this.#bounds.length ? this.#bounds[i] : '+Inf';
      out.push({ metricName: `${name}_bucket`, labels: { ...this.labels, le }, value: cumulative } );
    }
    out.push({ metricName: `${name}_sum`, labels: { ...this.labels }, value: this.#sum } );
    out.push({ metricName: `${name}_count`, labels: { ...this.labels }, value: cumulative } );
    return out;
  }

  get count(): number {
    let n = 0;
    for (const c of this.#counts) n += c;
    return n;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
  }
}

/** Latency buckets (seconds) for things measured in microseconds to tens of milliseconds. */
export const FAST_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
/** Latency buckets (seconds) for end-to-end delivery. */
export const LATENCY_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5];
/** Latency buckets (seconds) for requests and queries. */
export const REQUEST_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One thread's registry and the metrics every thread has: event-loop delay
 * and utilisation, heap in use, Redis errors. A thread kind's metrics module
 * adds its own with counter(), gauge(), fastHistogram() and histogram().
 */
export class ThreadMetrics {
  readonly registry = new Registry();
  readonly prefix: string;
  readonly thread: string;
  readonly #redisErrors = new Map<string, number>();
  readonly #loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  #elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(prefix: string, thread: string) {
    if (prefix !== '' && !NAME.test(prefix)) throw new RangeError(`metrics prefix ${JSON.stringify(prefix)} is not a valid Prometheus name prefix`);
    this.prefix = prefix;
    this.thread = thread;
    this.#loopDelay.enable();
    const t = { thread };
    // The delay histogram is reset after each scrape, so the figures cover the last scrape interval.
    let delay = { p50: 0, p99: 0, max: 0 };
    this.gauge('event_loop_delay_p50_seconds', 'Median event-loop delay of the thread over the last scrape interval.', () => {
      const h = this.#loopDelay;
      delay = h.count > 0 ? { p50: lateBy(h.percentile(50)), p99: lateBy(h.percentile(99)), max: lateBy(h.max) } : { p50: 0, p99: 0, max: 0 };
      h.reset();
      return [[t, delay.p50]];
    });
    this.gauge('event_loop_delay_p99_seconds', '99th percentile event-loop delay of the thread over the last scrape interval.', () => [[t, delay.p99]]);
    this.gauge('event_loop_delay_max_seconds', 'Longest event-loop delay of the thread over the last scrape interval.', () => [[t, delay.max]]);
    this.gauge('event_loop_utilization_ratio', 'Share of time the thread\'s event loop was busy over the last scrape interval (0–1).', () => {
      const now = performance.eventLoopUtilization();
      const ratio = performance.eventLoopUtilization(now, this.#elu).utilization;
      this.#elu = now;
      return [[t, Number.isFinite(ratio) ? ratio : 0]];
    });
    this.gauge('heap_used_bytes', 'V8 heap in use by the thread (each worker thread has its own isolate).', () => [[t, getHeapStatistics().used_heap_size]]);
    this.counter('redis_errors_total', 'Redis commands or connections that failed, by operation.', () => [...this.#redisErrors].map(([operation, n]) => [{ operation }, n] as const));
  }

  /** Counts one failed Redis operation (see countRedisError for code without a ThreadMetrics at hand). */
  redisError(operation: string): void {
    this.#redisErrors.set(operation, (this.#redisErrors.get(operation) ?? 0) + 1);
  }

  /** A counter read from the code's own tallies at scrape time. */
  counter(name: string, help: string, read: () => Samples | Promise<Samples>): void {
    this.#collected(name, help, 'counter', read);
  }

  /** A gauge read at scrape time (may be async: e.g. a server's answer, with a timeout). */
  gauge(name: string, help: string, read: () => Samples | Promise<Samples>): void {
    this.#collected(name, help, 'gauge', read);
  }

  /** A hot-path histogram (one child per fixed label set). */
  fastHistogram(name: string, help: string, buckets: readonly number[], labels: Labels = {}): FastHistogram {
    const h = new FastHistogram(buckets, labels);
    const full = this.#name(name);
    this.#register({ name: full, help, type: 'histogram', aggregator: 'sum', get: async () => ({ name: full, help, type: 'histogram', aggregator: 'sum', values: h.values(full) }), reset: () => h.reset() });
    return h;
  }

  /** A prom-client histogram, for low-rate events with free labels (requests, queries). */
  histogram<L extends string>(name: string, help: string, buckets: readonly number[], labelNames: readonly L[]): Histogram<L> {
    return new Histogram<L>({ name: this.#name(name), help, buckets: [...buckets], labelNames, registers: [this.registry] });
  }

  /** This thread's metrics, in the shape the supervisor aggregates. */
  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as unknown as Promise<MetricsJson>;
  }

  /** Every metric name this registry exposes (tests, docs). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }

  #name(name: string): string {
    const full = this.prefix + name;
    if (!NAME.test(full)) throw new RangeError(`${full} is not a valid metric name`);
    return full;
  }

  #collected(name: string, help: string, type: 'counter' | 'gauge', read: () => Samples | Promise<Samples>): void {
    const full = this.#name(name);
    this.#register({
      name: full,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name: full, help, type, aggregator: 'sum', values: samples(await read()) }),
      reset: () => undefined,
    });
  }

  #register(m: CustomMetric): void {
    this.registry.registerMetric(m as never);
  }
}

/** Sampling timer of the event-loop delay monitor, ms. */
const LOOP_RESOLUTION_MS = 10;

/** monitorEventLoopDelay records the whole interval between its timer's runs (ns): the delay is what exceeds the timer's period. */
function lateBy(intervalNs: number): number {
  return Math.max(0, intervalNs / 1e6 - LOOP_RESOLUTION_MS) / 1000;
}

function samples(s: Samples): MetricValue[] {
  if (typeof s === 'number') return [{ labels: {}, value: s } as MetricValue];
  const out: MetricValue[] = [];
  for (const [labels, value] of s) {
    for (const k of Object.keys(labels)) if (!LABEL.test(k)) throw new RangeError(`${k} is not a valid label name`);
    out.push({ labels: { ...labels }, value } );
  }
  return out;
}

/**
 * This thread's ThreadMetrics, once its metrics module created it: the hook
 * for code that has no registry at hand (a Redis client's error handler calls
 * countRedisError). One per thread: each worker has its own module instance.
 */
let current: ThreadMetrics | undefined;

export function setThreadMetrics(m: ThreadMetrics): void {
  current = m;
}

/** Counts a failed Redis operation (`command`, `connect`, `script`…) in this thread's registry; a no-op before one exists. */
export function countRedisError(operation: string): void {
  current?.redisError(operation);
}

/** The narrow part of a worker's parentPort the metrics exchange needs. */
export interface MetricsPort {
  on(event: 'message', listener: (m: unknown) => void): unknown;
  postMessage(m: unknown): void;
}

/**
 * Answers the supervisor's metrics requests on `port` (a worker's parentPort)
 * with this thread's registry. Other messages are left to the thread's own
 * handler. Attach it where the thread attaches its own message handler.
 */
export function serveMetrics(port: MetricsPort, metrics: ThreadMetrics): void {
  port.on('message', (m) => {
    const r = m as Partial<MetricsRequest> | null;
    if (r?.type !== 'metrics-request' || typeof r.id !== 'number') return;
    const id = r.id;
    metrics.json().then(
      (json) => port.postMessage({ type: 'metrics-reply', id, thread: metrics.thread, metrics: json } satisfies MetricsReply),
      () => port.postMessage({ type: 'metrics-reply', id, thread: metrics.thread } satisfies MetricsReply),
    );
  });
}

/** One hook that calls each given observer (metrics and tracing share openDatabase's onQuery and HttpApi's observe). */
export function observeAll<A extends unknown[]>(...observers: (((...args: A) => void) | undefined)[]): (...args: A) => void {
  const list = observers.filter((o): o is (...args: A) => void => o !== undefined);
  return list.length === 1 ? list[0] : (...args) => list.forEach((o) => o(...args));
}

import assert from 'node:assert/strict';
import { DEFAULT_METRICS_PREFIX, ThreadStatus, loadConfig, statusSlots, type ThreadMetrics } from '../../core/index.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { ShardMetrics } from '../../actors/metrics.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { StoreMetrics } from '../../domain/metrics.js';
import { MetricsAggregator, mainMetrics } from '../../cli/metrics.js';

/** One registry of every thread kind, built standalone (no threads, no sources): the full set of metric names. */
export function everyRegistry(prefix = DEFAULT_METRICS_PREFIX): Record<string, ThreadMetrics> {
  const config = loadConfig({ GATEWAY_THREADS: '1', SHARDS: '1' });
  const slots = statusSlots(config);
  const status = new ThreadStatus(ThreadStatus.allocate(slots.length), slots);
  const main = mainMetrics(prefix, status);
  new MetricsAggregator(main, () => []);
  return {
    main,
    gateway: new GatewayMetrics(prefix, 'gateway-0').base,
    shard: new ShardMetrics(prefix, 0).base,
    ingest: new IngestMetrics(prefix).base,
    store: new StoreMetrics(prefix).base,
  };
}

/** Every metric (name → type) the process exposes, as the registries declare them. */
export async function everyMetric(prefix = DEFAULT_METRICS_PREFIX): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of Object.values(everyRegistry(prefix))) for (const m of await r.json()) out.set(m.name, m.type);
  return out;
}

/** Metric names in a Prometheus text exposition (the base names: histogram series fold into their metric). */
export function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/** Series → value from a Prometheus text exposition; the key is seriesKey(name, labels). Asserts that every line parses. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.set(seriesKey(m[1], labels), Number(m[4]));
  }
  return out;
}

/** A series' key: `name{a="x",b="y"}` with the labels sorted, or the bare name without labels. */
export function seriesKey(name: string, labels: Readonly<Record<string, string | number>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k])}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

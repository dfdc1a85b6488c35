import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry } from 'prom-client';
import { FastHistogram, ThreadMetrics, countRedisError, createLogger, serveMetrics, setThreadMetrics, type MetricsJson } from '../../core/index.js';
import { RedisConnection } from '../../core/speed/redis-connection.js';
import { until } from '../helpers/server.js';

test('FastHistogram buckets are cumulative and inclusive of their upper bound, like Prometheus le', () => {
  const h = new FastHistogram([1, 5, 10]);
  for (const v of [0.5, 1, 1.01, 5, 9, 10, 11, 1000]) h.observe(v);
  const values = h.values('x');
  const bucket = (le: number | string) => values.find((v) => v.metricName === 'x_bucket' && v.labels.le === le)!.value;
  assert.equal(bucket(1), 2);
  assert.equal(bucket(5), 4);
  assert.equal(bucket(10), 6);
  assert.equal(bucket('+Inf'), 8);
  assert.equal(values.find((v) => v.metricName === 'x_count')!.value, 8);
  assert.equal(values.find((v) => v.metricName === 'x_sum')!.value, 0.5 + 1 + 1.01 + 5 + 9 + 10 + 11 + 1000);
  assert.throws(() => new FastHistogram([1, 1]), /increase/);
});

test('two threads\' registries aggregate: counters summed, histograms merged, thread-labelled gauges kept apart', async () => {
  const tallies = [5, 7];
  const threads = tallies.map((n, i) => {
    const m = new ThreadMetrics('t_', `gateway-${i}`);
    m.counter('frames_total', 'frames', () => [[{ format: 'json' }, n]]);
    m.gauge('connections', 'open', () => [[{ thread: m.thread }, n * 10]]);
    const h = m.fastHistogram('latency_seconds', 'latency', [0.01, 0.1]);
    h.observe(0.005 * (i + 1));
    h.observe(0.5);
    return m;
  });
  const jsons: MetricsJson[] = await Promise.all(threads.map((t) => t.json()));
  const text = await AggregatorRegistry.aggregate(jsons).metrics();
  assert.match(text, /^t_frames_total\{format="json"\} 12$/m);
  assert.match(text, /^t_connections\{thread="gateway-0"\} 50$/m);
  assert.match(text, /^t_connections\{thread="gateway-1"\} 70$/m);
  assert.match(text, /^t_latency_seconds_bucket\{le="0.01"\} 2$/m);
  assert.match(text, /^t_latency_seconds_bucket\{le="\+Inf"\} 4$/m);
  assert.match(text, /^t_latency_seconds_count 4$/m);
  assert.match(text, /^# TYPE t_latency_seconds histogram$/m);
  assert.match(text, /^t_event_loop_utilization_ratio\{thread="gateway-1"\} /m);
});

test('countRedisError counts in the current thread\'s registry, by operation', async () => {
  countRedisError('command'); // before any registry: a no-op, not a crash
  const m = new ThreadMetrics('r_', 'store');
  setThreadMetrics(m);
  countRedisError('command');
  countRedisError('command');
  countRedisError('connect');
  const redis = (await m.json()).find((x) => x.name === 'r_redis_errors_total')!;
  assert.deepEqual(redis.values.map((v) => [v.labels.operation, v.value]), [['command', 2], ['connect', 1]]);
});

test('invalid names and labels are refused', () => {
  assert.throws(() => new ThreadMetrics('bad-prefix', 'main'), /prefix/);
  const m = new ThreadMetrics('ok_', 'main');
  assert.throws(() => m.counter('has space_total', 'x', () => 0), /valid metric name/);
});

test('serveMetrics answers metrics requests and ignores every other message', async () => {
  const m = new ThreadMetrics('s_', 'shard-3');
  const sent: unknown[] = [];
  let listener: (msg: unknown) => void = () => undefined;
  serveMetrics({ on: (_e, l) => (listener = l), postMessage: (x) => sent.push(x) }, m);
  listener({ type: 'stop' });
  listener(null);
  listener({ type: 'metrics-request', id: 9 });
  await until(() => sent.length > 0, 5000, 'the metrics reply');
  assert.equal(sent.length, 1);
  const reply = sent[0] as { type: string; id: number; thread: string; metrics: MetricsJson };
  assert.equal(reply.type, 'metrics-reply');
  assert.equal(reply.id, 9);
  assert.equal(reply.thread, 'shard-3');
  assert.ok(reply.metrics.some((x) => x.name === 's_heap_used_bytes'));
});

test('a registry that cannot be read answers without metrics, so the supervisor keeps the previous figures', async () => {
  const m = new ThreadMetrics('e_', 'ingest');
  m.counter('broken_total', 'x', () => {
    throw new Error('source gone');
  });
  const sent: { metrics?: unknown }[] = [];
  let listener: (msg: unknown) => void = () => undefined;
  serveMetrics({ on: (_e, l) => (listener = l), postMessage: (x) => sent.push(x as { metrics?: unknown }) }, m);
  listener({ type: 'metrics-request', id: 1 });
  await until(() => sent.length > 0, 5000, 'the reply without metrics');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].metrics, undefined);
});

test('a Redis connection that fails counts redis_errors_total{operation="connection"} in its thread', async () => {
  const m = new ThreadMetrics('rc_', 'gateway-0');
  setThreadMetrics(m);
  // Nothing listens on port 1: the client reports an error and keeps reconnecting.
  const conn = new RedisConnection({ url: 'redis://127.0.0.1:1', name: 'metrics-test', log: createLogger('silent', { thread: 'test' }) });
  try {
    await until(async () => {
      const redis = (await m.json()).find((x) => x.name === 'rc_redis_errors_total')!;
      return redis.values.some((v) => v.labels.operation === 'connection' && v.value >= 1);
    }, 5000, 'a counted connection error');
  } finally {
    await conn.close();
  }
});

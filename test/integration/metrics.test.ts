import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SymbolDirectory, type MetricsJson } from '../../core/index.js';
import type { ServerHandle } from '../../cli/supervisor.js';
import { injectTrades, sleep, startTestServer, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { everyMetric, exposedNames, parseExposition, seriesKey } from '../helpers/metrics.js';

/** Per-thread registries summed the way the aggregation should: one value per series (counters and histograms only when `monotonic`). */
function sumThreads(jsons: MetricsJson[], types: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const json of jsons) {
    for (const m of json) {
      if (!types.has(m.type)) continue;
      for (const v of m.values) {
        const k = seriesKey(v.metricName ?? m.name, v.labels);
        out.set(k, (out.get(k) ?? 0) + v.value);
      }
    }
  }
  return out;
}

async function threadJsons(server: ServerHandle): Promise<MetricsJson[]> {
  const names = Object.keys(server.threads()).filter((n) => n !== 'nats');
  const jsons = await Promise.all(names.map((n) => server.metricsAggregator.request(server.worker(n)!)));
  jsons.forEach((j, i) => assert.ok(j, `${names[i]} answered`));
  return jsons as MetricsJson[];
}

async function scrape(server: ServerHandle): Promise<{ text: string; series: Map<string, number> }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, series: parseExposition(text) };
}

let server: ServerHandle;
before(async () => {
  server = await startTestServer({ RESTART_BACKOFF_MS: '50' });
});
after(() => server.stop());

const COUNTERS = new Set(['counter', 'histogram']);

test('/metrics on a gateway is the sum of every thread\'s registry, and names what the traffic did', async () => {
  const json = [await TestClient.connect(server.port, 'json'), await TestClient.connect(server.port, 'json')];
  const pack = await TestClient.connect(server.port, 'msgpack');
  for (const c of [...json, pack]) {
    c.send({ op: 'subscribe', symbols: ['AAPL', 'MSFT', 'NVDA'], channels: ['quotes', 'trades'] });
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'NVDA');
  }
  for (let i = 0; i < 5; i++) {
    injectTrades(server, ['AAPL', 'MSFT', 'NVDA'], 100 + i);
    for (const c of [...json, pack]) await c.next((m) => m.type === 'quote' && m.symbol === 'NVDA' && m.last === 100 + i);
  }
  const bars = await fetch(`http://127.0.0.1:${server.port}/v1/bars/AAPL`);
  assert.equal(bars.status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/v1/quotes/AAPL`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/v1/quotes/NOPE9`)).status, 404);
  await sleep(150); // let the last flush window settle everywhere

  // Counters and histograms: before ≤ aggregated ≤ after, series by series (shards keep flushing meanwhile).
  const beforeSum = sumThreads(await threadJsons(server), COUNTERS);
  const { text, series } = await scrape(server);
  const afterSum = sumThreads(await threadJsons(server), COUNTERS);
  assert.ok(beforeSum.size > 50, `${beforeSum.size} monotonic series`);
  for (const [k, lo] of beforeSum) {
    const hi = afterSum.get(k) ?? lo;
    const got = series.get(k);
    assert.ok(got !== undefined, `${k} is in the exposition`);
    assert.ok(got >= lo && got <= hi, `${k}: ${lo} ≤ ${got} ≤ ${hi}`);
  }
  // What nothing touches between the reads is equal outright.
  for (const k of ['bourse_ws_connects_total{protocol="json"}', 'bourse_ws_frames_sent_total{channel="quotes",format="msgpack"}', 'bourse_tick_to_wire_seconds_count', 'bourse_shard_ticks_total{shard="0"}']) {
    assert.equal(series.get(k), beforeSum.get(k), k);
  }

  // The traffic, as the metrics tell it.
  assert.equal(series.get('bourse_ws_connects_total{protocol="json"}'), 2);
  assert.equal(series.get('bourse_ws_connects_total{protocol="msgpack"}'), 1);
  const open = (p: string) => [0, 1].reduce((n, g) => n + (series.get(`bourse_ws_connections{protocol="${p}",thread="gateway-${g}"}`) ?? 0), 0);
  assert.equal(open('json'), 2);
  assert.equal(open('msgpack'), 1);
  const subs = [0, 1].reduce((n, g) => n + (series.get(`bourse_ws_subscriptions{channel="quotes",thread="gateway-${g}"}`) ?? 0), 0);
  assert.equal(subs, 9, '3 clients × 3 symbols on quotes');
  const directory = new SymbolDirectory(server.universe, 2);
  const perShard = [0, 0];
  for (const s of ['AAPL', 'MSFT', 'NVDA']) perShard[directory.shardOf[server.universe.id(s)]] += 5;
  assert.equal(series.get('bourse_shard_ticks_total{shard="0"}'), perShard[0]);
  assert.equal(series.get('bourse_shard_ticks_total{shard="1"}'), perShard[1]);
  assert.equal(series.get('bourse_ingest_ticks_routed_total'), 15);
  assert.ok(series.get('bourse_ws_frames_sent_total{channel="quotes",format="json"}')! >= 15, 'quote frames published in JSON');
  assert.ok(series.get('bourse_ws_frames_sent_total{channel="trades",format="msgpack"}')! >= 15, 'trades frames published in msgpack');
  assert.ok(series.get('bourse_ws_bytes_sent_total{channel="replies",format="json"}')! > 0, 'snapshots are replies');
  const wire = series.get('bourse_tick_to_wire_seconds_count')!;
  assert.ok(wire >= 15, `tick-to-wire observed per quote and trades frame (${wire})`);
  assert.equal(series.get('bourse_tick_to_wire_seconds_bucket{le="+Inf"}'), wire);
  assert.ok(series.get('bourse_tick_to_wire_seconds_sum')! > 0);
  assert.ok(series.get('bourse_tick_to_wire_seconds_sum')! / wire < 5, 'a plausible mean latency (seconds)');
  assert.ok(series.get('bourse_http_request_duration_seconds_count{method="GET",route="/v1/bars/:symbol",status="200"}')! >= 1);
  assert.equal(series.get('bourse_http_request_duration_seconds_count{method="GET",route="/v1/quotes/:symbol",status="200"}'), 1);
  assert.equal(series.get('bourse_http_request_duration_seconds_count{method="GET",route="/v1/quotes/:symbol",status="404"}'), 1);
  assert.ok(series.get('bourse_store_rpc_duration_seconds_count{method="bars.list",outcome="ok"}')! >= 1);
  assert.ok(series.get('bourse_db_query_duration_seconds_count{operation="select",outcome="ok",table="bars_1m"}')! >= 1);
  assert.ok(series.get('bourse_shard_flush_duration_seconds_count{shard="0"}')! > 0);
  for (const thread of ['main', 'gateway-0', 'gateway-1', 'shard-0', 'shard-1', 'ingest', 'store']) {
    assert.ok(series.has(`bourse_event_loop_delay_p99_seconds{thread="${thread}"}`), `event-loop delay of ${thread}`);
  }
  assert.equal(series.get('bourse_thread_up{thread="store"}'), 1);
  // Default process metrics once.
  assert.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1);
  assert.ok(series.get('process_resident_memory_bytes')! > 0);

  // Every registered metric is in the live exposition.
  const exposed = exposedNames(text);
  for (const name of (await everyMetric()).keys()) assert.ok(exposed.has(name), `${name} is exposed`);
  for (const c of [...json, pack]) c.close();
});

test('a restarted shard does not take its counters backwards', async () => {
  const directory = new SymbolDirectory(server.universe, 2);
  const shard = directory.shardOf[server.universe.id('AAPL')];
  const name = `shard-${shard}`;
  const ticks = `bourse_shard_ticks_total{shard="${shard}"}`;
  injectTrades(server, ['AAPL'], 150);
  await sleep(100);
  const before = (await scrape(server)).series.get(ticks)!;
  assert.ok(before > 0);
  server.worker(name)!.postMessage({ type: 'fault' });
  await until(() => server.restarts()[name] === 1, 5000, 'restart counted');
  await until(() => server.threads()[name] === 'ready', 5000, 'shard ready again');
  injectTrades(server, ['AAPL'], 151);
  await sleep(100);
  const { series } = await scrape(server);
  assert.equal(series.get(ticks), before + 1, 'the old thread\'s ticks are kept as a baseline');
  assert.equal(series.get(`bourse_thread_restarts_total{thread="${name}"}`), 1);
});

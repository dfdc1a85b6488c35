import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { after, test } from 'node:test';
import { ThreadMetrics } from '../../core/index.js';
import { MetricsAggregator, type MetricsSource } from '../../cli/metrics.js';
import { parseExposition } from '../helpers/metrics.js';

const url = new URL('./fixtures/metrics-worker.js', import.meta.url);
const workers: Worker[] = [];
const spawn = (thread: string, ticks: number): Worker => {
  const w = new Worker(url, { workerData: { thread, ticks } });
  workers.push(w);
  return w;
};
after(() => Promise.all(workers.map((w) => w.terminate())));

test('the aggregator sums threads, keeps a silent thread\'s last figures, and carries a replaced thread\'s counters', async () => {
  const sources: { name: string; worker: Worker | undefined }[] = [
    { name: 'shard-0', worker: spawn('shard-0', 10) },
    { name: 'shard-1', worker: spawn('shard-1', 5) },
  ];
  const agg = new MetricsAggregator(new ThreadMetrics('fx_', 'main'), (): readonly MetricsSource[] => sources, 500);
  const collect = async () => {
    const { text } = await agg.collect();
    return { text, series: parseExposition(text) };
  };
  // Threads answer once their module has loaded.
  for (const s of sources) assert.ok(await agg.request(s.worker!, 10_000), `${s.name} answers`);

  let scrape = await collect();
  assert.equal(scrape.series.get('fx_ticks_total'), 15, 'summed');
  assert.equal(scrape.series.get('fx_open{thread="shard-0"}'), 1);
  assert.equal(scrape.series.get('fx_open{thread="shard-1"}'), 1);

  // shard-1 stops answering: its last answer stands in, and the timeout is counted.
  sources[1].worker!.postMessage({ type: 'mute' });
  sources[0].worker!.postMessage({ type: 'add', n: 1 });
  scrape = await collect();
  assert.equal(scrape.series.get('fx_ticks_total'), 16);
  assert.equal(scrape.series.get('fx_metrics_collect_timeouts_total{thread="shard-1"}'), 1);

  // shard-0 crashes: between crash and restart its counters stand in, its gauges go.
  await sources[0].worker!.terminate();
  sources[0].worker = undefined;
  scrape = await collect();
  assert.equal(scrape.series.get('fx_ticks_total'), 16);
  assert.equal(scrape.series.get('fx_open{thread="shard-0"}'), undefined);

  // ...and restarts from 0: the old thread's 11 are a baseline, the sum never goes backwards.
  sources[0].worker = spawn('shard-0', 2);
  assert.ok(await agg.request(sources[0].worker, 10_000));
  scrape = await collect();
  assert.equal(scrape.series.get('fx_ticks_total'), 11 + 2 + 5);
  assert.equal(scrape.series.get('fx_open{thread="shard-0"}'), 1);
  // Default process metrics come from the main registry once.
  assert.equal(scrape.text.match(/^# TYPE process_cpu_seconds_total /gm), null, 'a bare ThreadMetrics has no default metrics; mainMetrics adds them');
});

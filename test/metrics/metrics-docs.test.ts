import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_METRICS_PREFIX, loadConfig } from '../../core/index.js';
import { everyMetric } from '../helpers/metrics.js';

const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');

/** Rows of every table: | `name` | type | labels | meaning |. */
function documented(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([a-zA-Z_:][a-zA-Z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!name || cells.length < 6) continue;
    assert.ok(!rows.has(name), `${name} is documented once`);
    rows.set(name, { type: cells[2], labels: cells[3] ? cells[3].split(',').map((l) => l.trim()) : [] });
  }
  return rows;
}

test('docs/metrics.md lists exactly the Bourse metrics the registries declare, with their types', async () => {
  const registered = await everyMetric();
  const docs = documented();
  const ours = (names: Iterable<string>) => [...names].filter((n) => n.startsWith(DEFAULT_METRICS_PREFIX)).sort();
  assert.deepEqual(ours(docs.keys()), ours(registered.keys()));
  for (const [name, { type }] of docs) {
    assert.ok(registered.has(name), `${name} (documented) is registered`);
    assert.equal(type, registered.get(name), `${name}: type`);
  }
});

test('metric names follow Prometheus conventions: counters end in _total, units are spelt out', async () => {
  for (const [name, type] of await everyMetric()) {
    if (!name.startsWith(DEFAULT_METRICS_PREFIX)) continue;
    if (type === 'counter') assert.match(name, /_total$/, name);
    else assert.doesNotMatch(name, /_total$/, `${name} is a ${type}`);
    if (/(duration|delay|wait|latency|wire)/.test(name)) assert.match(name, /_seconds(_total)?$/, `${name} names its unit`);
  }
});

test('METRICS_PREFIX renames every Bourse metric and is validated', async () => {
  assert.equal(loadConfig({}).metricsPrefix, 'bourse_');
  assert.equal(loadConfig({ METRICS_PREFIX: 'acme_rt_' }).metricsPrefix, 'acme_rt_');
  assert.throws(() => loadConfig({ METRICS_PREFIX: '9bad-' }), (e: { code?: string; message: string }) => e.code === 'config_invalid' && /METRICS_PREFIX/.test(e.message));
  const renamed = [...(await everyMetric('acme_rt_')).keys()];
  const standard = [...(await everyMetric()).keys()];
  assert.equal(renamed.length, standard.length);
  for (const n of standard) assert.ok(renamed.includes(n.startsWith(DEFAULT_METRICS_PREFIX) ? `acme_rt_${n.slice(DEFAULT_METRICS_PREFIX.length)}` : n), n);
});

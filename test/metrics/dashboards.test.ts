import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../core/index.js';
import { everyMetric } from '../helpers/metrics.js';

const root = new URL('../../../', import.meta.url);
const dir = new URL('grafana/dashboards/', root);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly { readonly expr: string }[];
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly query: { readonly query: string } | string }[] };
}

const dashboards = files.map((f) => ({ file: f, d: JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Dashboard }));

/** PromQL words that are not metric names. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group', 'inf', 'nan']);

/** Metric names a PromQL expression selects (label matchers, grouping labels, functions, durations and Grafana variables left out). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables
  const out: string[] = [];
  for (const m of s.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1].toLowerCase())) continue; // a function call or a keyword
    out.push(m[1]);
  }
  return out;
}

function panels(list: readonly Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
}

test('the PromQL name extraction finds metrics and nothing else', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (shard, le) (rate(bourse_x_bucket{shard=~"$shard"}[$__rate_interval])))'), ['bourse_x_bucket']);
  assert.deepEqual(metricNames('sum(rate(a_total[5m])) / sum by (code) (rate(b_total{code!="1000"}[1m])) > 0.5'), ['a_total', 'b_total']);
  assert.deepEqual(metricNames('process_resident_memory_bytes'), ['process_resident_memory_bytes']);
});

test('there are the four dashboards, each with a unique uid and panels', () => {
  assert.deepEqual(dashboards.map((x) => x.d.uid).sort(), ['bourse-ingest', 'bourse-overview', 'bourse-realtime', 'bourse-storage']);
  for (const { file, d } of dashboards) {
    assert.equal(`${d.uid}.json`, file);
    assert.ok(panels(d.panels).filter((p) => p.type !== 'row').length >= 6, `${d.title} has panels`);
  }
});

test('every metric a dashboard queries exists in the registries', async () => {
  const registered = await everyMetric();
  const exists = (name: string): boolean => {
    if (registered.has(name)) return true;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return base !== name && registered.get(base) === 'histogram';
  };
  let queries = 0;
  for (const { d } of dashboards) {
    for (const p of panels(d.panels)) {
      if (p.type === 'row') continue;
      assert.equal(p.datasource?.uid, 'prometheus', `${d.title} / ${p.title}: the provisioned Prometheus datasource`);
      assert.ok(p.targets?.length, `${d.title} / ${p.title} has queries`);
      for (const t of p.targets!) {
        const names = metricNames(t.expr);
        assert.ok(names.length > 0, `${d.title} / ${p.title}: ${t.expr} selects a metric`);
        for (const n of names) assert.ok(exists(n), `${d.title} / ${p.title}: ${n} (in ${t.expr}) is not a registered metric`);
        queries++;
      }
    }
    for (const v of d.templating.list) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const name = /label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(q)?.[1];
      assert.ok(name && exists(name), `${d.title}: variable query ${q}`);
    }
  }
  assert.ok(queries > 60, `${queries} queries checked`);
});

test('provisioning, the Prometheus scrape config and docker-compose.yml fit together', () => {
  const yaml = (path: string) => parse(readFileSync(new URL(path, root), 'utf8'));
  const ds = yaml('grafana/provisioning/datasources/datasources.yml');
  assert.ok(ds.datasources.some((d: { uid: string; type: string }) => d.uid === 'prometheus' && d.type === 'prometheus'));
  assert.ok(ds.datasources.some((d: { type: string }) => d.type === 'tempo'));
  const provider = yaml('grafana/provisioning/dashboards/bourse.yml').providers[0];
  const prom = yaml('grafana/prometheus.yml');
  const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'bourse');
  assert.equal(job.metrics_path, '/metrics');
  assert.deepEqual(job.static_configs[0].targets, ['bourse:8080']);
  const compose = yaml('docker-compose.yml');
  for (const s of ['bourse', 'nats', 'redis', 'postgres', 'prometheus', 'grafana', 'otel-collector', 'tempo']) assert.ok(compose.services[s], `compose service ${s}`);
  assert.equal(compose.services.bourse.build, '.');
  assert.equal(compose.services.bourse.environment.PORT, '8080');
  // The environment compose gives Bourse is a valid configuration (`${VAR:-default}` as Compose expands it when VAR is unset).
  const env = Object.fromEntries(
    Object.entries(compose.services.bourse.environment as Record<string, string>).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );
  const config = loadConfig(env);
  assert.equal(config.metricsPrefix, 'bourse_', 'the dashboards assume the default prefix');
  assert.equal(config.natsUrl, 'nats://nats:4222');
  const mounts: string[] = Object.values(compose.services as Record<string, { volumes?: string[] }>).flatMap((s) => s.volumes ?? []);
  for (const m of mounts.filter((v) => v.startsWith('./'))) assert.ok(existsSync(new URL(m.split(':')[0], root)), `${m} exists`);
  assert.ok(mounts.includes(`./grafana/dashboards:${provider.options.path}:ro`), 'Grafana sees the dashboards where the provider looks');
});

import autocannon from 'autocannon';

/**
 * autocannon against REST hot paths of a running server. A path template's
 * `{symbol}` (or `{prefix}`) is filled from the symbol list, and each connection cycles
 * through those requests, so a run touches many symbols rather than one
 * cached answer.
 */

export interface HttpRun {
  readonly path: string;
  readonly connections: number;
  readonly durationS: number;
  readonly requestsPerS: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly status: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  readonly mbPerS: number;
}

/** At most this many distinct requests per path template. */
const MAX_VARIANTS = 50;

/** `{symbol}` becomes a ticker, `{prefix}` its first two letters in lower case (what a search box sends while typing). */
export function expandPath(template: string, symbols: readonly string[]): string[] {
  if (!template.includes('{symbol}') && !template.includes('{prefix}')) return [template];
  const variants = symbols.slice(0, MAX_VARIANTS).map((s) =>
    template.replaceAll('{symbol}', encodeURIComponent(s)).replaceAll('{prefix}', encodeURIComponent(s.slice(0, 2).toLowerCase())),
  );
  return [...new Set(variants)];
}

export async function runHttp(baseUrl: string, template: string, symbols: readonly string[], connections: number, durationS: number): Promise<HttpRun> {
  const requests = expandPath(template, symbols).map((path) => ({ method: 'GET' as const, path }));
  const r = await autocannon({ url: baseUrl, connections, duration: durationS, requests });
  const status: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) status[code] = v.count ?? 0;
  return {
    path: template,
    connections,
    durationS,
    requestsPerS: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Math.round(r.latency.mean * 100) / 100 },
    status,
    errors: r.errors,
    timeouts: r.timeouts,
    mbPerS: Math.round((r.throughput.average / 1e6) * 100) / 100,
  };
}

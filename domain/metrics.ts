import { REQUEST_SECONDS_BUCKETS, ThreadMetrics, setThreadMetrics } from '../core/index.js';
import type { RpcHandler } from '../core/rpc.js';
import type { Histogram } from 'prom-client';

/** Distinct `table` label values kept; further tables count as `other` (cardinality guard). */
const MAX_TABLES = 64;

/**
 * The store thread's registry: every database query (Kysely's log hook, via
 * openDatabase's onQuery) by operation, table and outcome, and every store RPC
 * by method and outcome.
 */
export class StoreMetrics {
  readonly base: ThreadMetrics;
  readonly #query: Histogram<'operation' | 'table' | 'outcome'>;
  readonly #rpc: Histogram<'method' | 'outcome'>;
  readonly #tables = new Set<string>();

  constructor(prefix: string) {
    const m = (this.base = new ThreadMetrics(prefix, 'store'));
    setThreadMetrics(m);
    this.#query = m.histogram('db_query_duration_seconds', 'Database query time, by operation (select, insert, update, delete, other), main table and outcome (ok, error).', REQUEST_SECONDS_BUCKETS, ['operation', 'table', 'outcome']);
    this.#rpc = m.histogram('store_rpc_duration_seconds', 'Store-thread RPC handling time (gateway → store), by method and outcome (ok, error).', REQUEST_SECONDS_BUCKETS, ['method', 'outcome']);
  }

  /** openDatabase's onQuery hook. */
  readonly onQuery = (e: { sql: string; ms: number; failed: boolean }): void => {
    const { operation, table } = describeQuery(e.sql);
    let t = table;
    if (!this.#tables.has(t)) {
      if (this.#tables.size >= MAX_TABLES) t = 'other';
      else this.#tables.add(t);
    }
    this.#query.observe({ operation, table: t, outcome: e.failed ? 'error' : 'ok' }, e.ms / 1000);
  };

  /** Wraps an RPC handler so its duration and outcome are observed. */
  timed(method: string, h: RpcHandler): RpcHandler {
    return async (params, meta) => {
      const started = performance.now();
      let outcome = 'error';
      try {
        const r = await h(params, meta);
        outcome = 'ok';
        return r;
      } finally {
        this.#rpc.observe({ method, outcome }, (performance.now() - started) / 1000);
      }
    };
  }
}

const OPERATIONS = new Set(['select', 'insert', 'update', 'delete']);

/** The statement's verb and the table it is mainly about (`"bars_1m"`, `bars_1m`), from Kysely's SQL. */
export function describeQuery(sql: string): { operation: string; table: string } {
  const s = sql.trimStart();
  const verb = /^\w+/.exec(s)?.[0].toLowerCase() ?? '';
  const operation = OPERATIONS.has(verb) ? verb : 'other';
  const re = operation === 'insert' ? /\binto\s+"?([a-z_][a-z0-9_]*)"?/i : operation === 'update' ? /^update\s+"?([a-z_][a-z0-9_]*)"?/i : /\bfrom\s+"?([a-z_][a-z0-9_]*)"?/i;
  const table = operation === 'other' ? 'none' : (re.exec(s)?.[1]?.toLowerCase() ?? 'none');
  return { operation, table };
}

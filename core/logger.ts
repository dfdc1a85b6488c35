import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino, JSON lines on stdout): one root logger per thread,
 * carrying the thread name (and shard, for shards) in every line — child
 * loggers inherit them, and a field about another thread is named `worker`,
 * never `thread`. The level is LOG_LEVEL. While a traced operation is active
 * (tracing on, core/tracing), a line also carries its `trace_id` and `span_id`,
 * so logs and traces meet.
 */
export function createLogger(level: string, bindings: { thread: string; shard?: number }, destination?: { write(line: string): void }): Logger {
  const options = { level, base: { pid: process.pid, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime, mixin: traceFields };
  return destination ? pino(options, destination) : pino(options);
}

const NONE = {};

function traceFields(): object {
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

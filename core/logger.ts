import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino, JSON lines on stdout): one root logger per thread,
 * carrying the thread name (and shard, for shards) in every line.
 */
export function createLogger(level: string, bindings: { thread: string; shard?: number }): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}

import type { Config } from './config.js';
import { SymbolDirectory } from './directory.js';
import { createLogger, type Logger } from './logger.js';
import { ThreadStatus, threadSlots, type ThreadSlot } from './thread-status.js';
import { Universe, type Company } from './universe.js';

/** What every worker thread receives from the supervisor, whatever its role. */
export interface WorkerBaseData {
  readonly config: Config;
  readonly companies: readonly Company[];
  readonly status: SharedArrayBuffer;
}

export interface WorkerContext {
  readonly config: Config;
  readonly universe: Universe;
  readonly directory: SymbolDirectory;
  readonly status: ThreadStatus;
  readonly log: Logger;
}

/** The status table's slots for this configuration: every thread, plus NATS when it is configured, plus Redis (optional) when it is. */
export function statusSlots(config: Config): ThreadSlot[] {
  return threadSlots(config.gatewayThreads, config.shards, config.natsUrl ? ['nats'] : [], config.redisUrl ? ['redis'] : []);
}

/** The views every worker builds from its base data: universe, directory, status table, its logger. */
export function workerContext(data: WorkerBaseData, thread: string, shard?: number): WorkerContext {
  const { config } = data;
  const universe = new Universe(data.companies);
  return {
    config,
    universe,
    directory: new SymbolDirectory(universe, config.shards),
    status: new ThreadStatus(data.status, statusSlots(config)),
    log: createLogger(config.logLevel, shard === undefined ? { thread } : { thread, shard }),
  };
}

import type { Config } from './config.js';
import { SymbolDirectory, type DirectoryLayout } from './directory.js';
import { createLogger, type Logger } from './logger.js';
import { nameThisThread } from './thread-name.js';
import { ThreadStatus, threadSlots, type ThreadSlot } from './thread-status.js';
import { Universe, type Company, type UniverseChange } from './universe.js';

/** What every worker thread receives from the supervisor, whatever its role. */
export interface WorkerBaseData {
  readonly config: Config;
  /** The universe as it is now (it may have grown since the server started). */
  readonly companies: readonly Company[];
  /** The shared tables' room, fixed at start (see SymbolDirectory). */
  readonly layout: DirectoryLayout;
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

/** The views every worker builds from its base data: universe, directory, status table, its logger; names the OS thread after it. */
export function workerContext(data: WorkerBaseData, thread: string, shard?: number): WorkerContext {
  const { config } = data;
  nameThisThread(thread);
  const universe = new Universe(data.companies);
  return {
    config,
    universe,
    directory: new SymbolDirectory(universe, config.shards, data.layout),
    status: new ThreadStatus(data.status, statusSlots(config)),
    log: createLogger(config.logLevel, shard === undefined ? { thread } : { thread, shard }),
  };
}

/**
 * Supervisor → every thread when the universe grew or a listing changed
 * (UNIVERSE_SOURCE=sec). Shards get it first and answer `universe-applied`;
 * the others get it once every shard has its actors, so no tick or
 * subscription for a new symbol reaches a shard that does not know it.
 */
export interface UniverseMessage {
  readonly type: 'universe';
  readonly id: number;
  /** New listings (appended in this order), then changed ones. */
  readonly companies: readonly Company[];
}

/** Applies a UniverseMessage (or the listings the supervisor admitted) to this thread's universe and directory (idempotent); returns what changed. */
export function applyUniverse(ctx: Pick<WorkerContext, 'universe' | 'directory'>, m: Pick<UniverseMessage, 'companies'>): UniverseChange {
  const change = ctx.universe.extend(m.companies);
  ctx.directory.extend(ctx.universe);
  return change;
}

import type { Kysely } from 'kysely';
import type { Clock, Config, Logger, SymbolDirectory, Universe } from '../core/index.js';
import type { RpcHandler, RpcPush } from '../core/rpc.js';
import type { Database } from '../core/store/schema.js';

/**
 * What a domain module of the store thread receives: the database, the
 * symbol universe (to validate symbols and find their shard), the clock, and
 * the two outbound channels. Modules never see threads or ports.
 */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly universe: Universe;
  readonly directory: SymbolDirectory;
  readonly clock: Clock;
  readonly log: Logger;
  /** Sends a push to every gateway thread (each routes it to its sessions). At-most-once per gateway. */
  pushToGateways(push: RpcPush): void;
  /** Sends a message to one shard thread, if attached (dropped otherwise: the shard gets a full `replace` when it attaches). */
  sendToShard(shard: number, message: unknown): void;
  /** Private signing key etc. are not here: modules that need them get them in their own options. */
}

/**
 * One slice of the domain (accounts, dashboards, alerts, bars…). The store
 * worker merges every module's RPC handlers (names must be unique, e.g.
 * `dashboards.create`) and forwards shard traffic to all modules.
 */
export interface StoreModule {
  readonly name: string;
  readonly handlers?: Readonly<Record<string, RpcHandler>>;
  /** A shard thread (re)attached: send it everything it must know (e.g. its armed alert rules). */
  onShardAttached?(shard: number): void;
  /** A message a shard sent (alert firings, closed bars). */
  onShardMessage?(shard: number, message: { readonly type: string }): void;
  /** Graceful stop: flush what is buffered (bars, outbox). */
  stop?(): Promise<void>;
}

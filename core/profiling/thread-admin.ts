import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config.js';
import { ERRORS, errorPayload, type ErrorCode } from '../errors.js';
import { threadSlots } from '../thread-status.js';

/**
 * Profiling requests that must run INSIDE one thread (a CPU profile or heap
 * snapshot of thread X can only be taken by an inspector session opened in X).
 *
 * Route: a gateway takes the HTTP request and asks the supervisor for
 * `thread`; the supervisor makes a MessageChannel, hands one end to the target
 * thread with the request (or serves it itself for `main`) and the other end
 * to the gateway. The answer travels on that port, target → gateway, without
 * passing through main again (heap snapshots are tens of MB).
 *
 * Reply protocol on the port (in order): either one `result` (a JSON body with
 * an HTTP status — a profile, or an error in the registry's shape), or a
 * `start`, any number of `chunk`s and an `end` (a streamed heap snapshot). A
 * port that closes before that means the thread went away (503).
 */
export type ThreadAdminRequest =
  | { readonly op: 'cpu-profile'; readonly seconds: number; readonly intervalUs: number }
  | { readonly op: 'heap-snapshot' };

export type ThreadAdminReply =
  | { readonly type: 'result'; readonly status: number; readonly body: unknown }
  | { readonly type: 'start' }
  | { readonly type: 'chunk'; readonly data: string }
  | { readonly type: 'end' };

/** Gateway → supervisor: open a channel to `thread` and send it `request`. */
export interface ThreadAdminOpen {
  readonly type: 'thread-admin-open';
  readonly id: number;
  readonly thread: string;
  readonly request: ThreadAdminRequest;
}

/** Supervisor → gateway: the gateway's end of the channel for request `id`. */
export interface ThreadAdminPort {
  readonly type: 'thread-admin-port';
  readonly id: number;
  readonly port: MessagePort;
}

/** Supervisor → target thread: run `request`, answer on `port`. */
export interface ThreadAdminRun {
  readonly type: 'thread-admin-run';
  readonly request: ThreadAdminRequest;
  readonly port: MessagePort;
}

/** Every thread a profile can be taken of, in a stable order: main, gateways, shards, ingest, store. */
export function profilableThreads(config: Pick<Config, 'gatewayThreads' | 'shards'>): string[] {
  return ['main', ...threadSlots(config.gatewayThreads, config.shards).map((s) => s.name)];
}

/** A `result` reply carrying a registry error. */
export function errorReply(code: ErrorCode, message?: string): ThreadAdminReply {
  return { type: 'result', status: ERRORS[code].status, body: errorPayload(code, message) };
}

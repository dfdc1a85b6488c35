/**
 * One Int32 per thread (and per outside dependency such as NATS) in a
 * SharedArrayBuffer, written by the thread (by the supervisor when a thread
 * dies; by the thread that owns a dependency's connection), read by gateways
 * for /readyz without a round trip.
 */
export const ThreadState = { down: 0, starting: 1, ready: 2, draining: 3 } as const;
export type ThreadState = (typeof ThreadState)[keyof typeof ThreadState];

export type ThreadRole = 'gateway' | 'shard' | 'ingest' | 'store' | 'dependency';

export interface ThreadSlot {
  readonly name: string;
  readonly role: ThreadRole;
  readonly index: number;
  /** An optional dependency (Redis): not ready means degraded, not unready (allReady ignores it). */
  readonly optional?: boolean;
}

/**
 * Layout: Int32 state per slot, then Int32 restart count per slot (written by
 * the supervisor when it restarts the slot's thread).
 */
export class ThreadStatus {
  readonly #states: Int32Array;
  readonly #restarts: Int32Array;
  readonly slots: readonly ThreadSlot[];

  static allocate(threads: number): SharedArrayBuffer {
    return new SharedArrayBuffer(threads * 8);
  }

  constructor(sab: SharedArrayBuffer, slots: readonly ThreadSlot[]) {
    if (sab.byteLength !== slots.length * 8) throw new RangeError('thread status size does not match the thread list');
    this.#states = new Int32Array(sab, 0, slots.length);
    this.#restarts = new Int32Array(sab, slots.length * 4, slots.length);
    this.slots = slots;
  }

  /** Counts one restart of the named thread. */
  restarted(name: string): void {
    Atomics.add(this.#restarts, this.#slot(name), 1);
  }

  /** Restart counts by slot name. */
  restarts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.slots.forEach((s, i) => (out[s.name] = Atomics.load(this.#restarts, i)));
    return out;
  }

  set(name: string, state: ThreadState): void {
    Atomics.store(this.#states, this.#slot(name), state);
  }

  get(name: string): ThreadState {
    return Atomics.load(this.#states, this.#slot(name)) as ThreadState;
  }

  /** Every thread's state by name. */
  snapshot(): Record<string, keyof typeof ThreadState> {
    const names = Object.keys(ThreadState) as (keyof typeof ThreadState)[];
    const out: Record<string, keyof typeof ThreadState> = {};
    this.slots.forEach((s, i) => (out[s.name] = names[Atomics.load(this.#states, i)]));
    return out;
  }

  /** Every slot but the optional ones is ready. */
  allReady(): boolean {
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i].optional && Atomics.load(this.#states, i) !== ThreadState.ready) return false;
    return true;
  }

  /** Names of the optional slots that are not ready (the server runs degraded without them). */
  degraded(): string[] {
    return this.slots.filter((s, i) => s.optional && Atomics.load(this.#states, i) !== ThreadState.ready).map((s) => s.name);
  }

  #slot(name: string): number {
    const i = this.slots.findIndex((s) => s.name === name);
    if (i < 0) throw new RangeError(`unknown thread ${name}`);
    return i;
  }
}

/** Slot names: gateway-0.., shard-0.., ingest, store, then the configured dependencies (e.g. nats), then the optional ones (e.g. redis). */
export function threadSlots(gateways: number, shards: number, dependencies: readonly string[] = [], optionalDependencies: readonly string[] = []): ThreadSlot[] {
  return [
    ...Array.from({ length: gateways }, (_, i) => ({ name: `gateway-${i}`, role: 'gateway' as const, index: i })),
    ...Array.from({ length: shards }, (_, i) => ({ name: `shard-${i}`, role: 'shard' as const, index: i })),
    { name: 'ingest', role: 'ingest' as const, index: 0 },
    { name: 'store', role: 'store' as const, index: 0 },
    ...dependencies.map((name, index) => ({ name, role: 'dependency' as const, index })),
    ...optionalDependencies.map((name, index) => ({ name, role: 'dependency' as const, index: dependencies.length + index, optional: true })),
  ];
}

import { FrameKind } from './frame-batch.js';
import type { WireFormat } from './protocol/messages.js';

/**
 * Who wants what: subscriber counts per (gateway, symbol, frame kind, wire
 * format) in a SharedArrayBuffer, so a shard encodes a frame only in the
 * formats somebody will receive. Each gateway writes only its own slice
 * (Atomics.add/sub of its counters); shards read with Atomics.load.
 *
 * Reading a slightly stale count is harmless: a shard that misses a brand-new
 * subscriber for one flush still publishes the next one, and the subscriber got
 * a snapshot on subscribe. A gateway that restarts has its slice zeroed by the
 * supervisor (reset()) before the new thread starts counting.
 */
const KINDS = 3; // FrameKind.quote, trades, bar → 0..2
const FORMATS = 2; // json, msgpack
const PER_SYMBOL = KINDS * FORMATS;

export class InterestTable {
  readonly #counts: Int32Array;
  readonly gateways: number;
  readonly symbols: number;

  static allocate(gateways: number, symbols: number): SharedArrayBuffer {
    return new SharedArrayBuffer(gateways * symbols * PER_SYMBOL * 4);
  }

  constructor(sab: SharedArrayBuffer, gateways: number, symbols: number) {
    if (sab.byteLength !== gateways * symbols * PER_SYMBOL * 4) throw new RangeError('interest table size does not match gateways × symbols');
    this.#counts = new Int32Array(sab);
    this.gateways = gateways;
    this.symbols = symbols;
  }

  add(gateway: number, symbolId: number, kind: FrameKind, format: WireFormat, delta: number): void {
    Atomics.add(this.#counts, this.#index(gateway, symbolId, kind, format), delta);
  }

  /** True when any gateway has a subscriber for (symbol, kind, format). */
  wants(symbolId: number, kind: FrameKind, format: WireFormat): boolean {
    const stride = this.symbols * PER_SYMBOL;
    let i = this.#index(0, symbolId, kind, format);
    for (let g = 0; g < this.gateways; g++, i += stride) if (Atomics.load(this.#counts, i) > 0) return true;
    return false;
  }

  /** Zeroes one gateway's slice (its thread is gone). */
  reset(gateway: number): void {
    const stride = this.symbols * PER_SYMBOL;
    for (let i = gateway * stride; i < (gateway + 1) * stride; i++) Atomics.store(this.#counts, i, 0);
  }

  #index(gateway: number, symbolId: number, kind: FrameKind, format: WireFormat): number {
    return (gateway * this.symbols + symbolId) * PER_SYMBOL + (kind - 1) * FORMATS + (format === 'json' ? 0 : 1);
  }
}


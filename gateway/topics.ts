import { FrameKind, type Universe, type WireFormat } from '../core/index.js';

/**
 * uWS topic names, one per (kind, format, symbol[, throttle]): `qj:AAPL`,
 * `qm:AAPL@250`, `tj:AAPL`, `bm:AAPL`. Publishing a frame to a topic is the
 * O(1) fan-out; strings are built once per symbol and cached.
 */
const KIND_CHAR: Record<FrameKind, string> = { [FrameKind.quote]: 'q', [FrameKind.trades]: 't', [FrameKind.bar]: 'b' };

export class Topics {
  readonly #universe: Universe;
  readonly #cache = new Map<number, string>();

  constructor(universe: Universe) {
    this.#universe = universe;
  }

  get(symbolId: number, kind: FrameKind, format: WireFormat, throttle = 0): string {
    const key = ((symbolId * 4 + kind) * 2 + (format === 'json' ? 0 : 1)) * 1e6 + throttle;
    let t = this.#cache.get(key);
    if (t === undefined) {
      t = `${KIND_CHAR[kind]}${format === 'json' ? 'j' : 'm'}:${this.#universe.symbol(symbolId)}${throttle ? `@${throttle}` : ''}`;
      this.#cache.set(key, t);
    }
    return t;
  }
}

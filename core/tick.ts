/**
 * A tick is one market event (a trade or a top-of-book quote) for one symbol.
 *
 * On hot paths ticks are never objects: they travel as fixed-size records of
 * float64 fields, packed back to back in a Float64Array (a feed's batch, a
 * SharedArrayBuffer ring between the ingest thread and a shard). The offsets
 * below name the fields of one record; `TICK_FIELDS` is the record's length.
 */
export const TickField = {
  /** Index of the symbol in the universe (see core/universe.ts). */
  symbol: 0,
  /** TickKind.trade or TickKind.quote. */
  kind: 1,
  /** Trade price (trade ticks); 0 for quotes. */
  price: 2,
  /** Trade size in shares (trade ticks); 0 for quotes. */
  size: 3,
  /** Best bid / ask and their sizes (quote ticks; trades may carry them too, 0 = absent). */
  bid: 4,
  ask: 5,
  bidSize: 6,
  askSize: 7,
  /** Event time at the source, ms since the epoch. */
  eventTs: 8,
  /** Arrival in the server (ms since the epoch, sub-ms precision): the start of tick-to-wire latency. */
  arrival: 9,
  /** Source sequence number for redelivery dedupe (0 = none). */
  sourceSeq: 10,
  /** Trace slot token when tracing is on (core/tracing/trace-slots.ts), else 0; keeps a record 96 bytes. */
  reserved: 11,
} as const;

export const TICK_FIELDS = 12;
export const TICK_BYTES = TICK_FIELDS * Float64Array.BYTES_PER_ELEMENT;

export const TickKind = {
  trade: 1,
  quote: 2,
} as const;
export type TickKind = (typeof TickKind)[keyof typeof TickKind];

/** A tick as an object, for tests, adapters and slow paths only. */
export interface Tick {
  readonly symbol: number;
  readonly kind: TickKind;
  readonly price: number;
  readonly size: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly eventTs: number;
  readonly arrival: number;
  readonly sourceSeq: number;
}

/** Writes `tick` as record `index` of `records`. */
export function writeTick(records: Float64Array, index: number, tick: Tick): void {
  const o = index * TICK_FIELDS;
  records[o + TickField.symbol] = tick.symbol;
  records[o + TickField.kind] = tick.kind;
  records[o + TickField.price] = tick.price;
  records[o + TickField.size] = tick.size;
  records[o + TickField.bid] = tick.bid;
  records[o + TickField.ask] = tick.ask;
  records[o + TickField.bidSize] = tick.bidSize;
  records[o + TickField.askSize] = tick.askSize;
  records[o + TickField.eventTs] = tick.eventTs;
  records[o + TickField.arrival] = tick.arrival;
  records[o + TickField.sourceSeq] = tick.sourceSeq;
  records[o + TickField.reserved] = 0;
}

/** Reads record `index` of `records` as an object (slow path). */
export function readTick(records: Float64Array, index: number): Tick {
  const o = index * TICK_FIELDS;
  return {
    symbol: records[o + TickField.symbol],
    kind: records[o + TickField.kind] as TickKind,
    price: records[o + TickField.price],
    size: records[o + TickField.size],
    bid: records[o + TickField.bid],
    ask: records[o + TickField.ask],
    bidSize: records[o + TickField.bidSize],
    askSize: records[o + TickField.askSize],
    eventTs: records[o + TickField.eventTs],
    arrival: records[o + TickField.arrival],
    sourceSeq: records[o + TickField.sourceSeq],
  };
}

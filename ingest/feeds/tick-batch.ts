import { TICK_FIELDS, TickField, TickKind } from '../../core/tick.js';

/**
 * Tick records built into one reused buffer (core/tick.ts layout) and handed
 * on in batches: `deliver` is called when the buffer is full and on flush().
 * The receiver must copy what it keeps (the FeedSource contract). Records
 * carry arrival 0 (the sink stamps it) and sourceSeq 0 (the JetStream
 * publisher assigns one; see jetstream-publisher.ts).
 */
export class TickBatch {
  readonly #records: Float64Array;
  readonly #capacity: number;
  readonly #deliver: (records: Float64Array, count: number) => void;
  #count = 0;

  constructor(capacity: number, deliver: (records: Float64Array, count: number) => void) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#records = new Float64Array(this.#capacity * TICK_FIELDS);
    this.#deliver = deliver;
  }

  get pending(): number {
    return this.#count;
  }

  trade(symbol: number, price: number, size: number, eventTs: number): void {
    this.#write(symbol, TickKind.trade, price, size, 0, 0, 0, 0, eventTs);
  }

  quote(symbol: number, bid: number, ask: number, bidSize: number, askSize: number, eventTs: number): void {
    this.#write(symbol, TickKind.quote, 0, 0, bid, ask, bidSize, askSize, eventTs);
  }

  /** Delivers what is pending, if anything. */
  flush(): void {
    const count = this.#count;
    if (count === 0) return;
    this.#count = 0;
    this.#deliver(this.#records, count);
  }

  #write(symbol: number, kind: TickKind, price: number, size: number, bid: number, ask: number, bidSize: number, askSize: number, eventTs: number): void {
    const r = this.#records;
    const o = this.#count * TICK_FIELDS;
    r[o + TickField.symbol] = symbol;
    r[o + TickField.kind] = kind;
    r[o + TickField.price] = price;
    r[o + TickField.size] = size;
    r[o + TickField.bid] = bid;
    r[o + TickField.ask] = ask;
    r[o + TickField.bidSize] = bidSize;
    r[o + TickField.askSize] = askSize;
    r[o + TickField.eventTs] = eventTs;
    r[o + TickField.arrival] = 0;
    r[o + TickField.sourceSeq] = 0;
    r[o + TickField.reserved] = 0;
    if (++this.#count === this.#capacity) this.flush();
  }
}

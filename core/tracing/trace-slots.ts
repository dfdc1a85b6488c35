import type { SpanContext } from '@opentelemetry/api';

/**
 * How a sampled trace context crosses from the ingest thread to a shard with
 * the tick it belongs to, without widening the 96-byte tick record: the ingest
 * thread stores the context in a slot of this SharedArrayBuffer table and
 * writes the slot's token into the record's spare field
 * (TickField.reserved, 0 = not traced); the shard that applies the record
 * reads the context back and parents its actor span on it.
 *
 * Contract:
 * - One writer thread (ingest) calls put(); any thread may call get().
 * - Slots are reused round-robin: a token names the put() that made it, and
 *   get() returns undefined once its slot has been overwritten (a later put()
 *   wrapped around) — a lost link, never a wrong one. With C slots that takes
 *   C sampled ticks in flight before the first is applied.
 * - Each slot is a small seqlock: the writer stores tag 0, the ids, then the
 *   token's tag (Atomics.store orders the id writes before it); a reader loads
 *   the tag, copies the ids, loads the tag again, and keeps the copy only if
 *   both loads equal the token's tag.
 *
 * Layout (Int32 words): [0] capacity; slot i at 8 + i * 8:
 *   +0 tag (token mod 2^31, 0 = being written) · +1..+4 trace id · +5..+6 span id · +7 trace flags
 */
const HEADER = 8;
const WORDS = 8;

export class TraceSlots {
  readonly capacity: number;
  readonly #i32: Int32Array;
  readonly #u32: Uint32Array;
  #next = 0;

  static allocate(capacity = 4096): SharedArrayBuffer {
    const sab = new SharedArrayBuffer((HEADER + capacity * WORDS) * 4);
    new Int32Array(sab)[0] = capacity;
    return sab;
  }

  constructor(sab: SharedArrayBuffer) {
    this.#i32 = new Int32Array(sab);
    this.#u32 = new Uint32Array(sab);
    this.capacity = this.#i32[0];
    if (!(this.capacity > 0) || sab.byteLength !== (HEADER + this.capacity * WORDS) * 4) throw new RangeError('not a trace slot table');
  }

  /** Stores `ctx`; returns the token to put in the tick record (> 0, an integer below 2^53). */
  put(ctx: SpanContext): number {
    const token = ++this.#next;
    const at = HEADER + ((token - 1) % this.capacity) * WORDS;
    Atomics.store(this.#i32, at, 0);
    const t = ctx.traceId;
    const s = ctx.spanId;
    for (let k = 0; k < 4; k++) this.#u32[at + 1 + k] = parseInt(t.slice(k * 8, k * 8 + 8), 16);
    for (let k = 0; k < 2; k++) this.#u32[at + 5 + k] = parseInt(s.slice(k * 8, k * 8 + 8), 16);
    this.#u32[at + 7] = ctx.traceFlags;
    Atomics.store(this.#i32, at, tagOf(token));
    return token;
  }

  /** The context stored under `token`, or undefined if it is not a valid token or its slot was reused. */
  get(token: number): SpanContext | undefined {
    if (!(token >= 1 && Number.isSafeInteger(token))) return undefined;
    const at = HEADER + ((token - 1) % this.capacity) * WORDS;
    const tag = tagOf(token);
    if (Atomics.load(this.#i32, at) !== tag) return undefined;
    let traceId = '';
    for (let k = 0; k < 4; k++) traceId += hex8(this.#u32[at + 1 + k]);
    const spanId = hex8(this.#u32[at + 5]) + hex8(this.#u32[at + 6]);
    const traceFlags = this.#u32[at + 7];
    if (Atomics.load(this.#i32, at) !== tag) return undefined;
    return { traceId, spanId, traceFlags, isRemote: true };
  }
}

/** Never 0 (0 marks a slot being written). */
const tagOf = (token: number): number => (token % 0x7fffffff) + 1;
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

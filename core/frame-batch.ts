/**
 * A frame batch carries one shard flush to a gateway thread in a single
 * postMessage with a transferred ArrayBuffer: every frame the flush produced,
 * each already encoded once per wire format. Gateways publish the bytes as
 * they are (zero copy: views into the batch buffer).
 *
 * Layout (little-endian):
 *   header: u32 magic, u32 count, f64 flushTs, u32 shard, u32 reserved
 *   entry:  u32 symbolId, u8 kind, u8 flags, u16 reserved, f64 seq, u32 jsonLen, u32 packLen,
 *           f64 arrival (earliest tick arrival behind the frame, NaN if none: tick-to-wire latency), json bytes, pack bytes
 * A format with no subscribers is written with length 0 and not published.
 */
export const FrameKind = { quote: 1, trades: 2, bar: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const MAGIC = 0x42465231; // "BFR1"
const HEADER = 24;
const ENTRY = 32;

export interface FrameEntry {
  readonly symbolId: number;
  readonly kind: FrameKind;
  readonly seq: number;
  /** Arrival (ms since the epoch) of the earliest tick the frame carries; NaN when unknown. */
  readonly arrival: number;
  /** JSON text as UTF-8 bytes; empty when nobody takes JSON. */
  readonly json: Uint8Array;
  /** MessagePack bytes; empty when nobody takes msgpack. */
  readonly pack: Uint8Array;
}

export class FrameBatchWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = HEADER;
  #count = 0;
  readonly #encoder = new TextEncoder();

  constructor(initialBytes = 64 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  get count(): number {
    return this.#count;
  }

  /** Appends one frame; `json` is encoded to UTF-8 here, `pack` copied. */
  add(symbolId: number, kind: FrameKind, seq: number, json: string | null, pack: Uint8Array | null, arrival = Number.NaN): void {
    const jsonMax = json === null ? 0 : json.length * 3;
    const packLen = pack === null ? 0 : pack.length;
    this.#reserve(ENTRY + jsonMax + packLen);
    const v = this.#view;
    const at = this.#pos;
    v.setUint32(at, symbolId, true);
    v.setUint8(at + 4, kind);
    v.setFloat64(at + 8, seq, true);
    let jsonLen = 0;
    if (json !== null) jsonLen = this.#encoder.encodeInto(json, this.#buf.subarray(at + ENTRY)).written;
    v.setUint32(at + 16, jsonLen, true);
    v.setUint32(at + 20, packLen, true);
    v.setFloat64(at + 24, arrival, true);
    if (pack !== null) this.#buf.set(pack, at + ENTRY + jsonLen);
    this.#pos = at + ENTRY + jsonLen + packLen;
    this.#count++;
  }

  /**
   * Finishes the batch and returns one exact-size ArrayBuffer per recipient
   * (each safe to transfer), then resets the writer for the next flush.
   */
  finish(shard: number, flushTs: number, copies: number): ArrayBuffer[] {
    const v = this.#view;
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, this.#count, true);
    v.setFloat64(8, flushTs, true);
    v.setUint32(16, shard, true);
    const out: ArrayBuffer[] = [];
    for (let i = 0; i < copies; i++) out.push(this.#buf.buffer.slice(0, this.#pos) as ArrayBuffer);
    this.#pos = HEADER;
    this.#count = 0;
    return out;
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}

export interface FrameBatchHeader {
  readonly count: number;
  readonly flushTs: number;
  readonly shard: number;
}

/** Reads a batch; calls `fn` per entry with views into `buffer` (valid until the buffer is dropped). */
export function readFrameBatch(buffer: ArrayBuffer, fn: (e: FrameEntry) => void): FrameBatchHeader {
  const v = new DataView(buffer);
  if (buffer.byteLength < HEADER || v.getUint32(0, true) !== MAGIC) throw new TypeError('not a frame batch');
  const count = v.getUint32(4, true);
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    const jsonLen = v.getUint32(at + 16, true);
    const packLen = v.getUint32(at + 20, true);
    const body = at + ENTRY;
    fn({
      symbolId: v.getUint32(at, true),
      kind: v.getUint8(at + 4) as FrameKind,
      seq: v.getFloat64(at + 8, true),
      arrival: v.getFloat64(at + 24, true),
      json: new Uint8Array(buffer, body, jsonLen),
      pack: new Uint8Array(buffer, body + jsonLen, packLen),
    });
    at = body + jsonLen + packLen;
  }
  return { count, flushTs: v.getFloat64(8, true), shard: v.getUint32(16, true) };
}

/** Reads only the header of a batch. */
export function peekFrameBatch(buffer: ArrayBuffer): FrameBatchHeader {
  const v = new DataView(buffer);
  if (buffer.byteLength < HEADER || v.getUint32(0, true) !== MAGIC) throw new TypeError('not a frame batch');
  return { count: v.getUint32(4, true), flushTs: v.getFloat64(8, true), shard: v.getUint32(16, true) };
}

import { TICK_FIELDS } from '../core/tick.js';

/**
 * A single-producer single-consumer ring of tick records (TICK_FIELDS float64
 * each) in a SharedArrayBuffer: how the ingest thread hands a shard its ticks
 * without a postMessage per tick (or per batch).
 *
 * Contract:
 * - One producer thread calls push()/waitForSpace(); one consumer thread calls
 *   drain()/waitForData(). Any thread may read size and stats.
 * - FIFO, nothing lost, nothing duplicated: push() never overwrites a record
 *   the consumer has not drained; it returns how many records fit.
 * - The indices live in the buffer, so a new TickRing over the same buffer (a
 *   restarted consumer or producer) continues where the old one stopped. A
 *   consumer killed inside drain() has not freed that batch: its successor sees
 *   those records again (at-least-once across a consumer crash).
 * - Wake-ups cost nothing while both sides are busy: a side that runs out
 *   (consumer: no data; producer: no space) announces it is sleeping in a wake
 *   word and parks in Atomics.waitAsync; the other side notifies only then.
 *
 * Layout (byte offsets). Each side's hot words sit on their own 64-byte line,
 * so the producer's stores to TAIL never invalidate the consumer's HEAD line:
 *
 *    0  MAGIC        'TRG1'
 *    4  VERSION      layout version (1)
 *    8  CAPACITY     records, a power of two
 *   12  FIELDS       TICK_FIELDS when allocated; another record size is refused
 *   64  TAIL         Int32, records ever pushed mod 2^32 (producer writes)
 *   72  PUSHED       BigInt64, records ever pushed (producer writes)
 *   80  FULL_EVENTS  BigInt64, push() calls that found too little space
 *  128  HEAD         Int32, records ever drained mod 2^32 (consumer writes)
 *  136  DRAINED      BigInt64, records ever drained (consumer writes)
 *  192  DATA_WAKE    Int32, 1 = the consumer is (about to be) asleep waiting for data
 *  256  SPACE_WAKE   Int32, 1 = the producer is (about to be) asleep waiting for space
 *  320  records      CAPACITY × TICK_FIELDS float64; record i lives at index (i & (CAPACITY - 1))
 *
 * HEAD and TAIL are free-running counters that wrap at 2^32; (TAIL - HEAD) | 0
 * is the number of queued records because it never exceeds CAPACITY ≤ 2^24.
 */
const I32 = {
  magic: 0,
  version: 1,
  capacity: 2,
  fields: 3,
  tail: 64 / 4,
  head: 128 / 4,
  dataWake: 192 / 4,
  spaceWake: 256 / 4,
} as const;
const I64 = {
  pushed: 72 / 8,
  fullEvents: 80 / 8,
  drained: 136 / 8,
} as const;

const MAGIC = 0x31475254; // 'TRG1' little-endian
const VERSION = 1;
const HEADER_BYTES = 320;
const MAX_CAPACITY = 1 << 24;

/** What ended a wait: data/space was already there, a notify, a changed wake word (also "ready"), or the timeout. */
export type RingWaitResult = 'ready' | 'ok' | 'not-equal' | 'timed-out';

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// Atomics.waitAsync (V8 ≥ 8.7, Node ≥ 16) is not in the ES2023 lib this project compiles against.
const waitAsync = (Atomics as unknown as { waitAsync(ta: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult }).waitAsync;

const READY: Promise<RingWaitResult> = Promise.resolve('ready');
const noop = (): void => {};

export class TickRing {
  readonly capacity: number;
  readonly #i32: Int32Array;
  readonly #i64: BigInt64Array;
  readonly #data: Float64Array;
  readonly #mask: number;
  #draining = false;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  static byteLength(capacityRecords: number): number {
    if (!Number.isInteger(capacityRecords) || capacityRecords < 2 || capacityRecords > MAX_CAPACITY || (capacityRecords & (capacityRecords - 1)) !== 0) {
      throw new RangeError(`tick ring capacity must be a power of two in 2..${MAX_CAPACITY}, got ${capacityRecords}`);
    }
    return HEADER_BYTES + capacityRecords * TICK_FIELDS * Float64Array.BYTES_PER_ELEMENT;
  }

  static allocate(capacityRecords: number): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(TickRing.byteLength(capacityRecords));
    const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
    h[I32.magic] = MAGIC;
    h[I32.version] = VERSION;
    h[I32.capacity] = capacityRecords;
    h[I32.fields] = TICK_FIELDS;
    return sab;
  }

  constructor(sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('tick ring needs a SharedArrayBuffer');
    if (sab.byteLength < HEADER_BYTES) throw new RangeError(`tick ring buffer is ${sab.byteLength} bytes, smaller than its ${HEADER_BYTES}-byte header`);
    const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
    if (h[I32.magic] !== MAGIC) throw new RangeError('buffer is not a tick ring (bad magic); allocate it with TickRing.allocate()');
    if (h[I32.version] !== VERSION) throw new RangeError(`tick ring layout version ${h[I32.version]} is not supported (expected ${VERSION})`);
    if (h[I32.fields] !== TICK_FIELDS) throw new RangeError(`tick ring records have ${h[I32.fields]} fields, this build expects TICK_FIELDS = ${TICK_FIELDS}`);
    const capacity = h[I32.capacity];
    let expected: number;
    try {
      expected = TickRing.byteLength(capacity);
    } catch {
      throw new RangeError(`tick ring header has an invalid capacity ${capacity}`);
    }
    if (sab.byteLength !== expected) throw new RangeError(`tick ring header says ${capacity} records but the buffer is ${sab.byteLength} bytes`);
    this.capacity = capacity;
    this.#mask = capacity - 1;
    this.#i32 = h;
    this.#i64 = new BigInt64Array(sab, 0, HEADER_BYTES / 8);
    this.#data = new Float64Array(sab, HEADER_BYTES, capacity * TICK_FIELDS);
  }

  /** Records currently queued (a snapshot; exact on the producer and consumer threads). */
  get size(): number {
    // HEAD first: TAIL only grows and never falls behind HEAD, so a later TAIL
    // is ≥ this HEAD. Both may move in between; clamp for observers.
    const head = Atomics.load(this.#i32, I32.head);
    const n = (Atomics.load(this.#i32, I32.tail) - head) | 0;
    return n > this.capacity ? this.capacity : n;
  }

  /** Counters from the header: records pushed and drained since allocation, and push() calls that found the ring full. */
  get stats(): { pushed: number; drained: number; fullEvents: number } {
    const b = this.#i64;
    return {
      pushed: Number(Atomics.load(b, I64.pushed)),
      drained: Number(Atomics.load(b, I64.drained)),
      fullEvents: Number(Atomics.load(b, I64.fullEvents)),
    };
  }

  // ── producer ──────────────────────────────────────────────────────────────

  /**
   * Copies up to `count` records from `src`, starting at record `start`, and
   * returns how many fit (0..count). Never overwrites unread data. Wakes the
   * consumer if it announced it is asleep.
   */
  push(src: Float64Array, start: number, count: number): number {
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0) || (start + count) * TICK_FIELDS > src.length) {
      throw new RangeError(`tick ring push: records ${start}..${start + count} are outside a source of ${Math.floor(src.length / TICK_FIELDS)} records`);
    }
    const h = this.#i32;
    const tail = Atomics.load(h, I32.tail); // our own word
    // Acquire: the consumer stored HEAD after it finished reading the records
    // before it, so the slots we are about to overwrite are no longer in use.
    const head = Atomics.load(h, I32.head);
    const free = this.capacity - ((tail - head) | 0);
    const n = count < free ? count : free;
    if (n < count) Atomics.add(this.#i64, I64.fullEvents, 1n);
    if (n === 0) return 0;

    // Plain copies into the free slots: the consumer does not read them until
    // TAIL covers them. At most two runs, split where the ring wraps.
    const F = TICK_FIELDS;
    const at = tail & this.#mask;
    const first = Math.min(n, this.capacity - at);
    this.#data.set(src.subarray(start * F, (start + first) * F), at * F);
    if (first < n) this.#data.set(src.subarray((start + first) * F, (start + n) * F), 0);

    // Publish. Atomics.store is a release (x86: stores stay in order; arm64:
    // STLR) and V8 keeps the copy above before it, so a consumer that loads
    // the new TAIL also sees every record it covers.
    Atomics.store(h, I32.tail, (tail + n) | 0);
    Atomics.add(this.#i64, I64.pushed, BigInt(n));
    // Wake a sleeping consumer (protocol in #sleep). When it is awake this is one load.
    if (Atomics.load(h, I32.dataWake) !== 0 && Atomics.compareExchange(h, I32.dataWake, 1, 0) === 1) Atomics.notify(h, I32.dataWake);
    return n;
  }

  /** Producer: resolves when at least one record of space is free, or after `timeoutMs`. */
  waitForSpace(timeoutMs: number): Promise<RingWaitResult> {
    if (this.size < this.capacity) return READY;
    return this.#sleep(I32.spaceWake, timeoutMs);
  }

  // ── consumer ──────────────────────────────────────────────────────────────

  /**
   * Calls `fn(view, offset)` for each queued record, oldest first, up to `max`;
   * `view[offset + TickField.x]` is field x. The record is valid only during
   * the call (its slot is reused once the batch is freed). Frees the batch's
   * space after the last call and returns the number consumed. A record whose
   * `fn` throws counts as consumed (a poison record must not wedge the ring);
   * the batch stops there and the error propagates. Not re-entrant.
   */
  drain(fn: (view: Float64Array, offset: number) => void, max = Infinity): number {
    if (!(max >= 0)) throw new RangeError(`tick ring drain: max must be ≥ 0, got ${max}`);
    if (this.#draining) throw new Error('tick ring drain: called from inside a drain callback');
    const h = this.#i32;
    const head = Atomics.load(h, I32.head); // our own word
    // Acquire: the producer stored TAIL after copying the records before it,
    // so every record below TAIL is fully written when we read it below.
    const tail = Atomics.load(h, I32.tail);
    let n = (tail - head) | 0;
    if (n > max) n = max;
    if (n === 0) return 0;

    const data = this.#data;
    const mask = this.#mask;
    let done = 0;
    this.#draining = true;
    try {
      while (done < n) {
        const offset = ((head + done) & mask) * TICK_FIELDS;
        done++;
        fn(data, offset);
      }
    } finally {
      this.#draining = false;
      // Free the batch. Release: our reads of these slots (in fn) complete
      // before HEAD moves, so the producer cannot overwrite a record we are
      // still reading.
      Atomics.store(h, I32.head, (head + done) | 0);
      Atomics.add(this.#i64, I64.drained, BigInt(done));
      if (Atomics.load(h, I32.spaceWake) !== 0 && Atomics.compareExchange(h, I32.spaceWake, 1, 0) === 1) Atomics.notify(h, I32.spaceWake);
    }
    return done;
  }

  /** Consumer: resolves when records are queued, or after `timeoutMs`. */
  waitForData(timeoutMs: number): Promise<RingWaitResult> {
    if (this.size > 0) return READY;
    return this.#sleep(I32.dataWake, timeoutMs);
  }

  /**
   * Sleep on a wake word until the other side makes progress.
   *
   *   sleeper: store(WAKE, 1); re-check; waitAsync(WAKE, expect 1)
   *   waker:   store(TAIL or HEAD); if load(WAKE) = 1 and CAS(WAKE, 1 → 0): notify
   *
   * All four are SC atomics, so they fall in one total order. If the sleeper's
   * re-check comes before the waker's index store, its store(WAKE, 1) comes
   * before the waker's load(WAKE): the waker sees 1 and notifies. Otherwise the
   * re-check sees the progress and we never sleep. The waker clears WAKE before
   * it notifies, so a notify that lands before waitAsync has registered is not
   * lost either: waitAsync compares WAKE with 1 and returns "not-equal" at once.
   */
  #sleep(word: number, timeoutMs: number): Promise<RingWaitResult> {
    const h = this.#i32;
    Atomics.store(h, word, 1);
    if (word === I32.dataWake ? this.size > 0 : this.size < this.capacity) {
      Atomics.store(h, word, 0);
      return READY;
    }
    const r = waitAsync(h, word, 1, timeoutMs);
    if (!r.async) {
      Atomics.store(h, word, 0);
      return Promise.resolve(r.value);
    }
    // A pending waitAsync does not keep Node's event loop alive: without a
    // ref'd handle a thread whose only work is waiting on the ring would just
    // exit. One idle interval per ring, ref'd only while we sleep.
    const keepAlive = (this.#keepAlive ??= setInterval(noop, 1 << 30).unref()).ref();
    return r.value.then((v) => {
      keepAlive.unref();
      // After a timeout the flag may still say "asleep": clear it so the other
      // side stops paying for notifies. (Racing its CAS is harmless.)
      if (v === 'timed-out') Atomics.store(h, word, 0);
      return v;
    });
  }
}

import { QUOTE_FIELDS } from '../core/quote-record.js';

/**
 * One shard's published quotes: a SharedArrayBuffer of fixed-size records
 * (QUOTE_FIELDS float64 each, one per symbol slot the shard owns) guarded by
 * the shard's seqlock — the "per-shard lock" of the architecture.
 *
 * Contract:
 * - Exactly one writer, the owning shard thread. It groups its record copies
 *   in write sections (beginWrite … endWrite); a section is atomic for readers.
 * - Any number of readers on any thread. A reader never blocks the writer and
 *   never sees a torn record: read() returns one record as it stood between two
 *   sections, readMany() several records as they stood between the same two
 *   sections (one consistent cut). Readers retry while a section is open; they
 *   spin briefly, then sleep on the sequence word until the writer ends it.
 * - If the writer thread dies inside a section (terminate(), OOM) the sequence
 *   stays odd. Readers give up after `stallMs` with an error, and whoever starts
 *   the next writer calls recover() first (see there).
 *
 * Layout (byte offsets; header words are Int32, records start on a 64-byte line):
 *
 *   0  MAGIC         'QTB1', so a random buffer is rejected
 *   4  VERSION       layout version (1)
 *   8  SLOTS         number of records
 *  12  FIELDS        QUOTE_FIELDS when allocated; a build with another record size refuses the buffer
 *  16  SEQ           the seqlock: even = stable, odd = a write section is open; +1 at begin and at end
 *  20  WAITERS       readers asleep in Atomics.wait on SEQ; the writer notifies only when non-zero
 *  24  WRITING_SLOT  slot whose copy is in progress (-1 none), for recover() after a writer crash
 *  28..63            reserved
 *  64  records       SLOTS × QUOTE_FIELDS float64
 */
const Header = {
  magic: 0,
  version: 1,
  slots: 2,
  fields: 3,
  seq: 4,
  waiters: 5,
  writingSlot: 6,
} as const;

const MAGIC = 0x31425451; // 'QTB1' little-endian
const VERSION = 1;
const HEADER_BYTES = 64;
const RECORDS_AT = HEADER_BYTES / Float64Array.BYTES_PER_ELEMENT; // first record, as a Float64Array index
const MAX_SLOTS = 1 << 20;

/** Reader polls of SEQ before it starts sleeping (a write section lasts microseconds). */
const SPIN_LIMIT = 64;
/** Longest single sleep of a reader; the writer's notify normally ends it much earlier. */
const SLEEP_MS = 1;

/**
 * Weakly ordered CPUs need one explicit fence on the read side (see #copyFence);
 * x86-64 (TSO) never reorders a load with an earlier load, so it needs none.
 */
const READ_FENCE = process.arch !== 'x64' && process.arch !== 'ia32';

export interface QuoteTableOptions {
  /** A reader waiting this long for one write section gives up with an error (default 500). */
  readonly stallMs?: number;
}

export class QuoteTable {
  readonly slots: number;
  /** Reader-side contention: retries and time spent waiting, for this instance (this thread) only. */
  readonly readerStats = { retries: 0, waitNs: 0 };

  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #stallMs: number;
  /** Private word for the read-side fence on weakly ordered CPUs. */
  readonly #fenceWord = new Int32Array(new SharedArrayBuffer(4));
  #writing = false;
  /** The odd SEQ a previous read gave up on: fail fast while it is still there. */
  #stalledAt: number | null = null;

  /** Bytes needed for `slots` records plus the header. */
  static byteLength(slots: number): number {
    if (!Number.isInteger(slots) || slots < 0 || slots > MAX_SLOTS) {
      throw new RangeError(`quote table slots must be an integer in 0..${MAX_SLOTS}, got ${slots}`);
    }
    return HEADER_BYTES + slots * QUOTE_FIELDS * Float64Array.BYTES_PER_ELEMENT;
  }

  /** A zeroed table with its header written (every record all-zero: seq 0, never published). */
  static allocate(slots: number): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(QuoteTable.byteLength(slots));
    const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
    h[Header.magic] = MAGIC;
    h[Header.version] = VERSION;
    h[Header.slots] = slots;
    h[Header.fields] = QUOTE_FIELDS;
    h[Header.writingSlot] = -1;
    return sab;
  }

  constructor(sab: SharedArrayBuffer, options: QuoteTableOptions = {}) {
    if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('quote table needs a SharedArrayBuffer');
    if (sab.byteLength < HEADER_BYTES) throw new RangeError(`quote table buffer is ${sab.byteLength} bytes, smaller than its ${HEADER_BYTES}-byte header`);
    const h = new Int32Array(sab, 0, HEADER_BYTES / 4);
    if (h[Header.magic] !== MAGIC) throw new RangeError('buffer is not a quote table (bad magic); allocate it with QuoteTable.allocate()');
    if (h[Header.version] !== VERSION) throw new RangeError(`quote table layout version ${h[Header.version]} is not supported (expected ${VERSION})`);
    if (h[Header.fields] !== QUOTE_FIELDS) throw new RangeError(`quote table records have ${h[Header.fields]} fields, this build expects QUOTE_FIELDS = ${QUOTE_FIELDS}`);
    const slots = h[Header.slots];
    if (!(slots >= 0 && slots <= MAX_SLOTS) || sab.byteLength !== QuoteTable.byteLength(slots)) {
      throw new RangeError(`quote table header says ${slots} slots but the buffer is ${sab.byteLength} bytes`);
    }
    const stallMs = options.stallMs ?? 500;
    if (!(stallMs > 0)) throw new RangeError(`stallMs must be > 0, got ${stallMs}`);
    this.slots = slots;
    this.#i32 = h;
    this.#f64 = new Float64Array(sab);
    this.#stallMs = stallMs;
  }

  /** Completed write sections (SEQ / 2; wraps after 2^31 sections, years at flush rates). */
  get writes(): number {
    return Atomics.load(this.#i32, Header.seq) >>> 1;
  }

  // ── writer side: the owning shard only ────────────────────────────────────

  /** Opens a write section: SEQ becomes odd, so readers that overlap it retry. */
  beginWrite(): void {
    if (this.#writing) throw new Error('quote table: beginWrite() inside an open write section');
    const h = this.#i32;
    if (Atomics.load(h, Header.seq) & 1) {
      throw new Error('quote table: a write section is already open (a second writer, or a dead one: call recover() before the new writer starts)');
    }
    Atomics.add(h, Header.seq, 1);
    // Readers must see SEQ odd before any record store below. Atomics are
    // sequentially consistent among themselves, and V8 keeps plain typed-array
    // accesses in program order around them (they share the effect chain). On
    // x86-64 the add is a locked instruction, a full fence. On arm64 the add is
    // a release (STLXR/LDADDAL), which later stores may pass; this acquire load
    // (LDAR) is ordered after that release and before every later access, so it
    // keeps the record stores behind the odd SEQ. It costs one load on x86.
    Atomics.load(h, Header.seq);
    this.#writing = true;
  }

  /** Copies QUOTE_FIELDS values from `src` (from `srcOffset`) into `slot`. Only inside a write section. */
  writeRecord(slot: number, src: Float64Array, srcOffset = 0): void {
    if (!this.#writing) throw new Error('quote table: writeRecord() outside beginWrite()/endWrite()');
    this.#checkSlot(slot);
    if (srcOffset < 0 || srcOffset + QUOTE_FIELDS > src.length) throw new RangeError(`quote record source needs ${QUOTE_FIELDS} values from offset ${srcOffset}`);
    // Plain store: only recover() reads it, after this thread is gone.
    this.#i32[Header.writingSlot] = slot;
    const f = this.#f64;
    const o = RECORDS_AT + slot * QUOTE_FIELDS;
    // Plain stores: a concurrent reader may copy a mix of old and new values,
    // but it also sees SEQ odd (or changed) afterwards and throws its copy away.
    for (let i = 0; i < QUOTE_FIELDS; i++) f[o + i] = src[srcOffset + i];
    this.#i32[Header.writingSlot] = -1;
  }

  /** Closes the write section: SEQ becomes even; sleeping readers are woken. */
  endWrite(): void {
    if (!this.#writing) throw new Error('quote table: endWrite() without beginWrite()');
    this.#writing = false;
    const h = this.#i32;
    // Release: every record store above is visible before SEQ turns even
    // (x86: stores are never reordered with stores, and the add is locked;
    // arm64: STLXR/LDADDAL orders all earlier accesses before it).
    Atomics.add(h, Header.seq, 1);
    // A reader increments WAITERS and then sleeps only while SEQ still holds the
    // odd value it saw. Both sides use SC atomics, so either we see its
    // increment here and notify, or its Atomics.wait sees the even SEQ and
    // returns at once. No wake-up is lost; when nobody sleeps this is one load.
    if (Atomics.load(h, Header.waiters) !== 0) Atomics.notify(h, Header.seq);
  }

  /**
   * For the next writer after the previous writer thread died (call before it
   * reads or writes; never while another writer lives). If the dead writer left
   * a section open, the record it was copying (if any) may be torn: it is reset
   * to all-zero (seq 0, "never published", as after allocate()) and the section
   * is closed. Returns the reset slot, -1 if the section was open but no copy
   * was in progress, or null if the table was consistent.
   */
  recover(): number | null {
    const h = this.#i32;
    const s = Atomics.load(h, Header.seq);
    if ((s & 1) === 0) return null;
    const slot = h[Header.writingSlot];
    if (slot >= 0 && slot < this.slots) this.#f64.fill(0, RECORDS_AT + slot * QUOTE_FIELDS, RECORDS_AT + (slot + 1) * QUOTE_FIELDS);
    h[Header.writingSlot] = -1;
    Atomics.add(h, Header.seq, 1); // release, as in endWrite()
    if (Atomics.load(h, Header.waiters) !== 0) Atomics.notify(h, Header.seq);
    return slot >= 0 && slot < this.slots ? slot : -1;
  }

  // ── reader side: any thread ───────────────────────────────────────────────

  /** A consistent copy of one record into `out` (QUOTE_FIELDS values). */
  read(slot: number, out: Float64Array): void {
    this.#checkSlot(slot);
    if (out.length < QUOTE_FIELDS) throw new RangeError(`quote record output needs ${QUOTE_FIELDS} values`);
    const h = this.#i32;
    const s1 = Atomics.load(h, Header.seq);
    if ((s1 & 1) === 0) {
      this.#copy(slot, out);
      if (this.#validate(s1)) return;
    }
    this.#readSlow(slot, out, null, null);
  }

  /** One consistent cut: `outs[i]` receives record `slots[i]`, all as of the same moment between sections. */
  readMany(slots: ArrayLike<number>, outs: Float64Array[]): void {
    if (outs.length < slots.length) throw new RangeError(`readMany needs one output per slot (${slots.length} slots, ${outs.length} outputs)`);
    for (let i = 0; i < slots.length; i++) {
      this.#checkSlot(slots[i]);
      if (outs[i].length < QUOTE_FIELDS) throw new RangeError(`quote record output ${i} needs ${QUOTE_FIELDS} values`);
    }
    const s1 = Atomics.load(this.#i32, Header.seq);
    if ((s1 & 1) === 0) {
      for (let i = 0; i < slots.length; i++) this.#copy(slots[i], outs[i]);
      if (this.#validate(s1)) return;
    }
    this.#readSlow(-1, null, slots, outs);
  }

  /**
   * The seqlock read loop, entered after a first attempt failed:
   *   s1 = load(SEQ); wait while s1 is odd; copy; s2 = load(SEQ); done if s2 === s1.
   * The copy is plain Float64 loads racing with the writer's plain stores, so it
   * may come out torn — and then SEQ has moved: a writer that stored into any
   * copied field did so inside a section, after making SEQ odd (≠ s1, which was
   * even) and before making it even again (≠ s1 too, as SEQ only grows). The
   * ordering that makes "we read its store" imply "we see SEQ moved" is:
   * s1 is loaded before the copy (Atomics.load is an acquire: nothing later
   * moves above it) and the copy completes before s2 (see #validate).
   */
  #readSlow(slot: number, out: Float64Array | null, slots: ArrayLike<number> | null, outs: Float64Array[] | null): void {
    const h = this.#i32;
    const started = performance.now();
    this.readerStats.retries++;
    let spins = 0;
    for (;;) {
      const s1 = Atomics.load(h, Header.seq);
      if (s1 & 1) {
        if (s1 === this.#stalledAt) this.#stall(s1, started); // the same dead section as last time: fail fast
        if (++spins > SPIN_LIMIT) {
          if (performance.now() - started > this.#stallMs) this.#stall(s1, started);
          // Sleep while SEQ still equals s1. The writer checks WAITERS after it
          // moves SEQ on, so this sleep ends at its notify (see endWrite), or
          // at once if SEQ moved between our load and the wait.
          Atomics.add(h, Header.waiters, 1);
          Atomics.wait(h, Header.seq, s1, SLEEP_MS);
          Atomics.sub(h, Header.waiters, 1);
        }
        continue;
      }
      if (out !== null) this.#copy(slot, out);
      else for (let i = 0; i < slots!.length; i++) this.#copy(slots![i], outs![i]);
      if (this.#validate(s1)) break;
      this.readerStats.retries++;
    }
    this.#stalledAt = null;
    this.readerStats.waitNs += (performance.now() - started) * 1e6;
  }

  /** True when SEQ still equals the even `s1` read before the copy: the copy is one stable state. */
  #validate(s1: number): boolean {
    // The copy's loads must be complete before SEQ is loaded again. On x86-64
    // (TSO) loads are not reordered with earlier loads, and V8 keeps the typed
    // array loads before this Atomics.load. On arm64 an acquire load (LDAR)
    // does not hold back earlier plain loads, so we first do an RMW on a private
    // word: its release half orders the copy before it, and the LDAR below is
    // ordered after that release. The word is ours alone, so it costs no sharing.
    if (READ_FENCE) Atomics.add(this.#fenceWord, 0, 1);
    return Atomics.load(this.#i32, Header.seq) === s1;
  }

  #copy(slot: number, out: Float64Array): void {
    const f = this.#f64;
    const o = RECORDS_AT + slot * QUOTE_FIELDS;
    for (let i = 0; i < QUOTE_FIELDS; i++) out[i] = f[o + i];
  }

  #stall(seq: number, started: number): never {
    this.#stalledAt = seq;
    this.readerStats.waitNs += (performance.now() - started) * 1e6;
    throw new Error(`quote table: the writer has held its section for over ${this.#stallMs} ms (seq ${seq}); if the shard thread died, call recover() before restarting it`);
  }

  #checkSlot(slot: number): void {
    if (!(slot >= 0 && slot < this.slots) || !Number.isInteger(slot)) throw new RangeError(`quote table slot ${slot} is outside 0..${this.slots - 1}`);
  }
}

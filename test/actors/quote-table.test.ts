import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QUOTE_FIELDS, QuoteField } from '../../core/quote-record.js';
import { QuoteTable } from '../../actors/quote-table.js';

/** Header words as laid out in actors/quote-table.ts (Int32 indices). */
const MAGIC = 0;
const VERSION = 1;
const SLOTS = 2;
const FIELDS = 3;
const SEQ = 4;
const WRITING_SLOT = 6;

function record(v: number): Float64Array {
  return new Float64Array(QUOTE_FIELDS).map((_, i) => v * 100 + i);
}

describe('QuoteTable layout', () => {
  test('byteLength is a 64-byte header plus QUOTE_FIELDS float64 per slot', () => {
    assert.equal(QuoteTable.byteLength(0), 64);
    assert.equal(QuoteTable.byteLength(3), 64 + 3 * QUOTE_FIELDS * 8);
    assert.throws(() => QuoteTable.byteLength(-1), RangeError);
    assert.throws(() => QuoteTable.byteLength(1.5), RangeError);
    assert.throws(() => QuoteTable.byteLength(2 ** 21), RangeError);
  });

  test('allocate writes the header; records start all-zero (seq 0: never published)', () => {
    const sab = QuoteTable.allocate(5);
    const h = new Int32Array(sab, 0, 16);
    assert.equal(h[SLOTS], 5);
    assert.equal(h[FIELDS], QUOTE_FIELDS);
    assert.equal(h[SEQ], 0);
    assert.equal(h[WRITING_SLOT], -1);
    const t = new QuoteTable(sab);
    assert.equal(t.slots, 5);
    assert.equal(t.writes, 0);
    const out = new Float64Array(QUOTE_FIELDS).fill(7);
    t.read(4, out);
    assert.ok(out.every((v) => v === 0));
  });

  test('the constructor rejects what is not a quote table of this build, with a message that says why', () => {
    assert.throws(() => new QuoteTable(new ArrayBuffer(64) as unknown as SharedArrayBuffer), { name: 'TypeError', message: /SharedArrayBuffer/ });
    assert.throws(() => new QuoteTable(new SharedArrayBuffer(16)), { name: 'RangeError', message: /smaller than its 64-byte header/ });
    assert.throws(() => new QuoteTable(new SharedArrayBuffer(QuoteTable.byteLength(2))), { name: 'RangeError', message: /bad magic/ });

    const bump = (index: number, value: number): SharedArrayBuffer => {
      const sab = QuoteTable.allocate(2);
      new Int32Array(sab)[index] = value;
      return sab;
    };
    assert.throws(() => new QuoteTable(bump(VERSION, 9)), { name: 'RangeError', message: /version 9/ });
    assert.throws(() => new QuoteTable(bump(FIELDS, QUOTE_FIELDS + 1)), { name: 'RangeError', message: /QUOTE_FIELDS/ });
    assert.throws(() => new QuoteTable(bump(SLOTS, 3)), { name: 'RangeError', message: /3 slots but the buffer is/ });
    assert.throws(() => new QuoteTable(bump(SLOTS, -1)), { name: 'RangeError', message: /-1 slots/ });
    assert.throws(() => new QuoteTable(bump(MAGIC, 0)), { name: 'RangeError', message: /bad magic/ });
    assert.throws(() => new QuoteTable(QuoteTable.allocate(1), { stallMs: 0 }), RangeError);
  });
});

describe('QuoteTable single-threaded semantics', () => {
  test('a write section publishes its records; writes counts sections', () => {
    const t = new QuoteTable(QuoteTable.allocate(4));
    t.beginWrite();
    t.writeRecord(1, record(1));
    t.writeRecord(3, record(3));
    t.endWrite();
    assert.equal(t.writes, 1);
    const out = new Float64Array(QUOTE_FIELDS);
    t.read(3, out);
    assert.deepEqual(out, record(3));
    t.read(1, out);
    assert.equal(out[QuoteField.seq], 100);
    assert.equal(out[QuoteField.sourceSeq], 100 + QuoteField.sourceSeq);

    t.beginWrite();
    t.endWrite();
    assert.equal(t.writes, 2, 'an empty section still counts');
  });

  test('another instance over the same buffer (another thread) sees the same records', () => {
    const sab = QuoteTable.allocate(2);
    const w = new QuoteTable(sab);
    w.beginWrite();
    w.writeRecord(0, record(5));
    w.endWrite();
    const r = new QuoteTable(sab);
    const out = new Float64Array(QUOTE_FIELDS);
    r.read(0, out);
    assert.deepEqual(out, record(5));
    assert.equal(r.writes, 1);
  });

  test('writeRecord copies QUOTE_FIELDS values from a source offset', () => {
    const t = new QuoteTable(QuoteTable.allocate(1));
    const packed = new Float64Array(QUOTE_FIELDS * 3);
    packed.set(record(2), QUOTE_FIELDS * 2);
    t.beginWrite();
    t.writeRecord(0, packed, QUOTE_FIELDS * 2);
    assert.throws(() => t.writeRecord(0, packed, QUOTE_FIELDS * 2 + 1), RangeError);
    assert.throws(() => t.writeRecord(0, new Float64Array(QUOTE_FIELDS - 1)), RangeError);
    t.endWrite();
    const out = new Float64Array(QUOTE_FIELDS);
    t.read(0, out);
    assert.deepEqual(out, record(2));
  });

  test('readMany fills one output per slot, in order, and may repeat a slot', () => {
    const t = new QuoteTable(QuoteTable.allocate(3));
    t.beginWrite();
    for (let s = 0; s < 3; s++) t.writeRecord(s, record(s + 1));
    t.endWrite();
    const outs = [0, 1, 2].map(() => new Float64Array(QUOTE_FIELDS));
    t.readMany([2, 0, 2], outs);
    assert.deepEqual(outs, [record(3), record(1), record(3)]);
    t.readMany([], []);
    assert.throws(() => t.readMany([0, 1], [outs[0]]), RangeError);
    assert.throws(() => t.readMany([0, 3], outs), RangeError);
  });

  test('misuse of the write section throws instead of corrupting the lock', () => {
    const t = new QuoteTable(QuoteTable.allocate(2));
    assert.throws(() => t.writeRecord(0, record(1)), /outside beginWrite/);
    assert.throws(() => t.endWrite(), /without beginWrite/);
    t.beginWrite();
    assert.throws(() => t.beginWrite(), /inside an open write section/);
    assert.throws(() => t.writeRecord(2, record(1)), RangeError);
    assert.throws(() => t.writeRecord(-1, record(1)), RangeError);
    t.endWrite();
    assert.equal(t.writes, 1, 'the failed calls left SEQ alone');
  });

  test('a second writer finds the first one inside its section and refuses to enter', () => {
    const sab = QuoteTable.allocate(1);
    const first = new QuoteTable(sab);
    const second = new QuoteTable(sab);
    first.beginWrite();
    assert.throws(() => second.beginWrite(), /already open.*recover\(\)/);
    first.endWrite();
    second.beginWrite();
    second.endWrite();
    assert.equal(first.writes, 2);
  });

  test('read rejects bad slots and short outputs', () => {
    const t = new QuoteTable(QuoteTable.allocate(2));
    assert.throws(() => t.read(2, new Float64Array(QUOTE_FIELDS)), /slot 2 is outside 0..1/);
    assert.throws(() => t.read(0.5, new Float64Array(QUOTE_FIELDS)), RangeError);
    assert.throws(() => t.read(0, new Float64Array(QUOTE_FIELDS - 1)), RangeError);
  });

  test('a read during an open section waits; a section that never ends stalls the reader with an error', () => {
    const sab = QuoteTable.allocate(2);
    const w = new QuoteTable(sab);
    const r = new QuoteTable(sab, { stallMs: 20 });
    w.beginWrite();
    w.writeRecord(0, record(9));
    const out = new Float64Array(QUOTE_FIELDS);
    assert.throws(() => r.read(0, out), /held its section for over 20 ms/);
    assert.equal(r.readerStats.retries, 1);
    assert.ok(r.readerStats.waitNs >= 20e6);
    w.endWrite();
    r.read(0, out);
    assert.deepEqual(out, record(9));
    assert.equal(r.readerStats.retries, 1, 'an uncontended read does not retry');
    assert.equal(w.readerStats.retries, 0, 'stats are per instance');
  });

  test('recover() resets the record a dead writer was copying and closes its section', () => {
    const sab = QuoteTable.allocate(3);
    const w = new QuoteTable(sab);
    w.beginWrite();
    for (let s = 0; s < 3; s++) w.writeRecord(s, record(s + 1));
    w.endWrite();
    // Simulate a writer that died in the middle of copying slot 1 of its second section.
    const h = new Int32Array(sab);
    h[SEQ]++;
    h[WRITING_SLOT] = 1;

    const next = new QuoteTable(sab);
    assert.equal(next.recover(), 1);
    assert.equal(h[SEQ] % 2, 0);
    assert.equal(next.writes, 2);
    const outs = [0, 1, 2].map(() => new Float64Array(QUOTE_FIELDS));
    next.readMany([0, 1, 2], outs);
    assert.deepEqual(outs[0], record(1));
    assert.ok(outs[1].every((v) => v === 0), 'the possibly torn record is reset to "never published"');
    assert.deepEqual(outs[2], record(3));
    assert.equal(next.recover(), null);
  });
});

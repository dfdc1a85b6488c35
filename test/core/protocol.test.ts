import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QUOTE_FIELDS, QuoteField as Q, emptyQuoteRecord } from '../../core/quote-record.js';
import { decodeClientFrame, decodeServerFrame, encodeClientMessage, encodeFrame } from '../../core/protocol/codec.js';
import { parseClientMessage } from '../../core/protocol/client-messages.js';
import { quoteMessage, snapshotMessage } from '../../core/protocol/messages.js';
import { hasCode } from '../../core/errors.js';

const toArrayBuffer = (x: Uint8Array | string): ArrayBuffer => {
  const b = typeof x === 'string' ? new TextEncoder().encode(x) : x;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

function record(): Float64Array {
  const r = emptyQuoteRecord();
  r[Q.seq] = 7;
  r[Q.last] = 101.25;
  r[Q.prevClose] = 100;
  r[Q.bid] = 101.24;
  r[Q.ask] = 101.26;
  r[Q.volume] = 1200;
  r[Q.arrival] = 1700000000000.5;
  return r;
}

test('quote and snapshot messages are built from one record; unknown fields are null, change is derived', () => {
  const q = quoteMessage('AAPL', record(), 1700000000010);
  assert.equal(q.type, 'quote');
  assert.equal(q.seq, 7);
  assert.equal(q.ta, 1700000000000.5);
  assert.equal(q.change, 1.25);
  assert.equal(q.changePct, 1.25);
  assert.equal(q.open, null);
  const s = snapshotMessage('AAPL', 'Apple Inc.', 'Nasdaq', record(), 1700000000010);
  assert.equal(s.type, 'snapshot');
  assert.equal(s.last, q.last);
  assert.equal(s.bar, null);
  assert.equal(record().length, QUOTE_FIELDS);
});

for (const format of ['json', 'msgpack'] as const) {
  test(`${format}: server frames round-trip, single messages and arrays`, () => {
    const q = quoteMessage('MSFT', record(), 1);
    assert.deepEqual(decodeServerFrame(encodeFrame(format, q), format), [JSON.parse(JSON.stringify(q))]);
    const pong = { type: 'pong' as const, ts: 5, id: 'x' };
    assert.deepEqual(decodeServerFrame(encodeFrame(format, [pong, pong]), format), [pong, pong]);
  });

  test(`${format}: client frames decode; the wrong frame type is rejected`, () => {
    const m = { op: 'subscribe', symbols: ['aapl'] };
    const bytes = encodeClientMessage(format, m);
    assert.deepEqual(decodeClientFrame(format, toArrayBuffer(bytes), format === 'msgpack'), m);
    assert.throws(() => decodeClientFrame(format, toArrayBuffer(bytes), format !== 'msgpack'));
  });
}

test('parseClientMessage applies defaults and normalises symbols', () => {
  assert.deepEqual(parseClientMessage({ op: 'subscribe', symbols: ['aapl', 'AAPL', 'brk-b'] }), {
    op: 'subscribe',
    symbols: ['AAPL', 'BRK-B'],
    channels: ['quotes'],
    throttle: 0,
  });
  assert.deepEqual(parseClientMessage({ op: 'unsubscribe', symbols: ['X'], id: 3 }), { op: 'unsubscribe', symbols: ['X'], channels: ['quotes', 'trades', 'bars'], id: 3 });
  assert.deepEqual(parseClientMessage({ op: 'resume', seqs: { aapl: 4 }, channels: ['trades'] }), { op: 'resume', seqs: { AAPL: 4 }, channels: ['trades'], throttle: 0 });
  assert.deepEqual(parseClientMessage({ op: 'ping', id: 'p1' }), { op: 'ping', id: 'p1' });
});

for (const [name, input, code] of [
  ['not an object', 'hello', 'malformed_frame'],
  ['an array', [1, 2], 'malformed_frame'],
  ['null', null, 'malformed_frame'],
  ['no op', { symbols: ['A'] }, 'unknown_op'],
  ['unknown op', { op: 'buy' }, 'unknown_op'],
  ['symbols missing', { op: 'subscribe' }, 'invalid_argument'],
  ['symbols empty', { op: 'subscribe', symbols: [] }, 'invalid_argument'],
  ['symbol not a string', { op: 'subscribe', symbols: [42] }, 'invalid_symbol'],
  ['symbol bad syntax', { op: 'subscribe', symbols: ['AA PL'] }, 'invalid_symbol'],
  ['symbol too long', { op: 'subscribe', symbols: ['ABCDEFGHIJKLM'] }, 'invalid_symbol'],
  ['channel unknown', { op: 'subscribe', symbols: ['A'], channels: ['news'] }, 'invalid_channel'],
  ['channels empty', { op: 'subscribe', symbols: ['A'], channels: [] }, 'invalid_channel'],
  ['throttle negative', { op: 'subscribe', symbols: ['A'], throttle: -1 }, 'invalid_throttle'],
  ['throttle fractional', { op: 'subscribe', symbols: ['A'], throttle: 2.5 }, 'invalid_throttle'],
  ['throttle huge', { op: 'subscribe', symbols: ['A'], throttle: 600000 }, 'invalid_throttle'],
  ['id object', { op: 'ping', id: {} }, 'invalid_argument'],
  ['seqs array', { op: 'resume', seqs: [1] }, 'invalid_argument'],
  ['seq negative', { op: 'resume', seqs: { A: -1 } }, 'invalid_argument'],
  ['too many symbols', { op: 'subscribe', symbols: Array.from({ length: 501 }, (_, i) => `S${i}`) }, 'too_many_subscriptions'],
] as const) {
  test(`parseClientMessage rejects ${name} with ${code}`, () => {
    assert.throws(() => parseClientMessage(input), (err: unknown) => hasCode(err, code));
  });
}

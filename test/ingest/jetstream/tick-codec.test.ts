import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Packr } from 'msgpackr';
import { TickKind, Universe } from '../../../core/index.js';
import { RejectReason, decodeTick, encodeTick, parseTickSubject, symbolToken, tickSubject } from '../../../ingest/jetstream/tick-codec.js';
import { tickRecords } from '../../helpers/server.js';

const universe = new Universe(['AAPL', 'BRK.B', 'MSFT'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));
const packr = new Packr({ useRecords: false, variableMapSize: true });
const P = 'md';

test('a trade round-trips: subject, payload, all fields and a large n', () => {
  const n = Math.floor(Date.UTC(2026, 0, 5) * 1000) + 7; // µs-based seq, above 2^32
  const recs = tickRecords([{ symbol: 1, kind: TickKind.trade, price: 412.37, size: 250, bid: 412.3, ask: 412.4, eventTs: 1767621000123.5, sourceSeq: n }]);
  const subject = tickSubject(P, TickKind.trade, 'BRK.B');
  assert.equal(subject, 'md.trade.BRK_B');
  const d = decodeTick(encodeTick(recs, 0, 'BRK.B'), subject, P, universe);
  assert.ok(d.ok, JSON.stringify(d));
  assert.equal(d.symbol, 'BRK.B');
  assert.deepEqual(d.tick, { symbol: 1, kind: TickKind.trade, price: 412.37, size: 250, bid: 412.3, ask: 412.4, bidSize: 0, askSize: 0, eventTs: 1767621000123.5, arrival: 0, sourceSeq: n });
});

test('a quote round-trips, and encodeTick takes an n that overrides the record', () => {
  const recs = tickRecords([{ symbol: 0, kind: TickKind.quote, price: 0, size: 0, bid: 189.1, ask: 189.12, bidSize: 300, askSize: 0, eventTs: 1767621000000 }]);
  const d = decodeTick(encodeTick(recs, 0, 'AAPL', 42), 'md.quote.AAPL', P, universe);
  assert.ok(d.ok);
  assert.equal(d.tick.kind, TickKind.quote);
  assert.deepEqual([d.tick.bid, d.tick.ask, d.tick.bidSize, d.tick.askSize, d.tick.sourceSeq], [189.1, 189.12, 300, 0, 42]);
});

test('a v1 payload from another MessagePack producer (integers, extra keys) is accepted', () => {
  const bytes = packr.pack({ v: 1, s: 'MSFT', k: 't', p: 500, z: 10, t: 1767621000000, n: 3, x: 'future field' });
  const d = decodeTick(bytes, 'md.trade.MSFT', P, universe);
  assert.ok(d.ok);
  assert.equal(d.tick.price, 500);
});

test('subjects: tokens map "." to "_" and back; anything else is not a tick subject', () => {
  assert.equal(symbolToken('BRK.B'), 'BRK_B');
  assert.deepEqual(parseTickSubject('t1.md', 't1.md.quote.BRK_B'), { kind: TickKind.quote, symbol: 'BRK.B' });
  for (const s of ['md.trade', 'md.trade.', 'md.trades.AAPL', 'md.trade.A.B', 'mdx.trade.AAPL', 'other.trade.AAPL']) {
    assert.equal(parseTickSubject('md', s), undefined, s);
  }
});

const good = { v: 1, s: 'AAPL', k: 't', p: 190.5, z: 100, t: 1767621000000, n: 9 };
const cases: [string, Uint8Array, string, RejectReason][] = [
  ['garbage bytes', Uint8Array.from([0xc1, 0xff, 0x00, 0x13]), 'md.trade.AAPL', RejectReason.undecodable],
  ['empty payload', new Uint8Array(0), 'md.trade.AAPL', RejectReason.undecodable],
  ['trailing bytes after the map', Uint8Array.from([...packr.pack(good), 0x01]), 'md.trade.AAPL', RejectReason.undecodable],
  ['an array, not a map', packr.pack([1, 'AAPL']), 'md.trade.AAPL', RejectReason.undecodable],
  ['a JSON text', new TextEncoder().encode(JSON.stringify(good)), 'md.trade.AAPL', RejectReason.undecodable],
  ['version 2', packr.pack({ ...good, v: 2 }), 'md.trade.AAPL', RejectReason.unknownVersion],
  ['no version', packr.pack({ ...good, v: undefined }), 'md.trade.AAPL', RejectReason.unknownVersion],
  ['missing n', packr.pack({ ...good, n: undefined }), 'md.trade.AAPL', RejectReason.invalidField],
  ['n = 0', packr.pack({ ...good, n: 0 }), 'md.trade.AAPL', RejectReason.invalidField],
  ['fractional n', packr.pack({ ...good, n: 1.5 }), 'md.trade.AAPL', RejectReason.invalidField],
  ['missing price on a trade', packr.pack({ ...good, p: undefined }), 'md.trade.AAPL', RejectReason.invalidField],
  ['negative size', packr.pack({ ...good, z: -1 }), 'md.trade.AAPL', RejectReason.invalidField],
  ['price as a string', packr.pack({ ...good, p: '190.5' }), 'md.trade.AAPL', RejectReason.invalidField],
  ['NaN event time', packr.pack({ ...good, t: NaN }), 'md.trade.AAPL', RejectReason.invalidField],
  ['quote without a bid', packr.pack({ v: 1, s: 'AAPL', k: 'q', a: 1, bz: 1, az: 1, t: 1, n: 1 }), 'md.quote.AAPL', RejectReason.invalidField],
  ['unknown kind', packr.pack({ ...good, k: 'x' }), 'md.trade.AAPL', RejectReason.invalidField],
  ['lower-case symbol', packr.pack({ ...good, s: 'aapl' }), 'md.trade.aapl', RejectReason.invalidField],
  ['trade payload on a quote subject', packr.pack(good), 'md.quote.AAPL', RejectReason.subjectMismatch],
  ['payload symbol differs from the subject', packr.pack(good), 'md.trade.MSFT', RejectReason.subjectMismatch],
  ['not a tick subject', packr.pack(good), 'elsewhere.AAPL', RejectReason.subjectMismatch],
  ['symbol not in the universe', packr.pack({ ...good, s: 'ZZZZ' }), 'md.trade.ZZZZ', RejectReason.unknownSymbol],
];

for (const [name, bytes, subject, reason] of cases) {
  test(`rejects ${name} as ${reason}`, () => {
    const d = decodeTick(bytes, subject, P, universe);
    assert.equal(d.ok, false);
    if (!d.ok) {
      assert.equal(d.reason, reason, d.detail);
      assert.ok(d.detail.length > 0);
    }
  });
}

test('never throws on random bytes', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
    const d = decodeTick(bytes, 'md.trade.AAPL', P, universe);
    assert.equal(d.ok, false);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Shard } from '../../actors/shard.js';
import { QuoteTable } from '../../actors/quote-table.js';
import {
  FrameKind,
  InterestTable,
  ManualClock,
  QUOTE_FIELDS,
  QuoteField as Q,
  SymbolDirectory,
  TickKind,
  Universe,
  decodeServerFrame,
  readFrameBatch,
  type QuoteMessage,
  type ServerMessage,
  type TradesMessage,
} from '../../core/index.js';
import { tickRecords } from '../helpers/server.js';

function setup() {
  const universe = new Universe(['AAPL', 'MSFT', 'NVDA'].map((symbol) => ({ symbol, name: symbol, exchange: 'Nasdaq' })));
  const directory = new SymbolDirectory(universe, 1);
  const table = new QuoteTable(QuoteTable.allocate(universe.size));
  const interest = new InterestTable(InterestTable.allocate(1, universe.size), 1, universe.size);
  const clock = new ManualClock();
  const shard = new Shard({ shard: 0, universe, directory, table, interest, clock, indicatorWindow: 5 });
  const apply = (ticks: Parameters<typeof tickRecords>[0]) => {
    const recs = tickRecords(ticks);
    for (let i = 0; i < ticks.length; i++) shard.apply(recs, i * 12);
  };
  const frames = (buf: ArrayBuffer) => {
    const out: { kind: FrameKind; json: ServerMessage[]; pack: ServerMessage[] }[] = [];
    readFrameBatch(buf, (e) =>
      out.push({
        kind: e.kind,
        json: e.json.length ? decodeServerFrame(new TextDecoder().decode(e.json), 'json') : [],
        pack: e.pack.length ? decodeServerFrame(e.pack.slice(), 'msgpack') : [],
      }),
    );
    return out;
  };
  return { universe, table, interest, clock, shard, apply, frames };
}

test('flush conflates: many ticks of a symbol → one quote frame with the latest state and every trade', () => {
  const { interest, clock, shard, apply, frames, table } = setup();
  interest.add(0, 0, FrameKind.quote, 'json', 1);
  interest.add(0, 0, FrameKind.trades, 'json', 1);
  interest.add(0, 0, FrameKind.quote, 'msgpack', 1);
  const t0 = clock.now();
  apply([
    { symbol: 0, price: 10, size: 1, arrival: t0 - 30, eventTs: t0 },
    { symbol: 0, price: 11, size: 2, arrival: t0 - 20, eventTs: t0 + 1 },
    { symbol: 0, kind: TickKind.quote, price: 0, size: 0, bid: 10.9, ask: 11.1, bidSize: 1, askSize: 1, arrival: t0 - 10, eventTs: t0 + 2 },
    { symbol: 0, price: 12, size: 3, arrival: t0 - 5, eventTs: t0 + 3 },
  ]);
  clock.advance(50);
  const [buf] = shard.flush(1);
  const fr = frames(buf);
  const quotes = fr.filter((f) => f.kind === FrameKind.quote);
  assert.equal(quotes.length, 1, 'one quote frame for the symbol');
  const q = quotes[0].json[0] as QuoteMessage;
  assert.deepEqual(quotes[0].pack, quotes[0].json, 'both formats carry the same message');
  assert.equal(q.last, 12);
  assert.equal(q.bid, 10.9);
  assert.equal(q.volume, 6);
  assert.equal(q.seq, 1);
  assert.equal(q.ta, t0 - 30, 'ta is the oldest tick folded in');
  assert.equal(q.ts, clock.now());
  const trades = fr.find((f) => f.kind === FrameKind.trades)!.json[0] as TradesMessage;
  assert.deepEqual(trades.trades.map((t) => [t.p, t.v]), [[10, 1], [11, 2], [12, 3]]);
  assert.equal(fr.filter((f) => f.kind === FrameKind.bar).length, 0, 'nobody wants bars: not encoded');
  const rec = new Float64Array(QUOTE_FIELDS);
  table.read(0, rec);
  assert.equal(rec[Q.seq], 1, 'table written in the same flush');
  assert.equal(rec[Q.last], 12);
});

test('an empty window yields an empty batch; seq rises only when a symbol changed', () => {
  const { interest, clock, shard, apply, frames } = setup();
  interest.add(0, 1, FrameKind.quote, 'json', 1);
  clock.advance(50);
  const [empty] = shard.flush(1);
  assert.equal(frames(empty).length, 0);
  apply([{ symbol: 1, price: 5 }]);
  clock.advance(50);
  assert.equal((frames(shard.flush(1)[0])[0].json[0] as QuoteMessage).seq, 1);
  clock.advance(50);
  assert.equal(frames(shard.flush(1)[0]).length, 0);
  apply([{ symbol: 1, price: 6 }]);
  clock.advance(50);
  assert.equal((frames(shard.flush(1)[0])[0].json[0] as QuoteMessage).seq, 2);
});

test('a changed symbol nobody subscribed to is not encoded, but its seq and table still advance', () => {
  const { shard, apply, frames, table, clock } = setup();
  apply([{ symbol: 2, price: 50 }]);
  clock.advance(50);
  assert.equal(frames(shard.flush(1)[0]).length, 0);
  const rec = new Float64Array(QUOTE_FIELDS);
  table.read(2, rec);
  assert.equal(rec[Q.seq], 1);
});

test('a restarted shard resumes actors from its quote table', () => {
  const { universe, table, interest, clock, shard, apply } = setup();
  apply([{ symbol: 0, price: 10, size: 7 }]);
  clock.advance(50);
  shard.flush(0);
  const directory = new SymbolDirectory(universe, 1);
  const again = new Shard({ shard: 0, universe, directory, table, interest, clock, indicatorWindow: 5 });
  assert.equal(again.actor(0).record[Q.seq], 1);
  assert.equal(again.actor(0).record[Q.volume], 7);
});

test('misrouted ticks and actor errors are counted, never thrown', () => {
  const { universe, table, interest, clock } = setup();
  const directory = new SymbolDirectory(universe, 1);
  const errors: number[] = [];
  const shard = new Shard({ shard: 0, universe, directory, table, interest, clock, indicatorWindow: 5, onActorError: (id) => errors.push(id) });
  const recs = tickRecords([{ symbol: 99 }, { symbol: 0 }]);
  shard.apply(recs, 0);
  assert.equal(shard.stats.misrouted, 1);
  const actor = shard.actor(0);
  (actor as unknown as { apply: () => never }).apply = () => {
    throw new Error('bug');
  };
  shard.apply(recs, 12);
  assert.equal(shard.stats.actorErrors, 1);
  assert.deepEqual(errors, [0]);
});

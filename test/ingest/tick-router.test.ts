import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, SymbolDirectory, TICK_FIELDS, TickField, Universe } from '../../core/index.js';
import { TickRouter, type ShardInbox } from '../../ingest/tick-router.js';
import { tickRecords } from '../helpers/server.js';

/** An inbox that accepts at most `room` records until given more. */
class Inbox implements ShardInbox {
  readonly got: number[] = [];
  readonly arrivals: number[] = [];
  constructor(public room: number) {}
  push(src: Float64Array, start: number, count: number): number {
    const n = Math.min(count, this.room);
    for (let i = 0; i < n; i++) {
      const o = (start + i) * TICK_FIELDS;
      this.got.push(src[o + TickField.sourceSeq]);
      this.arrivals.push(src[o + TickField.arrival]);
    }
    this.room -= n;
    return n;
  }
}

const universe = new Universe(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META', 'TSLA'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));
const directory = new SymbolDirectory(universe, 2);

test('routes each tick to its shard, stamps arrival, counts unknown symbols', () => {
  const inboxes = [new Inbox(1e9), new Inbox(1e9)];
  const clock = new ManualClock();
  const router = new TickRouter(directory, inboxes, clock);
  const ticks = [0, 1, 2, 3, 4, 5, 99].map((symbol, i) => ({ symbol, sourceSeq: i + 1 }));
  router.accept(tickRecords(ticks), ticks.length);
  assert.equal(router.stats.routed, 6);
  assert.equal(router.stats.unknown, 1);
  for (let s = 0; s < 2; s++) {
    const expected = ticks.filter((t) => t.symbol < 6 && directory.shardOf[t.symbol] === s).map((t) => t.sourceSeq);
    assert.deepEqual(inboxes[s].got, expected, `shard ${s} got its ticks in order`);
    assert.ok(inboxes[s].arrivals.every((a) => a === clock.now()));
  }
});

test('a full inbox defers to a backlog in order; nothing is lost when room returns', () => {
  const inbox = new Inbox(3);
  const one = new SymbolDirectory(universe, 1);
  const router = new TickRouter(one, [inbox], new ManualClock());
  router.accept(tickRecords([1, 2, 3, 4, 5].map((sourceSeq) => ({ symbol: 0, sourceSeq }))), 5);
  router.accept(tickRecords([6, 7].map((sourceSeq) => ({ symbol: 0, sourceSeq }))), 2);
  assert.deepEqual(inbox.got, [1, 2, 3]);
  assert.equal(router.backlog, 4);
  assert.equal(router.stats.deferred, 2);
  inbox.room = 10;
  router.flushBacklog();
  assert.deepEqual(inbox.got, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(router.backlog, 0);
  assert.equal(router.stats.dropped, 0);
});

test('past its bound the backlog drops the oldest chunks and counts them', () => {
  const inbox = new Inbox(0);
  const one = new SymbolDirectory(universe, 1);
  const router = new TickRouter(one, [inbox], new ManualClock(), 4);
  for (let i = 0; i < 3; i++) router.accept(tickRecords([1, 2, 3].map((k) => ({ symbol: 0, sourceSeq: i * 3 + k }))), 3);
  assert.equal(router.stats.dropped, 6);
  inbox.room = 100;
  router.flushBacklog();
  assert.deepEqual(inbox.got, [7, 8, 9], 'the newest ticks survive');
});

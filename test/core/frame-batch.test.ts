import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameBatchWriter, FrameKind, peekFrameBatch, readFrameBatch, type FrameEntry } from '../../core/frame-batch.js';
import { InterestTable } from '../../core/interest-table.js';
import { SymbolDirectory, shardForSymbol } from '../../core/directory.js';
import { Universe } from '../../core/universe.js';

test('a frame batch carries every entry, both formats, and grows past its initial size', () => {
  const w = new FrameBatchWriter(64);
  const big = 'x'.repeat(5000);
  w.add(3, FrameKind.quote, 10, '{"a":"é"}', new Uint8Array([1, 2, 3]));
  w.add(4, FrameKind.trades, 11, big, null);
  w.add(5, FrameKind.bar, 12, null, new Uint8Array([9]));
  const [a, b] = w.finish(1, 1234.5, 2);
  assert.notEqual(a, b, 'one buffer per recipient');
  const seen: FrameEntry[] = [];
  const header = readFrameBatch(a, (e) => seen.push({ ...e, json: e.json.slice(), pack: e.pack.slice() }));
  assert.deepEqual(header, { count: 3, flushTs: 1234.5, shard: 1 });
  assert.deepEqual(peekFrameBatch(b), header);
  assert.equal(new TextDecoder().decode(seen[0].json), '{"a":"é"}');
  assert.deepEqual([...seen[0].pack], [1, 2, 3]);
  assert.equal(seen[1].json.length, 5000);
  assert.equal(seen[1].pack.length, 0);
  assert.equal(seen[2].json.length, 0);
  assert.deepEqual(seen.map((e) => [e.symbolId, e.kind, e.seq]), [[3, 1, 10], [4, 2, 11], [5, 3, 12]]);
  assert.equal(w.count, 0, 'writer resets after finish');
  assert.throws(() => readFrameBatch(new ArrayBuffer(8), () => {}), /not a frame batch/);
});

test('interest table: per-gateway counts, any gateway wanting is enough, reset clears one gateway', () => {
  const t = new InterestTable(InterestTable.allocate(2, 10), 2, 10);
  assert.equal(t.wants(3, FrameKind.quote, 'json'), false);
  t.add(1, 3, FrameKind.quote, 'json', 1);
  assert.equal(t.wants(3, FrameKind.quote, 'json'), true);
  assert.equal(t.wants(3, FrameKind.quote, 'msgpack'), false);
  assert.equal(t.wants(3, FrameKind.trades, 'json'), false);
  t.add(0, 3, FrameKind.quote, 'json', 1);
  t.reset(1);
  assert.equal(t.wants(3, FrameKind.quote, 'json'), true);
  t.add(0, 3, FrameKind.quote, 'json', -1);
  assert.equal(t.wants(3, FrameKind.quote, 'json'), false);
});

test('symbol directory: stable hash placement, dense slots, every symbol exactly once', () => {
  const u = new Universe(['AAPL', 'MSFT', 'NVDA', 'BRK-B', 'aapl', 'bad symbol'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));
  assert.equal(u.size, 4, 'duplicates and invalid tickers dropped');
  const d = new SymbolDirectory(u, 3);
  const all = d.symbolsOf.flatMap((ids) => [...ids]).sort();
  assert.deepEqual(all, [0, 1, 2, 3]);
  for (let id = 0; id < u.size; id++) {
    assert.equal(d.shardOf[id], shardForSymbol(u.symbol(id), 3));
    assert.equal(d.symbolsOf[d.shardOf[id]][d.slotOf[id]], id);
  }
  assert.equal(shardForSymbol('AAPL', 7), shardForSymbol('AAPL', 7));
  assert.throws(() => new SymbolDirectory(u, 0), RangeError);
});

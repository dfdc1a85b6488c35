import test from 'node:test';
import assert from 'node:assert/strict';
import { SymbolDirectory, Universe, shardForSymbol, type Company } from '../../core/index.js';
import { admitListings } from '../../cli/universe-growth.js';

const co = (symbol: string, name = `${symbol} Inc`, exchange = 'NYSE'): Company => ({ symbol, name, exchange });
const base = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META', 'TSLA'].map((s) => co(s));

test('Universe.extend appends new symbols, updates changed ones, and never moves an id', () => {
  const u = new Universe(base);
  const ids = base.map((c) => u.id(c.symbol));
  const v = u.version;
  const change = u.extend([co('MSFT', 'Microsoft Corporation'), co('NEWCO'), co('aapl'), co('bad symbol!'), co('NEWCO'), co('ZZZ', 'Zed', 'Nasdaq')]);
  assert.deepEqual(change, { added: [6, 7], updated: [1, 0] });
  assert.deepEqual(base.map((c) => u.id(c.symbol)), ids);
  assert.equal(u.symbol(6), 'NEWCO');
  assert.equal(u.companies[1].name, 'Microsoft Corporation');
  assert.equal(u.version, v + 1);
  assert.deepEqual(u.extend([co('ZZZ', 'Zed', 'Nasdaq')]), { added: [], updated: [] }, 'idempotent');
  assert.equal(u.version, v + 1);
});

test('SymbolDirectory.extend places new ids after the existing slots of their shard, within the layout', () => {
  const u = new Universe(base);
  const layout = SymbolDirectory.layoutFor(u, 3, 2);
  const d = new SymbolDirectory(u, 3, layout);
  const before = base.map((c) => [d.shardOf[u.id(c.symbol)], d.slotOf[u.id(c.symbol)]]);
  const shardArray = d.shardOf;
  // Three new symbols on one shard: only two fit.
  const target = shardForSymbol('AAPL', 3);
  const fresh: Company[] = [];
  for (let i = 0; fresh.length < 3; i++) if (shardForSymbol(`X${i}`, 3) === target) fresh.push(co(`X${i}`));
  const { admitted, refused } = admitListings(u, d, [...base, ...fresh], 100);
  assert.deepEqual(refused, [fresh[2].symbol]);
  u.extend(admitted);
  assert.equal(d.extend(u), 8);
  assert.equal(d.shardOf, shardArray, 'never reallocated: threads may hold it');
  assert.deepEqual(base.map((c) => [d.shardOf[u.id(c.symbol)], d.slotOf[u.id(c.symbol)]]), before);
  const owned = d.symbolsOf[target];
  assert.deepEqual([...owned.slice(-2)], [u.id(fresh[0].symbol), u.id(fresh[1].symbol)]);
  assert.equal(owned.length, layout.shardCapacity[target]);
  assert.equal(d.hasRoomFor(fresh[2].symbol), false);
  // A thread started later from the grown universe with the same layout agrees on every placement.
  const later = new SymbolDirectory(new Universe(u.companies), 3, layout);
  for (let id = 0; id < u.size; id++) assert.deepEqual([later.shardOf[id], later.slotOf[id]], [d.shardOf[id], d.slotOf[id]]);
  // UNIVERSE_SIZE caps growth too.
  assert.deepEqual(admitListings(u, d, [co('YYY')], u.size).refused, ['YYY']);
});

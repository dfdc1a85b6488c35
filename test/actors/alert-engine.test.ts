import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertEngine } from '../../actors/alert-engine.js';
import { TradeHistory } from '../../actors/trade-history.js';
import { ManualClock, VOLUME_BASELINE_WINDOWS, type AlertFiring, type AlertRule } from '../../core/index.js';

const SYMBOLS = ['AAPL', 'MSFT'];

function rule(p: Partial<AlertRule> & Pick<AlertRule, 'id' | 'kind'>): AlertRule {
  return { symbol: 'AAPL', price: null, threshold: null, windowSec: null, rearm: false, cooldownSec: 0, fireSeq: 0, lastFiredAt: null, ...p };
}

function setup(rules: AlertRule[] = []) {
  const clock = new ManualClock();
  const engine = new AlertEngine({ symbolId: (s) => SYMBOLS.indexOf(s), clock });
  engine.replace(rules);
  const last = new Map<number, number>();
  const fired: AlertFiring[] = [];
  /** One trade of AAPL (or `symbol`) at `price`, event time = the clock unless given. */
  const trade = (price: number, opts: { size?: number; ts?: number; symbol?: string } = {}) => {
    const id = SYMBOLS.indexOf(opts.symbol ?? 'AAPL');
    const prev = last.get(id) ?? Number.NaN;
    last.set(id, price);
    if (engine.book(id)) engine.onTrade(id, SYMBOLS[id], prev, price, opts.size ?? 100, opts.ts ?? clock.now());
    const out = engine.takeFirings();
    fired.push(...out);
    return out;
  };
  return { clock, engine, trade, fired };
}

test('above fires at or above its level, once, and leaves the engine', () => {
  const { engine, trade } = setup([rule({ id: 'a', kind: 'above', price: 100 })]);
  assert.deepEqual(trade(99.99), []);
  const [f] = trade(100);
  assert.equal(f.alertId, 'a');
  assert.equal(f.fireSeq, 1);
  assert.equal(f.price, 100);
  assert.equal(f.value, 100);
  assert.equal(engine.size, 0);
  assert.equal(engine.book(0), undefined, 'a symbol without rules is back on the fast path');
  assert.deepEqual(trade(101), []);
  assert.deepEqual(trade(99), []);
  assert.deepEqual(trade(102), []);
});

test('below fires at or below its level; several levels fire from one trade, the others wait', () => {
  const { engine, trade } = setup([
    rule({ id: 'b90', kind: 'below', price: 90 }),
    rule({ id: 'b95', kind: 'below', price: 95 }),
    rule({ id: 'b80', kind: 'below', price: 80 }),
  ]);
  assert.deepEqual(trade(96), []);
  assert.deepEqual(trade(89).map((f) => f.alertId).sort(), ['b90', 'b95']);
  assert.equal(engine.size, 1);
  assert.deepEqual(trade(85), []);
  assert.deepEqual(trade(80).map((f) => f.alertId), ['b80']);
});

test('cross fires on a move through the level in both directions, never on the first trade', () => {
  const { trade } = setup([rule({ id: 'x', kind: 'cross', price: 100, rearm: true, cooldownSec: 0 })]);
  assert.deepEqual(trade(105), [], 'no previous price: nothing crossed');
  assert.deepEqual(trade(101), []);
  const down = trade(99);
  assert.equal(down.length, 1);
  assert.equal(down[0].direction, 'down');
  assert.equal(down[0].fireSeq, 1);
  assert.deepEqual(trade(98), []);
  const up = trade(100);
  assert.equal(up[0].direction, 'up', 'touching the level from below is a cross up');
  assert.equal(up[0].fireSeq, 2);
  assert.deepEqual(trade(100.5), [], 'leaving the level on the far side is not a second cross');
  assert.equal(trade(95)[0].direction, 'down');
});

test('cross once-only fires one time; a re-arming cross skips crossings inside its cooldown', () => {
  const once = setup([rule({ id: 'x', kind: 'cross', price: 50 })]);
  once.trade(49);
  assert.equal(once.trade(51).length, 1);
  assert.deepEqual(once.trade(49), []);

  const { clock, trade } = setup([rule({ id: 'y', kind: 'cross', price: 50, rearm: true, cooldownSec: 60 })]);
  trade(49);
  assert.equal(trade(51).length, 1);
  clock.advance(30_000);
  assert.deepEqual(trade(49), [], 'inside the cooldown');
  clock.advance(31_000);
  const [f] = trade(51);
  assert.equal(f.fireSeq, 2);
});

test('a re-arming above rule fires again only after the price left the level and the cooldown passed', () => {
  const { clock, trade } = setup([rule({ id: 'r', kind: 'above', price: 100, rearm: true, cooldownSec: 60 })]);
  assert.equal(trade(101).length, 1);
  assert.deepEqual(trade(102), [], 'latched while the condition holds');
  clock.advance(10_000);
  assert.deepEqual(trade(99), [], 'below again, but inside the cooldown: stays latched');
  assert.deepEqual(trade(101), []);
  clock.advance(60_000);
  assert.deepEqual(trade(101), [], 'cooldown over but the condition never went false after it');
  assert.deepEqual(trade(99), [], 're-armed here');
  const [f] = trade(100);
  assert.equal(f.fireSeq, 2);
});

test('a re-arming rule loaded after a restart with a past firing starts latched and counts on from its fireSeq', () => {
  const { clock, trade } = setup([rule({ id: 'r', kind: 'below', price: 10, rearm: true, cooldownSec: 5, fireSeq: 7, lastFiredAt: Date.UTC(2026, 0, 5) })]);
  assert.deepEqual(trade(9), [], 'fired before the restart; the condition has not been false since');
  clock.advance(1);
  trade(11);
  const [f] = trade(9);
  assert.equal(f.fireSeq, 8);
});

test('pct_move compares with the price windowSec ago (within one bucket) and reports the signed move', () => {
  const { clock, trade } = setup([rule({ id: 'p', kind: 'pct_move', threshold: 5, windowSec: 60 })]);
  trade(100);
  // A slow drift of +1% a minute never moves 5% within a 60 s window.
  for (let i = 1; i <= 8; i++) {
    clock.advance(60_000);
    assert.deepEqual(trade(100 * 1.01 ** i), [], `drift step ${i}`);
  }
  const base = 100 * 1.01 ** 8;
  clock.advance(30_000);
  assert.deepEqual(trade(base * 1.03), [], '+1.01 × 1.03 against the price 60 s ago: 4.03%');
  clock.advance(40_000);
  const [f] = trade(base * 0.94);
  assert.equal(f.direction, 'down');
  assert.ok(Math.abs(f.value - -6) < 1e-9, `move ${f.value}`);
});

test('pct_move before a full window of history measures from the first price seen', () => {
  const { clock, trade } = setup([rule({ id: 'p', kind: 'pct_move', threshold: 2, windowSec: 3600 })]);
  trade(50);
  clock.advance(1000);
  const [f] = trade(51.5);
  assert.equal(f.direction, 'up');
  assert.ok(Math.abs(f.value - 3) < 1e-9);
});

test('volume_spike waits for a full baseline, then fires when a window trades threshold× the average', () => {
  const W = 10_000;
  const { clock, trade } = setup([rule({ id: 'v', kind: 'volume_spike', threshold: 3, windowSec: W / 1000, rearm: true, cooldownSec: 0 })]);
  // 100 shares a second, steady: no spike.
  const steady = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      clock.advance(1000);
      assert.deepEqual(trade(10, { size: 100 }), [], `steady second ${s}`);
    }
  };
  steady(5);
  assert.deepEqual(trade(10, { size: 50_000 }), [], 'a burst before the baseline is known does not fire');
  steady((VOLUME_BASELINE_WINDOWS + 2) * 10);
  const [f] = trade(10, { size: 3000 });
  assert.ok(f, 'the window traded ~4000 against a 1000 average');
  assert.ok(f.value >= 3 && f.value < 5, `ratio ${f.value}`);
  assert.deepEqual(trade(10, { size: 3000 }), [], 'latched while the spike lasts');
});

test('fireSeq, stale upserts and replace', () => {
  const { engine, trade } = setup([rule({ id: 'a', kind: 'above', price: 10, fireSeq: 4 })]);
  assert.equal(trade(11)[0].fireSeq, 5);
  engine.upsert([rule({ id: 'a', kind: 'above', price: 10, fireSeq: 4 })]);
  assert.deepEqual(trade(12), [], 'the store still listed it armed because our firing was in flight: not revived');
  engine.recorded([{ alertId: 'a', fireSeq: 5 }]);
  engine.upsert([rule({ id: 'a', kind: 'above', price: 10, fireSeq: 5 })]);
  assert.equal(trade(13)[0].fireSeq, 6, 're-armed by the store (PATCH) after it recorded firing 5');

  engine.replace([rule({ id: 'b', kind: 'below', price: 5 }), rule({ id: 'c', kind: 'above', price: 1, symbol: 'MSFT' }), rule({ id: 'z', kind: 'above', price: 1, symbol: 'NOPE' })]);
  assert.equal(engine.size, 2);
  assert.equal(engine.stats.ignored, 1);
  engine.remove(['b']);
  assert.equal(engine.book(0), undefined);
  assert.equal(trade(2, { symbol: 'MSFT' })[0].alertId, 'c');
});

test('TradeHistory: dense buckets, gaps carried forward, volume unknown before it began', () => {
  const h = new TradeHistory(60_000);
  assert.equal(h.widthMs, 118);
  const t0 = 1_000_000_000_000;
  h.add(t0, 10, 5);
  h.add(t0 + 30_000, 11, 5);
  h.add(t0 + 59_000, 12, 5);
  assert.equal(h.priceAt(t0 - 1), 10, 'before the history: the first price');
  assert.equal(h.priceAt(t0 + 10_000), 10, 'inside a gap: the last price before it');
  assert.equal(h.priceAt(t0 + 40_000), 11);
  assert.equal(h.priceAt(t0 + 59_000), 12);
  assert.ok(Number.isNaN(h.volumeAt(t0 - 1000)));
  assert.equal(h.volumeAt(t0 + 10_000), 5);
  assert.equal(h.volumeAt(t0 + 59_000), 15);
  // A gap longer than the ring: the old data is gone, the last values carry.
  h.add(t0 + 10 * 60_000, 13, 1);
  assert.equal(h.priceAt(t0 + 10 * 60_000 - 30_000), 12);
  assert.equal(h.volumeAt(t0 + 10 * 60_000 - 30_000), 15);
  assert.throws(() => new TradeHistory(0), RangeError);
});

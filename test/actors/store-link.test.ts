import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { AlertEngine } from '../../actors/alert-engine.js';
import { QuoteTable } from '../../actors/quote-table.js';
import { Shard } from '../../actors/shard.js';
import { StoreLink } from '../../actors/store-link.js';
import { InterestTable, ManualClock, SymbolDirectory, TICK_FIELDS, TickKind, Universe, createLogger, type AlertRule, type AlertsFromShard } from '../../core/index.js';
import { tickRecords } from '../helpers/server.js';

const ID = '11111111-1111-4111-8111-111111111111';
const rule = (p: Partial<AlertRule> = {}): AlertRule => ({ id: ID, symbol: 'AAPL', kind: 'above', price: 100, threshold: null, windowSec: null, rearm: false, cooldownSec: 0, fireSeq: 0, lastFiredAt: null, ...p });

function setup() {
  const universe = new Universe(['AAPL', 'MSFT'].map((symbol) => ({ symbol, name: symbol, exchange: 'Nasdaq' })));
  const directory = new SymbolDirectory(universe, 1);
  const clock = new ManualClock();
  const alerts = new AlertEngine({ symbolId: (s) => universe.id(s), clock });
  const link = new StoreLink({ shard: 0, engine: alerts, log: createLogger('silent', { thread: 'test' }) });
  const shard = new Shard({
    shard: 0, universe, directory, clock, indicatorWindow: 5, alerts,
    table: new QuoteTable(QuoteTable.allocate(universe.size)),
    interest: new InterestTable(InterestTable.allocate(1, universe.size), 1, universe.size),
  });
  const apply = (ticks: Parameters<typeof tickRecords>[0]) => {
    const recs = tickRecords(ticks);
    for (let i = 0; i < ticks.length; i++) shard.apply(recs, i * TICK_FIELDS);
  };
  return { clock, alerts, link, shard, apply };
}

/** A store end of a fresh port pair; records what the shard sends. */
function storeEnd(): { port: MessagePort; shardPort: MessagePort; got: AlertsFromShard[]; next: () => Promise<AlertsFromShard> } {
  const { port1, port2 } = new MessageChannel();
  const got: AlertsFromShard[] = [];
  let wake: (() => void) | undefined;
  port1.on('message', (m: AlertsFromShard) => {
    got.push(m);
    wake?.();
  });
  const next = async () => {
    const n = got.length;
    while (got.length === n) await new Promise<void>((r) => (wake = r));
    return got[got.length - 1];
  };
  return { port: port1, shardPort: port2, got, next };
}

test('the shard evaluates rules on applied trades only: quotes, duplicates and late trades never fire', () => {
  const { alerts, apply, clock } = setup();
  alerts.replace([rule()]);
  const t = clock.now();
  apply([{ symbol: 0, kind: TickKind.trade, price: 99, eventTs: t, sourceSeq: 5 }]);
  apply([{ symbol: 0, kind: TickKind.quote, price: 0, bid: 150, ask: 151, bidSize: 1, askSize: 1, eventTs: t, sourceSeq: 6 }]);
  apply([{ symbol: 0, kind: TickKind.trade, price: 150, eventTs: t, sourceSeq: 6 }]); // duplicate source sequence
  apply([{ symbol: 0, kind: TickKind.trade, price: 150, eventTs: t - 120_000, sourceSeq: 7 }]); // a minute whose bar has closed
  assert.deepEqual(alerts.takeFirings(), []);
  apply([{ symbol: 1, kind: TickKind.trade, price: 150, eventTs: t, sourceSeq: 1 }]);
  assert.deepEqual(alerts.takeFirings(), [], 'another symbol');
  apply([{ symbol: 0, kind: TickKind.trade, price: 100, eventTs: t, sourceSeq: 8 }]);
  const [f] = alerts.takeFirings();
  assert.equal(f.alertId, ID);
  assert.equal(f.price, 100);
});

test('firings are resent on a new store port until the store confirms them', async () => {
  const { link, apply, clock } = setup();
  const a = storeEnd();
  link.attach(a.shardPort);
  link.receive({ type: 'alerts-replace', rules: [rule(), rule({ id: '22222222-2222-4222-8222-222222222222', kind: 'below', price: 50 })] });
  apply([{ symbol: 0, kind: TickKind.trade, price: 101, eventTs: clock.now() }]);
  link.flush();
  const first = await a.next();
  assert.equal(first.firings.length, 1);
  assert.equal(link.unconfirmed, 1);
  link.flush();
  assert.equal(link.stats.sent, 1, 'nothing new: nothing sent');

  // The store thread restarted before confirming: the new port gets the firing again.
  a.port.close();
  const b = storeEnd();
  link.attach(b.shardPort);
  const again = await b.next();
  assert.deepEqual(again.firings, first.firings);
  link.receive({ type: 'alerts-recorded', firings: [{ alertId: ID, fireSeq: 1 }] });
  assert.equal(link.unconfirmed, 0);
  // A stale replace (the store read the rule before recording) does not revive the once-only rule... until recorded, then it may.
  link.receive({ type: 'alerts-replace', rules: [rule({ fireSeq: 1 })] });
  b.port.close();
  const c = storeEnd();
  link.attach(c.shardPort);
  apply([{ symbol: 0, kind: TickKind.trade, price: 102, eventTs: clock.now() }]);
  link.flush();
  const re = await c.next();
  assert.equal(re.firings[0].fireSeq, 2, 're-armed by the store (fireSeq 1 recorded): the next firing is 2');
  assert.equal(link.stats.badMessages, 0);
  link.receive({ type: 'nonsense' });
  link.receive(null);
  assert.equal(link.stats.badMessages, 2, 'unknown and empty messages are counted, not thrown');
  c.port.close();
  link.close();
});

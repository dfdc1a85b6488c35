import test from 'node:test';
import assert from 'node:assert/strict';
import { alertsModule, type AlertDto, type AlertsPage } from '../../domain/alerts.js';
import type { NotificationsPage, ToInvestorPush } from '../../domain/notification-outbox.js';
import { hasCode, shardForSymbol, type AlertFiring, type AlertsToShard } from '../../core/index.js';
import { BACKENDS } from '../helpers/db.js';
import { testStore, type TestStore } from '../helpers/store-context.js';
import { natsFixture, uniqueSuffix } from '../helpers/nats.js';
import { until } from '../helpers/wait.js';
import { natsNotificationPublisher } from '../../domain/notification-publisher.js';

async function investor(s: TestStore, email: string): Promise<string> {
  const r = await s.db.db.insertInto('investors').values({ email, password_hash: 'x' }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(hasCode(err, code as never), `expected ${code}, got ${JSON.stringify(err)}`);
    return true;
  });
}

function firing(alertId: string, fireSeq: number, over: Partial<AlertFiring> = {}): AlertFiring {
  return { alertId, fireSeq, symbol: 'AAPL', kind: 'above', price: 201, value: 200, at: Date.UTC(2026, 0, 5, 15), firedAt: Date.UTC(2026, 0, 5, 15), ...over };
}

async function setup(kind: (typeof BACKENDS)[number], env: Record<string, string> = {}) {
  const s = await testStore(kind, env);
  const m = alertsModule(s.ctx);
  const call = <T>(method: string, params: unknown) => m.handlers![method](params) as Promise<T>;
  return { s, m, call };
}

for (const kind of BACKENDS) {
  test(`alerts (${kind}): create validates, enforces MAX_ALERTS and ownership; changes reach the owning shard`, async (t) => {
    const { s, m, call } = await setup(kind, { MAX_ALERTS: '3', SHARDS: '2' });
    t.after(async () => {
      await m.stop!();
      await s.close();
    });
    const alice = await investor(s, 'alice@example.com');
    const bob = await investor(s, 'bob@example.com');
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'above' } }), 'invalid_alert');
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'sideways', price: 1 } }), 'invalid_alert');
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'above', price: 1, windowSec: 60 } }), 'invalid_alert');
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'pct_move', threshold: 5 } }), 'invalid_alert');
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'ZZZZZZ', kind: 'above', price: 1 } }), 'unknown_symbol');

    const a = await call<AlertDto>('alerts.create', { investorId: alice, rule: { symbol: 'aapl', kind: 'above', price: 200 } });
    assert.equal(a.symbol, 'AAPL');
    assert.equal(a.state, 'armed');
    assert.equal(a.cooldownSec, 300);
    const shard = shardForSymbol('AAPL', s.ctx.config.shards);
    assert.deepEqual(s.shardMessages.at(-1), { shard, message: { type: 'alerts-upsert', rules: [{ id: a.id, symbol: 'AAPL', kind: 'above', price: 200, threshold: null, windowSec: null, rearm: false, cooldownSec: 300, fireSeq: 0, lastFiredAt: null }] } });
    await call('alerts.create', { investorId: alice, rule: { symbol: 'MSFT', kind: 'pct_move', threshold: 2.5, windowSec: 300, rearm: true, cooldownSec: 60 } });
    await call('alerts.create', { investorId: alice, rule: { symbol: 'NVDA', kind: 'volume_spike', threshold: 4, windowSec: 60 } });
    await rejects(call('alerts.create', { investorId: alice, rule: { symbol: 'NVDA', kind: 'below', price: 1 } }), 'too_many_alerts');
    await call('alerts.create', { investorId: bob, rule: { symbol: 'NVDA', kind: 'below', price: 1 } });

    await rejects(call('alerts.delete', { investorId: bob, id: a.id }), 'alert_not_found');
    await rejects(call('alerts.delete', { investorId: bob, id: 'not-a-uuid' }), 'alert_not_found');
    const disabled = await call<AlertDto>('alerts.update', { investorId: alice, id: a.id, enabled: false });
    assert.equal(disabled.enabled, false);
    assert.deepEqual(s.shardMessages.at(-1), { shard, message: { type: 'alerts-remove', ids: [a.id] } });

    // A shard (re)attaching gets every armed, enabled rule of its symbols and nothing else.
    for (const sh of [0, 1]) m.onShardAttached!(sh);
    await m.synced();
    const replaces = s.shardMessages.filter((x) => (x.message as AlertsToShard).type === 'alerts-replace');
    const replaced = replaces.flatMap((x) => (x.message as { rules: { symbol: string }[] }).rules.map((r) => [x.shard, r.symbol]));
    assert.deepEqual(replaced.sort(), [[shardForSymbol('MSFT', 2), 'MSFT'], [shardForSymbol('NVDA', 2), 'NVDA'], [shardForSymbol('NVDA', 2), 'NVDA']].sort());

    await call('alerts.delete', { investorId: alice, id: a.id });
    await rejects(call('alerts.delete', { investorId: alice, id: a.id }), 'alert_not_found');
  });

  test(`alerts (${kind}): keyset pages newest first, across pages with concurrent inserts`, async (t) => {
    const { s, m, call } = await setup(kind);
    t.after(async () => {
      await m.stop!();
      await s.close();
    });
    const alice = await investor(s, 'alice@example.com');
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      s.clock.advance(i % 2); // some share a millisecond: the id breaks the tie
      made.push((await call<AlertDto>('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'above', price: 100 + i } })).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: AlertsPage = await call('alerts.list', { investorId: alice, limit: 3, cursor });
      seen.push(...page.alerts.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
      if (pages++ === 0) await call('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'below', price: 1 } }); // lands before the first page
    } while (cursor);
    assert.equal(new Set(seen).size, 7);
    assert.deepEqual(new Set(seen), new Set(made));
    await rejects(call('alerts.list', { investorId: alice, cursor: 'garbage!' }), 'invalid_cursor');
  });

  test(`alerts (${kind}): a firing is recorded exactly once under resends; once-only rules stay disarmed`, async (t) => {
    const { s, m, call } = await setup(kind);
    t.after(async () => {
      await m.stop!();
      await s.close();
    });
    const alice = await investor(s, 'alice@example.com');
    const once = await call<AlertDto>('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'above', price: 200 } });
    const again = await call<AlertDto>('alerts.create', { investorId: alice, rule: { symbol: 'AAPL', kind: 'cross', price: 150, rearm: true, cooldownSec: 0 } });
    const shardMsgsBefore = s.shardMessages.length;

    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [firing(once.id, 1), firing(again.id, 1, { kind: 'cross', direction: 'up', value: 150 })] } as never);
    // The shard resends (the store restarted before confirming) and a stale copy of the once rule fires again.
    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [firing(once.id, 1), firing(again.id, 1, { kind: 'cross' })] } as never);
    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [firing(once.id, 2), firing(again.id, 2, { kind: 'cross', direction: 'down', value: 150 })] } as never);
    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [{ alertId: 'x' }, 'junk'] } as never);
    await m.firings.drain();

    const rows = await s.db.db.selectFrom('notifications').select(['alert_id', 'fire_seq', 'message']).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => [r.alert_id, r.fire_seq]), [[once.id, 1], [again.id, 1], [again.id, 2]]);
    assert.match(rows[0].message, /AAPL is at or above 200\.00 \(201\.00\)/);
    assert.match(rows[2].message, /crossed 150\.00 downwards/);
    assert.equal(m.firings.stats.recorded, 3);
    assert.equal(m.firings.stats.repeats, 3);
    assert.equal(m.firings.stats.invalid, 2);
    // Every firing, recorded or repeated, is confirmed so the shard stops resending.
    const confirmed = s.shardMessages.slice(shardMsgsBefore).flatMap((x) => ((x.message as AlertsToShard).type === 'alerts-recorded' ? (x.message as { firings: { alertId: string; fireSeq: number }[] }).firings : []));
    assert.equal(confirmed.length, 6);

    const [o, a] = await Promise.all([once, again].map((x) => s.db.db.selectFrom('alerts').selectAll().where('id', '=', x.id).executeTakeFirstOrThrow()));
    assert.equal(o.state, 'fired');
    assert.equal(o.fire_count, 1);
    assert.equal(a.state, 'armed');
    assert.equal(a.fire_count, 2);

    // Re-armed by the investor: it is evaluated again and counts on from its last firing.
    const rearmed = await call<AlertDto>('alerts.update', { investorId: alice, id: once.id, armed: true });
    assert.equal(rearmed.state, 'armed');
    assert.deepEqual((s.shardMessages.at(-1)!.message as { rules: { fireSeq: number }[] }).rules[0].fireSeq, 1);
    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [firing(once.id, 2)] } as never);
    await m.firings.drain();
    assert.equal((await s.db.db.selectFrom('notifications').select('id').where('alert_id', '=', once.id).execute()).length, 2);
  });

  test(`notifications (${kind}): the outbox relays each row once as a to-investor push; pages and resume`, async (t) => {
    const { s, m, call } = await setup(kind);
    t.after(async () => {
      await m.stop!();
      await s.close();
    });
    const alice = await investor(s, 'alice@example.com');
    const bob = await investor(s, 'bob@example.com');
    const rules = [];
    for (const who of [alice, alice, alice, bob]) rules.push(await call<AlertDto>('alerts.create', { investorId: who, rule: { symbol: 'AAPL', kind: 'above', price: 10 } }));
    m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: rules.map((r) => firing(r.id, 1)) } as never);
    await m.firings.drain();
    await m.outbox.dispatch();
    await m.outbox.dispatch();
    const pushes = s.pushes as unknown as ToInvestorPush[];
    assert.deepEqual(pushes.map((p) => [p.push, p.investorId === alice ? 'alice' : 'bob']), [['to-investor', 'alice'], ['to-investor', 'alice'], ['to-investor', 'alice'], ['to-investor', 'bob']]);
    assert.equal(pushes[0].message.type, 'alert');
    assert.equal(pushes[0].message.alertId, rules[0].id);
    const undispatched = await s.db.db.selectFrom('notifications').select('id').where('dispatched_at', 'is', null).execute();
    assert.equal(undispatched.length, 0);

    const p1: NotificationsPage = await call('notifications.list', { investorId: alice, limit: 2 });
    assert.equal(p1.notifications.length, 2);
    assert.ok(p1.notifications[0].id > p1.notifications[1].id, 'newest first');
    const p2: NotificationsPage = await call('notifications.list', { investorId: alice, limit: 2, cursor: p1.nextCursor });
    assert.equal(p2.notifications.length, 1);
    assert.equal(p2.nextCursor, null);
    const since = await call<{ notifications: { id: number }[] }>('notifications.since', { investorId: alice, afterId: p2.notifications[0].id });
    assert.deepEqual(since.notifications.map((n) => n.id), p1.notifications.map((n) => n.id).reverse());
    await rejects(call('notifications.since', { investorId: alice, afterId: -1 }), 'invalid_query');
  });
}

test('notifications reach NATS on <prefix>.alerts.<investorId> before the outbox marks them dispatched', async (t) => {
  const nats = await natsFixture();
  const prefix = `alerts_t_${uniqueSuffix()}`;
  const s = await testStore('pglite');
  const publisher = natsNotificationPublisher({ servers: nats.url, prefix, log: s.ctx.log });
  const m = alertsModule(s.ctx, { publisher });
  t.after(async () => {
    await m.stop!();
    await s.close();
    await nats.close();
  });
  const alice = await investor(s, 'alice@example.com');
  const got: { subject: string; data: { alertId: string; fireSeq: number } }[] = [];
  const sub = nats.nc.subscribe(`${prefix}.alerts.>`, { callback: (_err, msg) => got.push({ subject: msg.subject, data: msg.json() }) });
  await nats.nc.flush();
  const rule = (await m.handlers!['alerts.create']({ investorId: alice, rule: { symbol: 'AAPL', kind: 'below', price: 10 } })) as AlertDto;
  await until(() => publisher.connected, 5000, 'the publisher connected to NATS');
  m.onShardMessage!(0, { type: 'alert-fired', shard: 0, firings: [firing(rule.id, 1, { kind: 'below', price: 9, value: 10 })] } as never);
  await m.firings.drain();
  await m.outbox.dispatch();
  await nats.nc.flush();
  await until(() => got.length > 0, 5000, 'the notification on NATS');
  assert.deepEqual(got.map((g) => [g.subject, g.data.alertId, g.data.fireSeq]), [[`${prefix}.alerts.${alice}`, rule.id, 1]]);
  const row = await s.db.db.selectFrom('notifications').select('dispatched_at').executeTakeFirstOrThrow();
  assert.ok(row.dispatched_at instanceof Date);
  sub.unsubscribe();
});

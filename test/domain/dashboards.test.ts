import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasCode, type DashboardsMessage } from '../../core/index.js';
import { dashboardsModule, type DashboardView, type DashboardsPage, type WatchlistPage } from '../../domain/dashboards.js';
import type { StoreModule } from '../../domain/store-context.js';
import { BACKENDS } from '../helpers/db.js';
import { testStore, type TestStore } from '../helpers/store-context.js';

for (const kind of BACKENDS) {
  describe(`${kind}: dashboards`, () => {
    let t: TestStore;
    let mod: StoreModule;
    const call = <T>(method: string, params: unknown) => mod.handlers![`dashboards.${method}`](params) as Promise<T>;
    const investor = async (email: string): Promise<string> => (await t.db.db.insertInto('investors').values({ email, password_hash: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    const lastPush = () => t.pushes.at(-1) as { push: string; investorId: string; message: DashboardsMessage };
    before(async () => {
      t = await testStore(kind, { MAX_DASHBOARDS: '5', MAX_WATCHLIST_SYMBOLS: '4' });
      mod = dashboardsModule(t.ctx);
    });
    after(() => t.db.drop());

    test('create, rename, list; every change is pushed to the investor', async () => {
      const ann = await investor('ann@example.com');
      const a = await call<DashboardView>('create', { investorId: ann, name: '  Tech  ' });
      assert.deepEqual([a.name, a.position, a.symbols], ['Tech', 0, []]);
      assert.deepEqual(lastPush(), { push: 'to-investor', investorId: ann, message: { type: 'dashboards', change: 'created', id: a.id, dashboard: a, ts: t.clock.now() } });
      const b = await call<DashboardView>('create', { investorId: ann, name: 'Energy' });
      assert.equal(b.position, 1);
      t.clock.advance(1000);
      const renamed = await call<DashboardView>('update', { investorId: ann, id: a.id, name: 'Big Tech' });
      assert.equal(renamed.name, 'Big Tech');
      assert.ok(renamed.updatedAt > a.updatedAt);
      assert.equal(lastPush().message.change, 'updated');
      const page = await call<DashboardsPage>('list', { investorId: ann });
      assert.deepEqual(page.dashboards.map((d) => d.name), ['Big Tech', 'Energy']);
      assert.equal(page.nextCursor, null);
      for (const name of ['', '   ', 'x'.repeat(101), 'tab\there', 7]) {
        await assert.rejects(call('create', { investorId: ann, name }), (e) => hasCode(e, 'invalid_argument'), String(name));
      }
    });

    test('symbols: add (last or at a position), remove, reorder; unknown and malformed symbols are refused with codes', async () => {
      const bob = await investor('bob@example.com');
      const d = await call<DashboardView>('create', { investorId: bob, name: 'Watch' });
      await call('addSymbol', { investorId: bob, id: d.id, symbol: 'aapl' });
      await call('addSymbol', { investorId: bob, id: d.id, symbol: 'MSFT' });
      let v = await call<DashboardView>('addSymbol', { investorId: bob, id: d.id, symbol: 'NVDA', position: 0 });
      assert.deepEqual(v.symbols, ['NVDA', 'AAPL', 'MSFT']);
      assert.deepEqual(lastPush().message.dashboard?.symbols, ['NVDA', 'AAPL', 'MSFT']);
      await assert.rejects(call('addSymbol', { investorId: bob, id: d.id, symbol: 'AAPL' }), (e) => hasCode(e, 'symbol_already_listed'));
      await assert.rejects(call('addSymbol', { investorId: bob, id: d.id, symbol: 'ZZZZZZ' }), (e) => hasCode(e, 'unknown_symbol'));
      await assert.rejects(call('addSymbol', { investorId: bob, id: d.id, symbol: '$$$' }), (e) => hasCode(e, 'invalid_symbol'));
      v = await call<DashboardView>('removeSymbol', { investorId: bob, id: d.id, symbol: 'aapl' });
      assert.deepEqual(v.symbols, ['NVDA', 'MSFT']);
      await assert.rejects(call('removeSymbol', { investorId: bob, id: d.id, symbol: 'AAPL' }), (e) => hasCode(e, 'symbol_not_listed'));
      v = await call<DashboardView>('addSymbol', { investorId: bob, id: d.id, symbol: 'AMZN', position: 1 });
      assert.deepEqual(v.symbols, ['NVDA', 'AMZN', 'MSFT']);
      v = await call<DashboardView>('reorderSymbols', { investorId: bob, id: d.id, symbols: ['msft', 'NVDA', 'AMZN'] });
      assert.deepEqual(v.symbols, ['MSFT', 'NVDA', 'AMZN']);
      for (const symbols of [['MSFT', 'NVDA'], ['MSFT', 'NVDA', 'AMZN', 'AAPL'], ['MSFT', 'NVDA', 'NVDA'], ['MSFT', 'NVDA', '$$'], 'MSFT']) {
        await assert.rejects(call('reorderSymbols', { investorId: bob, id: d.id, symbols }), (e) => hasCode(e, 'invalid_order'), JSON.stringify(symbols));
      }
      // Positions stay dense: the keyset list shows 0, 1, 2.
      const page = await call<WatchlistPage>('symbols', { investorId: bob, id: d.id });
      assert.deepEqual(page.symbols.map((s) => [s.symbol, s.position]), [['MSFT', 0], ['NVDA', 1], ['AMZN', 2]]);
    });

    test('limits: MAX_DASHBOARDS and MAX_WATCHLIST_SYMBOLS', async () => {
      const cy = await investor('cy@example.com');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await call<DashboardView>('create', { investorId: cy, name: `D${i}` })).id);
      await assert.rejects(call('create', { investorId: cy, name: 'one too many' }), (e) => hasCode(e, 'too_many_dashboards'));
      for (const s of ['AAPL', 'MSFT', 'NVDA', 'AMZN']) await call('addSymbol', { investorId: cy, id: ids[0], symbol: s });
      await assert.rejects(call('addSymbol', { investorId: cy, id: ids[0], symbol: 'TSLA' }), (e) => hasCode(e, 'watchlist_full'));
      // Concurrent creates cannot race past the limit (the investor's row lock serialises them).
      await call('delete', { investorId: cy, id: ids[4] });
      const raced = await Promise.allSettled([1, 2, 3].map((i) => call('create', { investorId: cy, name: `race ${i}` })));
      assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await call<DashboardsPage>('list', { investorId: cy })).dashboards.length, 5);
    });

    test('ownership: another investor\'s dashboard is not found, for every operation', async () => {
      const owner = await investor('owner@example.com');
      const thief = await investor('thief@example.com');
      const d = await call<DashboardView>('create', { investorId: owner, name: 'Mine' });
      await call('addSymbol', { investorId: owner, id: d.id, symbol: 'AAPL' });
      const attempts: [string, object][] = [
        ['get', {}],
        ['update', { name: 'Yours' }],
        ['delete', {}],
        ['addSymbol', { symbol: 'MSFT' }],
        ['removeSymbol', { symbol: 'AAPL' }],
        ['reorderSymbols', { symbols: ['AAPL'] }],
        ['symbols', {}],
      ];
      for (const [method, extra] of attempts) {
        await assert.rejects(call(method, { investorId: thief, id: d.id, ...extra }), (e) => hasCode(e, 'dashboard_not_found'), method);
        await assert.rejects(call(method, { investorId: owner, id: 'not-a-uuid', ...extra }), (e) => hasCode(e, 'dashboard_not_found'), `${method} (bad id)`);
      }
      await assert.rejects(call('reorder', { investorId: thief, ids: [d.id] }), (e) => hasCode(e, 'invalid_order'));
      assert.deepEqual((await call<DashboardView>('get', { investorId: owner, id: d.id })).symbols, ['AAPL']);
      assert.deepEqual((await call<DashboardsPage>('list', { investorId: thief })).dashboards, []);
      await assert.rejects(call('create', { investorId: '00000000-0000-4000-8000-000000000000', name: 'ghost' }), (e) => hasCode(e, 'unauthorized'));
    });

    test('reorder: move by position, or PUT the whole order; delete closes the gap', async () => {
      const dee = await investor('dee@example.com');
      const created: DashboardView[] = [];
      for (const name of ['A', 'B', 'C', 'D']) created.push(await call<DashboardView>('create', { investorId: dee, name }));
      const [a, b, c, d] = created;
      const names = async () => (await call<DashboardsPage>('list', { investorId: dee })).dashboards.map((x) => `${x.name}${x.position}`);
      assert.deepEqual(await names(), ['A0', 'B1', 'C2', 'D3']);
      await call('update', { investorId: dee, id: d.id, position: 0 });
      assert.deepEqual(await names(), ['D0', 'A1', 'B2', 'C3']);
      assert.deepEqual(lastPush().message, { type: 'dashboards', change: 'reordered', order: [d.id, a.id, b.id, c.id], ts: t.clock.now() });
      await call('update', { investorId: dee, id: d.id, position: 99 });
      assert.deepEqual(await names(), ['A0', 'B1', 'C2', 'D3']);
      assert.deepEqual(await call('reorder', { investorId: dee, ids: [c.id, a.id, d.id, b.id] }), { order: [c.id, a.id, d.id, b.id] });
      assert.deepEqual(await names(), ['C0', 'A1', 'D2', 'B3']);
      for (const ids of [[c.id, a.id, d.id], [c.id, a.id, d.id, b.id, b.id], [c.id, a.id, d.id, 'nope'], 'x']) {
        await assert.rejects(call('reorder', { investorId: dee, ids }), (e) => hasCode(e, 'invalid_order'));
      }
      await call('delete', { investorId: dee, id: a.id });
      assert.deepEqual(lastPush().message, { type: 'dashboards', change: 'deleted', id: a.id, ts: t.clock.now() });
      assert.deepEqual(await names(), ['C0', 'D1', 'B2']);
      await assert.rejects(call('get', { investorId: dee, id: a.id }), (e) => hasCode(e, 'dashboard_not_found'));
      await assert.rejects(call('update', { investorId: dee, id: b.id, position: -1 }), (e) => hasCode(e, 'invalid_argument'));
    });

    test('keyset pages: every dashboard once across pages, also with inserts between pages; foreign and edited cursors are refused', async () => {
      const eve = await investor('eve@example.com');
      for (let i = 0; i < 4; i++) await call('create', { investorId: eve, name: `P${i}` });
      const p1 = await call<DashboardsPage>('list', { investorId: eve, limit: 2 });
      assert.deepEqual(p1.dashboards.map((d) => d.name), ['P0', 'P1']);
      await call('create', { investorId: eve, name: 'P4' }); // lands at the end, after the cursor
      const p2 = await call<DashboardsPage>('list', { investorId: eve, limit: 2, cursor: p1.nextCursor });
      assert.deepEqual(p2.dashboards.map((d) => d.name), ['P2', 'P3']);
      const p3 = await call<DashboardsPage>('list', { investorId: eve, limit: 2, cursor: p2.nextCursor });
      assert.deepEqual([p3.dashboards.map((d) => d.name), p3.nextCursor], [['P4'], null]);
      await assert.rejects(call('list', { investorId: eve, cursor: 'garbage!' }), (e) => hasCode(e, 'invalid_cursor'));
      const d = p1.dashboards[0];
      for (const s of ['AAPL', 'MSFT', 'NVDA']) await call('addSymbol', { investorId: eve, id: d.id, symbol: s });
      const s1 = await call<WatchlistPage>('symbols', { investorId: eve, id: d.id, limit: 2 });
      const s2 = await call<WatchlistPage>('symbols', { investorId: eve, id: d.id, limit: 2, cursor: s1.nextCursor });
      assert.deepEqual([...s1.symbols, ...s2.symbols].map((s) => s.symbol), ['AAPL', 'MSFT', 'NVDA']);
      assert.equal(s2.nextCursor, null);
      await assert.rejects(call('symbols', { investorId: eve, id: p1.dashboards[1].id, cursor: s1.nextCursor }), (e) => hasCode(e, 'invalid_cursor'), 'a cursor of another watchlist');
      await assert.rejects(call('list', { investorId: eve, cursor: s1.nextCursor }), (e) => hasCode(e, 'invalid_cursor'), 'a watchlist cursor on the dashboards list');
    });
  });
}

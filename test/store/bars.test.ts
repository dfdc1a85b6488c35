import test from 'node:test';
import assert from 'node:assert/strict';
import type { ClosedBar } from '../../actors/shard.js';
import { barsModule, type BarsPage } from '../../domain/bars.js';
import { hasCode } from '../../core/index.js';
import { BACKENDS } from '../helpers/db.js';
import { testStore } from '../helpers/store-context.js';

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const bar = (symbol: string, minute: number, close: number, volume = 100): ClosedBar => ({
  symbol,
  start: T0 + minute * 60_000,
  open: close - 1,
  high: close + 1,
  low: close - 2,
  close,
  volume,
  trades: 3,
});

for (const kind of BACKENDS) {
  test(`bars (${kind}): closed bars are written in batches, idempotently, and a later version of a bar wins`, async (t) => {
    const s = await testStore(kind, { BAR_WRITE_INTERVAL_MS: '100' });
    t.after(() => s.close());
    const m = barsModule(s.ctx);
    m.onShardMessage!(0, { type: 'bars-closed', bars: [bar('AAPL', 0, 10), bar('AAPL', 1, 11), bar('MSFT', 0, 20)] } as never);
    // The same bar again (a replayed flush) and a corrected version of another.
    m.onShardMessage!(1, { type: 'bars-closed', bars: [bar('AAPL', 0, 10), bar('MSFT', 0, 21, 150)] } as never);
    await m.flush();
    m.onShardMessage!(0, { type: 'bars-closed', bars: [bar('AAPL', 1, 11)] } as never);
    await m.flush();
    const rows = await s.db.db.selectFrom('bars_1m').selectAll().orderBy('symbol').orderBy('start').execute();
    assert.deepEqual(
      rows.map((r) => [r.symbol, r.start.getTime() - T0, r.close, r.volume]),
      [
        ['AAPL', 0, 10, 100],
        ['AAPL', 60_000, 11, 100],
        ['MSFT', 0, 21, 150],
      ],
    );
    await m.stop!();
  });

  test(`bars (${kind}): invalid bars from a shard are dropped, valid ones beside them kept`, async (t) => {
    const s = await testStore(kind);
    t.after(() => s.close());
    const m = barsModule(s.ctx);
    const bad = [
      { ...bar('AAPL', 2, 10), start: T0 + 1 }, // not a minute boundary
      { ...bar('AAPL', 3, 10), close: Number.NaN },
      { ...bar('AAPL', 4, 10), high: 1, low: 5 },
      { ...bar('aapl', 5, 10) },
      null,
    ];
    m.onShardMessage!(0, { type: 'bars-closed', bars: [...bad, bar('AAPL', 6, 12)] } as never);
    await m.stop!();
    const rows = await s.db.db.selectFrom('bars_1m').select(['start']).execute();
    assert.deepEqual(rows.map((r) => r.start.getTime() - T0), [6 * 60_000]);
  });

  test(`bars (${kind}): keyset pages forward from \`from\` and backward from \`to\`, with no gaps or repeats across pages`, async (t) => {
    const s = await testStore(kind);
    t.after(() => s.close());
    const m = barsModule(s.ctx);
    m.onShardMessage!(0, { type: 'bars-closed', bars: Array.from({ length: 25 }, (_, i) => bar('AAPL', i, 100 + i)).concat([bar('MSFT', 3, 1)]) } as never);
    await m.flush();
    const list = (q: object) => m.handlers!['bars.list']({ symbol: 'AAPL', ...q }) as Promise<BarsPage>;

    const forward: number[] = [];
    let page = await list({ from: T0 + 2 * 60_000, to: T0 + 20 * 60_000, limit: 5 });
    for (;;) {
      forward.push(...page.bars.map((b) => (b.t - T0) / 60_000));
      if (!page.nextCursor) break;
      page = await list({ from: T0 + 2 * 60_000, to: T0 + 20 * 60_000, limit: 5, cursor: page.nextCursor });
    }
    assert.deepEqual(forward, Array.from({ length: 18 }, (_, i) => i + 2));

    // Backward: newest page first, each page oldest first; a bar inserted behind the cursor mid-walk does not disturb it.
    const pages: number[][] = [];
    page = await list({ to: T0 + 25 * 60_000, limit: 10 });
    pages.push(page.bars.map((b) => (b.t - T0) / 60_000));
    m.onShardMessage!(0, { type: 'bars-closed', bars: [bar('AAPL', 30, 1)] } as never);
    await m.flush();
    while (page.nextCursor) {
      page = await list({ to: T0 + 25 * 60_000, limit: 10, cursor: page.nextCursor });
      pages.push(page.bars.map((b) => (b.t - T0) / 60_000));
    }
    assert.deepEqual(pages, [
      [15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      [0, 1, 2, 3, 4],
    ]);
    const first = (await list({ to: T0 + 25 * 60_000, limit: 1 })).bars[0];
    assert.deepEqual(first, { t: T0 + 24 * 60_000, o: 123, h: 125, l: 122, c: 124, v: 100, n: 3 });
  });

  test(`bars (${kind}): bad symbols and cursors are refused with codes`, async (t) => {
    const s = await testStore(kind);
    t.after(() => s.close());
    const m = barsModule(s.ctx);
    const list = m.handlers!['bars.list'];
    await assert.rejects(list({ symbol: 'not a ticker' }), (e) => hasCode(e, 'invalid_symbol'));
    await assert.rejects(list({ symbol: 'ZZZZZZ' }), (e) => hasCode(e, 'unknown_symbol'));
    await assert.rejects(list({ symbol: 'AAPL', cursor: 'garbage!' }), (e) => hasCode(e, 'invalid_cursor'));
    // A cursor of another symbol, or of the other direction, is not accepted either.
    m.onShardMessage!(0, { type: 'bars-closed', bars: [bar('MSFT', 0, 10), bar('MSFT', 1, 10)] } as never);
    await m.flush();
    const msft = (await list({ symbol: 'MSFT', to: T0 + 10 * 60_000, limit: 1 })) as BarsPage;
    assert.ok(msft.nextCursor);
    await assert.rejects(list({ symbol: 'AAPL', to: T0 + 10 * 60_000, cursor: msft.nextCursor }), (e) => hasCode(e, 'invalid_cursor'));
    await assert.rejects(list({ symbol: 'MSFT', from: 0, cursor: msft.nextCursor }), (e) => hasCode(e, 'invalid_cursor'));
    await m.stop!();
  });
}

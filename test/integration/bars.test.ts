import test from 'node:test';
import assert from 'node:assert/strict';
import { TickKind } from '../../core/index.js';
import { startTestServer, tickRecords, until } from '../helpers/server.js';

const MINUTE = 60_000;

test('bars closed by the actors are persisted and served by GET /v1/bars/:symbol', async (t) => {
  const env = { BAR_WRITE_INTERVAL_MS: '50' };
  const server = await startTestServer(env);
  let stopped = false;
  t.after(() => (stopped ? undefined : server.stop()));
  const id = server.universe.id('AAPL');
  const m0 = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
  // Two trades in minute m0, one in m0+1 (closes m0), one in m0+2 (closes m0+1); m0+2 is closed by the clock.
  const trades = [
    { price: 100, size: 10, eventTs: m0 + 1_000, sourceSeq: 1 },
    { price: 102, size: 5, eventTs: m0 + 2_000, sourceSeq: 2 },
    { price: 101, size: 7, eventTs: m0 + MINUTE + 1_000, sourceSeq: 3 },
    { price: 103, size: 1, eventTs: m0 + 2 * MINUTE + 1_000, sourceSeq: 4 },
  ];
  server.inject(tickRecords(trades.map((x) => ({ ...x, symbol: id, kind: TickKind.trade }))), trades.length);

  const url = `http://127.0.0.1:${server.port}/v1/bars/AAPL?from=${m0}`;
  let body: { symbol: string; bars: { t: number; o: number; h: number; l: number; c: number; v: number; n: number }[]; nextCursor: string | null } | undefined;
  await until(async () => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    body = (await res.json()) as typeof body;
    return body!.bars.length >= 3;
  }, 5000, 'three bars');
  assert.deepEqual(body!.bars, [
    { t: m0, o: 100, h: 102, l: 100, c: 102, v: 15, n: 2 },
    { t: m0 + MINUTE, o: 101, h: 101, l: 101, c: 101, v: 7, n: 1 },
    // Closed by the wall clock (the minute is over), not by a later trade.
    { t: m0 + 2 * MINUTE, o: 103, h: 103, l: 103, c: 103, v: 1, n: 1 },
  ]);
  assert.equal(body!.nextCursor, null);

  // Paging through the API: one bar per page, the cursor carries on.
  const p1 = (await (await fetch(`${url}&limit=1`)).json()) as { bars: unknown[]; nextCursor: string };
  assert.equal(p1.bars.length, 1);
  const p2 = (await (await fetch(`${url}&limit=1&cursor=${p1.nextCursor}`)).json()) as { bars: { t: number }[] };
  assert.deepEqual(p2.bars.map((b) => b.t), [m0 + MINUTE]);

  // Bad input: codes, not crashes.
  const bad = async (path: string, code: string, status = 400) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    assert.equal(res.status, status, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code, path);
  };
  await bad('/v1/bars/AAPL?limit=0', 'invalid_query');
  await bad('/v1/bars/AAPL?from=abc', 'invalid_query');
  await bad(`/v1/bars/AAPL?from=${m0}&to=${m0}`, 'invalid_query');
  await bad('/v1/bars/AAPL?cursor=xyz', 'invalid_cursor');
  await bad('/v1/bars/ZZZZZZZ', 'unknown_symbol', 404);
  stopped = true;
  await server.stop();
});

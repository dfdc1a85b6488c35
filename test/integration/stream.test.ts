import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QuoteMessage, SnapshotMessage, TradesMessage, BarMessage, ErrorMessage } from '../../core/index.js';
import type { ServerHandle } from '../../cli/supervisor.js';
import { injectTrades, sleep, startTestServer, tickRecords } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { TickKind } from '../../core/index.js';

let server: ServerHandle;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

for (const format of ['json', 'msgpack'] as const) {
  describe(`stream over bourse.v1.${format}`, () => {
    test('subscribe → snapshot → quotes, trades and bars with increasing seq', async () => {
      const c = await TestClient.connect(server.port, format);
      assert.equal(c.ws.protocol, `bourse.v1.${format}`);
      c.send({ op: 'subscribe', symbols: ['aapl', 'MSFT'], channels: ['quotes', 'trades', 'bars'], id: 1 });
      const snap = await c.next<SnapshotMessage>((m) => m.type === 'snapshot' && m.symbol === 'AAPL');
      assert.equal(snap.name, 'Apple Inc.');
      assert.equal(snap.exchange, 'Nasdaq');
      await c.next((m) => m.type === 'snapshot' && m.symbol === 'MSFT');
      const before = Date.now();
      for (let i = 0; i < 3; i++) {
        injectTrades(server, ['AAPL', 'MSFT'], 200 + i, 10 + i);
        await c.next((m) => m.type === 'quote' && m.symbol === 'AAPL' && m.last === 200 + i);
      }
      const quotes = c.ofType('quote', 'AAPL') as QuoteMessage[];
      const seqs = quotes.map((q) => q.seq);
      assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), `seqs consecutive: ${seqs}`);
      assert.ok(seqs[0] > snap.seq, 'quotes follow the snapshot');
      const last = quotes.at(-1)!;
      assert.ok(last.ts >= before - 5 && last.ta <= last.ts, 'ts is server time; ta (tick arrival) precedes it');
      assert.equal(last.high, 202);
      assert.equal(last.volume, snap.volume + 10 + 11 + 12);
      const trades = c.ofType('trades', 'AAPL') as TradesMessage[];
      assert.deepEqual(trades.flatMap((t) => t.trades.map((x) => x.p)), [200, 201, 202]);
      const bars = c.ofType('bar', 'AAPL') as BarMessage[];
      assert.ok(bars.length >= 1 && bars.at(-1)!.close === 202 && bars.at(-1)!.closed === false);
      c.close();
    });

    test('unsubscribe stops a symbol; other symbols keep flowing', async () => {
      const c = await TestClient.connect(server.port, format);
      c.send({ op: 'subscribe', symbols: ['NVDA', 'AMZN'] });
      await c.next((m) => m.type === 'snapshot' && m.symbol === 'AMZN');
      c.send({ op: 'unsubscribe', symbols: ['NVDA'] });
      await c.sync();
      const from = c.messages.length;
      injectTrades(server, ['NVDA', 'AMZN'], 77);
      await c.next((m) => m.type === 'quote' && m.symbol === 'AMZN' && m.last === 77, 5000, from);
      injectTrades(server, ['AMZN'], 78);
      await c.next((m) => m.type === 'quote' && m.symbol === 'AMZN' && m.last === 78, 5000, from);
      assert.equal(c.messages.slice(from).filter((m) => (m as { symbol?: string }).symbol === 'NVDA').length, 0);
      c.close();
    });
  });
}

test('a symbol that never traded snapshots with seq 0 and null fields, not zeros', async () => {
  const c = await TestClient.connect(server.port, 'json');
  c.send({ op: 'subscribe', symbols: ['IBM'] });
  const snap = await c.next<SnapshotMessage>((m) => m.type === 'snapshot' && m.symbol === 'IBM');
  assert.equal(snap.seq, 0);
  for (const field of ['last', 'bid', 'ask', 'open', 'high', 'low', 'vwap', 'sma', 'volatility'] as const) assert.equal(snap[field], null, field);
  assert.equal(snap.volume, 0);
  assert.equal(snap.bar, null);
  c.close();
});

test('resume: a stale seq gets a fresh snapshot, the current seq gets none', async () => {
  const a = await TestClient.connect(server.port);
  a.send({ op: 'subscribe', symbols: ['GOOGL'] });
  await a.next((m) => m.type === 'snapshot');
  injectTrades(server, ['GOOGL'], 150);
  const q1 = await a.next<QuoteMessage>((m) => m.type === 'quote' && m.last === 150);
  a.close();
  injectTrades(server, ['GOOGL'], 151);
  const b = await TestClient.connect(server.port, 'msgpack');
  b.send({ op: 'subscribe', symbols: ['GOOGL'] });
  // The 151 trade reaches b either in its snapshot or in the next quote, depending on the flush.
  const current = await b.next<SnapshotMessage | QuoteMessage>((m) => (m.type === 'snapshot' || m.type === 'quote') && m.last === 151);
  b.close();

  const stale = await TestClient.connect(server.port);
  stale.send({ op: 'resume', seqs: { GOOGL: q1.seq } });
  const snap = await stale.next<SnapshotMessage>((m) => m.type === 'snapshot');
  assert.equal(snap.seq, current.seq);
  assert.equal(snap.last, 151);

  const upToDate = await TestClient.connect(server.port);
  upToDate.send({ op: 'resume', seqs: { GOOGL: current.seq } });
  await upToDate.sync();
  assert.equal(upToDate.ofType('snapshot').length, 0);
  injectTrades(server, ['GOOGL'], 152);
  // A frame of the resumed seq may still be in flight (a documented duplicate); the next change follows at seq + 1.
  const q = await upToDate.next<QuoteMessage>((m) => m.type === 'quote' && m.last === 152);
  assert.equal(q.seq, current.seq + 1, 'resumed client continues without a gap');
  assert.ok(upToDate.ofType('quote').every((m) => m.seq >= current.seq), 'nothing older than the resumed seq');
  stale.close();
  upToDate.close();
});

test('throttle: at most one quote per window, and the latest state is delivered when the window opens', async () => {
  const fast = await TestClient.connect(server.port);
  const slow = await TestClient.connect(server.port);
  fast.send({ op: 'subscribe', symbols: ['META'] });
  slow.send({ op: 'subscribe', symbols: ['META'], throttle: 400 });
  await fast.next((m) => m.type === 'snapshot');
  await slow.next((m) => m.type === 'snapshot');
  const started = Date.now();
  let price = 300;
  while (Date.now() - started < 1600) {
    injectTrades(server, ['META'], ++price);
    await sleep(50);
  }
  const finalPrice = price;
  await slow.next((m) => m.type === 'quote' && m.last === finalPrice, 2000);
  const slowQuotes = slow.ofType('quote');
  const fastQuotes = fast.ofType('quote');
  assert.ok(fastQuotes.length >= 15, `unthrottled client saw ${fastQuotes.length} quotes`);
  assert.ok(slowQuotes.length >= 3 && slowQuotes.length <= 7, `throttled client saw ${slowQuotes.length} quotes in ~2 s at 400 ms`);
  const at = slow.messages.map((m, i) => (m.type === 'quote' ? slow.receivedAt[i] : -1)).filter((t) => t >= 0);
  for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 400 - 40, `throttled quotes received ${at[i] - at[i - 1]} ms apart`);
  fast.close();
  slow.close();
});

test('bad input gets error frames with stable codes; the connection survives', async () => {
  const c = await TestClient.connect(server.port);
  const errorFor = async (send: () => void, code: string) => {
    const from = c.messages.length;
    send();
    const e = await c.next<ErrorMessage>((m) => m.type === 'error', 3000, from);
    assert.equal(e.code, code);
    assert.ok(e.message.length > 0);
    return e;
  };
  await errorFor(() => c.sendRaw('{not json', false), 'malformed_frame');
  await errorFor(() => c.sendRaw(Buffer.from([1, 2, 3]), true), 'malformed_frame');
  await errorFor(() => c.send([1, 2]), 'malformed_frame');
  await errorFor(() => c.send({ op: 'sell', id: 9 }), 'unknown_op');
  await errorFor(() => c.send({ op: 'subscribe', symbols: ['$$$'] }), 'invalid_symbol');
  await errorFor(() => c.send({ op: 'subscribe', symbols: ['AAPL'], channels: ['news'] }), 'invalid_channel');
  await errorFor(() => c.send({ op: 'subscribe', symbols: ['AAPL'], throttle: 'fast' }), 'invalid_throttle');
  const unknown = await errorFor(() => c.send({ op: 'subscribe', symbols: ['ZZZZZ', 'AAPL'], id: 'u' }), 'unknown_symbol');
  assert.equal(unknown.symbol, 'ZZZZZ');
  assert.equal(unknown.id, 'u');
  await c.next((m) => m.type === 'snapshot' && m.symbol === 'AAPL'); // the valid symbol was still applied
  await errorFor(() => c.sendRaw(JSON.stringify({ op: 'ping', pad: 'x'.repeat(20_000) }), false), 'frame_too_large');
  await c.sync();
  c.close();
});

test('subscription limit is atomic: an op that would exceed it changes nothing', async () => {
  const s = await startTestServer({ MAX_SUBSCRIPTIONS: '3' });
  try {
    const c = await TestClient.connect(s.port);
    c.send({ op: 'subscribe', symbols: ['AAPL', 'MSFT'] });
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'MSFT');
    c.send({ op: 'subscribe', symbols: ['NVDA', 'AMZN'] });
    const e = await c.next<ErrorMessage>((m) => m.type === 'error');
    assert.equal(e.code, 'too_many_subscriptions');
    c.send({ op: 'subscribe', symbols: ['AAPL', 'NVDA'] }); // re-subscribing counts once
    await c.next((m) => m.type === 'snapshot' && m.symbol === 'NVDA');
    assert.equal(c.ofType('snapshot', 'AMZN').length, 0);
    c.close();
  } finally {
    await s.stop();
  }
});

test('op flood: rate_limited errors, then close 4501 (terminal)', async () => {
  const c = await TestClient.connect(server.port);
  for (let i = 0; i < 100; i++) c.send({ op: 'ping', id: i });
  const closed = await c.closed;
  assert.equal(closed.code, 4501);
  assert.ok(c.ofType('error').some((e) => e.code === 'rate_limited'));
  assert.ok(c.ofType('pong').length >= 30, 'the burst allowance was served');
});

test('repeated invalid frames close with 4500 protocol_violation', async () => {
  const s = await startTestServer({ OPS_PER_SECOND: '1000', OPS_BURST: '1000' });
  try {
    const c = await TestClient.connect(s.port);
    for (let i = 0; i < 25; i++) c.sendRaw('nope', false);
    const closed = await c.closed;
    assert.equal(closed.code, 4500);
    assert.equal(c.ofType('error').length, 19);
  } finally {
    await s.stop();
  }
});

test('an unsupported sub-protocol is refused at upgrade with 400; no sub-protocol means JSON', async () => {
  const bad = new TestClient(server.port, 'json', ['graphql-ws']);
  await assert.rejects(bad.opened, (err: { statusCode?: number }) => err.statusCode === 400);
  const plain = new TestClient(server.port, 'json', []);
  await plain.opened;
  assert.equal(plain.ws.protocol, '');
  plain.send({ op: 'ping', id: 1 });
  await plain.next((m) => m.type === 'pong');
  plain.close();
});

test('quote ticks (bid/ask only) move the quote without counting volume', async () => {
  const c = await TestClient.connect(server.port);
  c.send({ op: 'subscribe', symbols: ['JPM'] });
  const snap = await c.next<SnapshotMessage>((m) => m.type === 'snapshot');
  const id = server.universe.id('JPM');
  server.inject(tickRecords([{ symbol: id, kind: TickKind.quote, price: 0, size: 0, bid: 99.5, ask: 99.6, bidSize: 300, askSize: 200 }]), 1);
  const q = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.bid === 99.5);
  assert.equal(q.ask, 99.6);
  assert.equal(q.volume, snap.volume);
  c.close();
});

test('REST: quotes from the shared tables, symbol list, health and readiness, coded errors', async () => {
  injectTrades(server, ['AAPL'], 190);
  const base = `http://127.0.0.1:${server.port}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = async (r: Response): Promise<any> => r.json();
  let q: { symbol: string; last: number; seq: number } | undefined;
  for (let i = 0; i < 50 && q?.last !== 190; i++) {
    q = await json(await fetch(`${base}/v1/quotes/aapl`));
    await sleep(20);
  }
  assert.equal(q!.symbol, 'AAPL');
  assert.equal(q!.last, 190);
  const unknown = await fetch(`${base}/v1/quotes/ZZZZZ`);
  assert.equal(unknown.status, 404);
  assert.equal((await json(unknown)).error.code, 'unknown_symbol');
  const invalid = await fetch(`${base}/v1/quotes/${encodeURIComponent('A B')}`);
  assert.equal(invalid.status, 400);
  assert.equal((await json(invalid)).error.code, 'invalid_symbol');
  const many = await json(await fetch(`${base}/v1/quotes?symbols=AAPL,msft,NOPE1`));
  assert.deepEqual(many.quotes.map((x: { symbol: string }) => x.symbol), ['AAPL', 'MSFT']);
  assert.deepEqual(many.errors, [{ symbol: 'NOPE1', code: 'unknown_symbol' }]);
  assert.equal((await fetch(`${base}/v1/quotes`)).status, 400);
  const symbols = await json(await fetch(`${base}/v1/symbols`));
  assert.equal(symbols.count, 200);
  assert.ok(symbols.symbols.includes('AAPL'));
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual((await json(ready)).threads, { 'gateway-0': 'ready', 'gateway-1': 'ready', 'shard-0': 'ready', 'shard-1': 'ready', ingest: 'ready', store: 'ready' });
  const missing = await fetch(`${base}/v2/whatever`);
  assert.equal(missing.status, 404);
  assert.equal((await json(missing)).error.code, 'not_found');
  const post = await fetch(`${base}/v1/quotes/AAPL`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal((await json(post)).error.code, 'method_not_allowed');
});

test('FEED=replay streams the real SPY minute bars (../shared/data) as ticks', async () => {
  const file = new URL('../../../../shared/data/intraday/pyalgotrade/nt-spy-minute-2011.csv', import.meta.url).pathname;
  const s = await startTestServer({ FEED: 'replay', FEED_FILE: file, FEED_SPEED: '600', FEED_SYMBOL: 'SPY', FEED_EVENT_TIME: 'now' });
  try {
    const c = await TestClient.connect(s.port);
    c.send({ op: 'subscribe', symbols: ['SPY'], channels: ['quotes', 'trades'] });
    await c.next((m) => m.type === 'trades', 10_000);
    const q = await c.next<QuoteMessage>((m) => m.type === 'quote' && m.last !== null, 10_000);
    assert.ok(q.last! > 100 && q.last! < 150, `SPY traded around $126 in January 2011, got ${q.last}`);
    c.close();
  } finally {
    await s.stop();
  }
});

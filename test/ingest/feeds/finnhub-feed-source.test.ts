import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.js';
import { hasCode } from '../../../core/errors.js';
import { TickKind } from '../../../core/tick.js';
import { FinnhubFeedSource, type FinnhubFeedSourceOptions } from '../../../ingest/feeds/finnhub-feed-source.js';
import { EventLog, RecordingSink, TestWsServer, universe, until, type Peer } from './feed-test-kit.js';

function finnhub(server: TestWsServer, clock: ManualClock, events: EventLog, extra: Partial<FinnhubFeedSourceOptions> = {}): FinnhubFeedSource {
  return new FinnhubFeedSource({ universe, token: 's3cret', symbols: ['AAPL', 'msft', 'BRK.B'], url: server.url, clock, random: () => 0, onEvent: events.listener, ...extra });
}

async function subscriptions(peer: Peer, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(await peer.next());
  return out;
}

test('FinnhubFeedSource: subscribes per symbol with the token; trades arrive as trade ticks with universe ids; stop() closes', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = finnhub(server, clock, events);
  const sink = new RecordingSink();
  await source.start(sink);
  const peer = await server.connection();
  assert.equal(new URL(peer.request.url!, 'ws://x').searchParams.get('token'), 's3cret');
  assert.deepEqual(await subscriptions(peer, 3), [
    { type: 'subscribe', symbol: 'AAPL' },
    { type: 'subscribe', symbol: 'MSFT' },
    { type: 'subscribe', symbol: 'BRK.B' },
  ]);
  assert.equal(source.stats.state, 'live');

  peer.send({ type: 'ping' });
  peer.send({
    type: 'trade',
    data: [
      { s: 'AAPL', p: 227.3, t: 1700000000000, v: 100, c: ['1', '12'] },
      { s: 'BRK.B', p: 412.05, t: 1700000000001, v: 7 },
      { s: 'MSFT', p: 370.1, t: 1700000000002, v: 0.5 },
    ],
  });
  await until(() => sink.ticks.length === 3, 'three ticks');
  assert.deepEqual(
    sink.ticks.map((k) => [k.symbol, k.kind, k.price, k.size, k.eventTs, k.bid, k.ask, k.arrival, k.sourceSeq]),
    [
      [universe.id('AAPL'), TickKind.trade, 227.3, 100, 1700000000000, 0, 0, 0, 0],
      [universe.id('BRK-B'), TickKind.trade, 412.05, 7, 1700000000001, 0, 0, 0, 0],
      [universe.id('MSFT'), TickKind.trade, 370.1, 0.5, 1700000000002, 0, 0, 0, 0],
    ],
  );
  assert.equal(sink.batches, 1, 'one frame, one batch');
  assert.equal(source.stats.trades, 3);
  assert.equal(source.stats.ignored, 1, 'the ping');

  await source.stop();
  assert.equal((await peer.closed).code, 1000);
  assert.deepEqual(await source.done(), { reason: 'stopped' });
  assert.equal(source.stats.state, 'stopped');
  assert.ok(!events.events.some((e) => JSON.stringify(e).includes('s3cret')), 'the token is never in an event');
});

test('FinnhubFeedSource: malformed and error frames are counted by reason, and good trades after them still flow', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const events = new EventLog();
  const source = finnhub(server, new ManualClock(), events);
  const sink = new RecordingSink();
  await source.start(sink);
  t.after(() => source.stop());
  const peer = await server.connection();
  await subscriptions(peer, 3);

  peer.send('this is not json');
  peer.send('[1,2,3]');
  peer.send({ type: 'trade', data: 'nope' });
  peer.send({ type: 'news', data: [] });
  peer.send({ type: 'error', msg: 'Invalid symbol ZZZZ' });
  peer.send(
    '{"type":"trade","data":[' +
      '{"s":"ZZZZ","p":1,"t":1700000000000,"v":1},' + // not in the universe
      '{"s":"AAPL","p":1e999,"t":1700000000000,"v":1},' + // non-finite price
      '{"s":"AAPL","p":"227","t":1700000000000,"v":1},' + // price as a string
      '{"s":"AAPL","p":-1,"t":1700000000000,"v":1},' + // negative price
      '{"s":"AAPL","p":227,"t":1700000000000,"v":-5},' + // negative size
      '{"s":"AAPL","p":227,"t":null,"v":1},' + // no time
      '{"p":227,"t":1700000000000,"v":1},' + // no symbol
      '7,' +
      '{"s":"AAPL","p":227.5,"t":1700000000003,"v":200}' + // the good one in the same frame
      ']}',
  );
  peer.send({ type: 'trade', data: [{ s: 'MSFT', p: 371, t: 1700000000004, v: 10 }] });
  await until(() => sink.ticks.length === 2, 'the two good ticks');
  assert.deepEqual(
    sink.ticks.map((k) => [k.symbol, k.price, k.size]),
    [
      [universe.id('AAPL'), 227.5, 200],
      [universe.id('MSFT'), 371, 10],
    ],
  );
  assert.deepEqual(source.stats.rejected, { not_json: 1, bad_shape: 4, unknown_type: 1, unknown_symbol: 1, invalid_number: 4, invalid_time: 1 });
  assert.equal(source.stats.serverErrors, 1);
  assert.deepEqual(await events.next('server_error'), { type: 'server_error', feed: 'finnhub', code: undefined, message: 'Invalid symbol ZZZZ' });
  assert.equal(source.stats.state, 'live', 'an error frame does not end the session');
  assert.equal(source.stats.attempts, 1);
});

test('FinnhubFeedSource: a dropped connection reconnects after the backoff delay and resubscribes; quick repeated drops double the delay', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = finnhub(server, clock, events, { symbols: ['AAPL'], backoff: { initialMs: 500, maxMs: 4000 }, heartbeatMs: 3_600_000 });
  const sink = new RecordingSink();
  await source.start(sink);
  t.after(() => source.stop());

  let peer = await server.connection();
  await subscriptions(peer, 1);
  peer.send({ type: 'trade', data: [{ s: 'AAPL', p: 1, t: 1, v: 1 }] });
  await until(() => sink.ticks.length === 1, 'the first tick');

  for (const [i, delay] of [500, 1000, 2000].entries()) {
    peer.ws.terminate();
    const lost = await events.next('disconnected');
    assert.equal(lost.retryInMs, delay, `drop ${i + 1}`);
    assert.equal(source.stats.state, 'backoff');
    clock.advance(delay - 1);
    assert.equal(source.stats.attempts, i + 1, 'no attempt before the delay');
    clock.advance(1);
    assert.equal(source.stats.attempts, i + 2, 'the attempt at the delay');
    peer = await server.connection();
    assert.deepEqual(await peer.next(), { type: 'subscribe', symbol: 'AAPL' }, 'resubscribed');
    peer.send({ type: 'trade', data: [{ s: 'AAPL', p: 2 + i, t: 2 + i, v: 1 }] });
    await until(() => sink.ticks.length === i + 2, 'a tick after the reconnect');
  }
  assert.equal(source.stats.sessions, 4);
  assert.equal(source.stats.disconnects, 3);

  // A session that stayed up for resetAfterMs starts the backoff over.
  clock.advance(60_000);
  peer.ws.terminate();
  assert.equal((await events.next('disconnected')).retryInMs, 500);
});

test('FinnhubFeedSource: jitter takes up to half the delay off (jitter 0.5, random 0.99: 1000 ms → 505 ms)', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const events = new EventLog();
  const source = finnhub(server, new ManualClock(), events, { random: () => 0.99, backoff: { initialMs: 1000 } });
  await source.start(new RecordingSink());
  t.after(() => source.stop());
  (await server.connection()).ws.terminate();
  assert.equal((await events.next('disconnected')).retryInMs, 505);
});

test('FinnhubFeedSource: a server that stops answering is cut by the heartbeat and reconnected', async (t) => {
  const server = await TestWsServer.start({ autoPong: false });
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = finnhub(server, clock, events, { heartbeatMs: 10_000 });
  await source.start(new RecordingSink());
  t.after(() => source.stop());
  const peer = await server.connection();
  await subscriptions(peer, 3);
  clock.advance(10_000); // the client pings; the server never pongs
  assert.equal(source.stats.state, 'live');
  clock.advance(10_000);
  const lost = await events.next('disconnected');
  assert.match(lost.reason, /no frame or pong for 10000 ms/);
  clock.advance(lost.retryInMs);
  await server.connection();
  await events.next('live');
});

test('FinnhubFeedSource: a refused token (HTTP 401) fails start() with config_invalid and is not retried', async (t) => {
  const server = await TestWsServer.start({ verifyClient: (_info, done) => done(false, 401, 'Unauthorized') });
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = finnhub(server, clock, events);
  await assert.rejects(source.start(new RecordingSink()), (err: unknown) => hasCode(err, 'config_invalid') && /HTTP 401/.test((err as Error).message));
  clock.advance(600_000);
  assert.equal(source.stats.attempts, 1);
  assert.equal(source.stats.state, 'failed');
  const end = await source.done();
  assert.equal(end.reason, 'failed');
  assert.equal(events.count('failed'), 1);
});

test('FinnhubFeedSource: HTTP 429 on the upgrade waits backoff.limitedMs before the next attempt', async (t) => {
  const server = await TestWsServer.start({ verifyClient: (_info, done) => done(false, 429, 'Too Many Requests') });
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = finnhub(server, clock, events, { backoff: { limitedMs: 45_000 } });
  await source.start(new RecordingSink());
  t.after(() => source.stop());
  const lost = await events.next('disconnected');
  assert.equal(lost.retryInMs, 45_000);
  assert.match(lost.reason, /HTTP 429/);
  clock.advance(44_999);
  assert.equal(source.stats.attempts, 1);
  clock.advance(1);
  assert.equal(source.stats.attempts, 2);
});

test('FinnhubFeedSource: an unreachable server does not hold up start(); the retry is scheduled', async () => {
  const server = await TestWsServer.start();
  const url = server.url;
  await server.close();
  const clock = new ManualClock();
  const events = new EventLog();
  const source = new FinnhubFeedSource({ universe, token: 't', symbols: ['AAPL'], url, clock, random: () => 0, onEvent: events.listener });
  await source.start(new RecordingSink());
  assert.equal(source.stats.state, 'backoff');
  assert.match(source.stats.lastError, /connection error/);
  await source.stop();
  clock.advance(60_000);
  assert.equal(source.stats.attempts, 1, 'no attempt after stop()');
});

test('FinnhubFeedSource: configuration errors name the feed', () => {
  const clock = new ManualClock();
  assert.throws(
    () => new FinnhubFeedSource({ universe, token: 't', symbols: ['AAPL', 'NOPE'], clock }),
    (err: unknown) => hasCode(err, 'config_invalid') && /finnhub: not in the universe: NOPE/.test((err as Error).message),
  );
  assert.throws(() => new FinnhubFeedSource({ universe, token: '', symbols: ['AAPL'], clock }), /finnhub: a token is required/);
  assert.throws(() => new FinnhubFeedSource({ universe, token: 't', symbols: [], clock }), /finnhub: no symbols/);
  assert.throws(() => new FinnhubFeedSource({ universe, token: 't', symbols: ['AAPL'], clock, backoff: { initialMs: 0 } }), /finnhub: backoff.initialMs/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.js';
import { hasCode } from '../../../core/errors.js';
import { TickKind } from '../../../core/tick.js';
import { AlpacaFeedSource, type AlpacaFeedSourceOptions } from '../../../ingest/feeds/alpaca-feed-source.js';
import { EventLog, RecordingSink, TestWsServer, universe, until, type Peer } from './feed-test-kit.js';

const T0 = '2024-01-02T15:04:05.123456789Z';
const T0_MS = Date.UTC(2024, 0, 2, 15, 4, 5) + 123.456789;

function alpaca(server: TestWsServer, clock: ManualClock, events: EventLog, extra: Partial<AlpacaFeedSourceOptions> = {}): AlpacaFeedSource {
  return new AlpacaFeedSource({ universe, keyId: 'AKID', secret: 'shh', symbols: ['AAPL', 'BRK.B'], url: server.url, clock, random: () => 0, onEvent: events.listener, heartbeatMs: 3_600_000, ...extra });
}

/** Plays Alpaca's side of the handshake on a new connection; returns the peer and the subscribe request. */
async function handshake(server: TestWsServer): Promise<{ peer: Peer; subscribe: unknown }> {
  const peer = await server.connection();
  peer.send([{ T: 'success', msg: 'connected' }]);
  assert.deepEqual(await peer.next(), { action: 'auth', key: 'AKID', secret: 'shh' });
  peer.send([{ T: 'success', msg: 'authenticated' }]);
  const subscribe = await peer.next();
  peer.send([{ T: 'subscription', trades: ['AAPL', 'BRK.B'], quotes: ['AAPL', 'BRK.B'], bars: [] }]);
  return { peer, subscribe };
}

/** start() resolves only once live, so it runs beside the server's side of the handshake. */
async function startLive(source: AlpacaFeedSource, server: TestWsServer, sink = new RecordingSink()): Promise<{ peer: Peer; subscribe: unknown; sink: RecordingSink }> {
  const [, hs] = await Promise.all([source.start(sink), handshake(server)]);
  assert.equal(source.stats.state, 'live');
  return { ...hs, sink };
}

test('AlpacaFeedSource: connected → auth → subscribe → live; trades and quotes become ticks, nanosecond times become ms, bars are ignored beside trades', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const events = new EventLog();
  const source = alpaca(server, new ManualClock(), events, { channels: { bars: true } });
  const { peer, subscribe, sink } = await startLive(source, server);
  assert.deepEqual(subscribe, { action: 'subscribe', trades: ['AAPL', 'BRK.B'], quotes: ['AAPL', 'BRK.B'], bars: ['AAPL', 'BRK.B'] });

  peer.send([
    { T: 't', S: 'AAPL', i: 52983525029461, x: 'V', p: 185.64, s: 100, c: ['@'], t: T0, z: 'C' },
    { T: 'q', S: 'BRK.B', bx: 'V', bp: 362.1, bs: 2, ax: 'V', ap: 362.2, as: 3, c: ['R'], t: '2024-01-02T15:04:06Z', z: 'A' },
    { T: 'b', S: 'AAPL', o: 185, h: 186, l: 184.9, c: 185.6, v: 12000, t: '2024-01-02T15:04:00Z' },
    { T: 's', S: 'AAPL', sc: 'T', sm: 'Trading' },
  ]);
  await until(() => sink.ticks.length === 2, 'two ticks');
  const [trade, quote] = sink.ticks;
  assert.deepEqual([trade.symbol, trade.kind, trade.price, trade.size, trade.bid, trade.ask], [universe.id('AAPL'), TickKind.trade, 185.64, 100, 0, 0]);
  assert.ok(Math.abs(trade.eventTs - T0_MS) < 1e-3, `eventTs ${trade.eventTs}`);
  assert.deepEqual(
    [quote.symbol, quote.kind, quote.price, quote.size, quote.bid, quote.ask, quote.bidSize, quote.askSize, quote.eventTs],
    [universe.id('BRK-B'), TickKind.quote, 0, 0, 362.1, 362.2, 2, 3, Date.UTC(2024, 0, 2, 15, 4, 6)],
  );
  assert.equal(sink.batches, 1);
  assert.deepEqual([source.stats.trades, source.stats.quotes, source.stats.ignored], [1, 1, 2], 'the bar and the status are ignored');

  await source.stop();
  assert.equal((await peer.closed).code, 1000);
  assert.ok(!events.events.some((e) => JSON.stringify(e).includes('shh')), 'the secret is never in an event');
});

test('AlpacaFeedSource: with bars only, a bar becomes one trade tick at its close, with its volume, in its last millisecond', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const source = alpaca(server, new ManualClock(), new EventLog(), { channels: { trades: false, quotes: false, bars: true } });
  const { peer, subscribe, sink } = await startLive(source, server);
  t.after(() => source.stop());
  assert.deepEqual(subscribe, { action: 'subscribe', bars: ['AAPL', 'BRK.B'] });
  peer.send([{ T: 'b', S: 'AAPL', o: 185, h: 186, l: 184.9, c: 185.6, v: 12000, t: '2024-01-02T15:04:00Z', n: 120, vw: 185.5 }]);
  await until(() => sink.ticks.length === 1, 'the bar tick');
  const k = sink.ticks[0];
  assert.deepEqual([k.symbol, k.kind, k.price, k.size, k.eventTs], [universe.id('AAPL'), TickKind.trade, 185.6, 12000, Date.UTC(2024, 0, 2, 15, 4, 59, 999)]);
});

test('AlpacaFeedSource: auth failure (402) rejects start() with a clear config_invalid error and never reconnects', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = alpaca(server, clock, events);
  const started = source.start(new RecordingSink());
  const peer = await server.connection();
  peer.send([{ T: 'success', msg: 'connected' }]);
  await peer.next();
  peer.send([{ T: 'error', code: 402, msg: 'auth failed' }]);
  peer.ws.close(1008, 'auth failed'); // Alpaca closes after the error
  await assert.rejects(started, (err: unknown) => hasCode(err, 'config_invalid') && /alpaca error 402: auth failed: check the key id and secret/.test((err as Error).message));
  clock.advance(3_600_000);
  assert.equal(source.stats.attempts, 1, 'no reconnect after a refused key');
  assert.equal(source.stats.state, 'failed');
  assert.deepEqual(source.stats.errorCodes, { 402: 1 });
  const end = await source.done();
  assert.ok(end.reason === 'failed' && hasCode(end.error, 'config_invalid'));
  await source.stop();
});

test('AlpacaFeedSource: malformed items and recoverable error codes are counted, and good messages after them still flow', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const events = new EventLog();
  const source = alpaca(server, new ManualClock(), events);
  const { peer, sink } = await startLive(source, server);
  t.after(() => source.stop());

  peer.send('{not json');
  peer.send({ T: 't', S: 'AAPL', p: 1, s: 1, t: T0 }); // an object, not an array
  peer.send([
    'text',
    { T: 't', p: 1, s: 1, t: T0 }, // no symbol
    { T: 't', S: 'ZZZZ', p: 1, s: 1, t: T0 },
    { T: 't', S: 'AAPL', p: 0, s: 1, t: T0 },
    { T: 't', S: 'AAPL', p: 1, s: 'many', t: T0 },
    { T: 'q', S: 'AAPL', bp: -1, bs: 1, ap: 2, as: 1, t: T0 },
    { T: 't', S: 'AAPL', p: 1, s: 1, t: '2024-13-02T15:04:05Z' },
    { T: 't', S: 'AAPL', p: 1, s: 1, t: 1704207845123 },
    { T: 'zz', S: 'AAPL' },
    { T: 'error', code: 400, msg: 'invalid syntax' },
    { T: 'error', code: 403, msg: 'already authenticated' },
    { T: 't', S: 'AAPL', p: 185.7, s: 5, t: T0 },
  ]);
  peer.send('[{"T":"t","S":"AAPL","p":1e999,"s":1,"t":"2024-01-02T15:04:05Z"},{"T":"q","S":"BRK.B","bp":1,"bs":1,"ap":1.01,"as":1,"t":"2024-01-02T15:04:07.5Z"}]');
  await until(() => sink.ticks.length === 2, 'the two good ticks');
  assert.deepEqual(
    sink.ticks.map((k) => [k.symbol, k.kind, k.price, k.bid]),
    [
      [universe.id('AAPL'), TickKind.trade, 185.7, 0],
      [universe.id('BRK-B'), TickKind.quote, 0, 1],
    ],
  );
  assert.equal(sink.ticks[1].eventTs, Date.UTC(2024, 0, 2, 15, 4, 7, 500));
  assert.deepEqual(source.stats.rejected, { not_json: 1, bad_shape: 3, unknown_type: 1, unknown_symbol: 1, invalid_number: 4, invalid_time: 2 });
  assert.deepEqual(source.stats.errorCodes, { 400: 1, 403: 1 });
  assert.equal(events.count('server_error'), 2);
  assert.equal(source.stats.state, 'live', '400 and 403 keep the session');
  assert.equal(source.stats.attempts, 1);
});

test('AlpacaFeedSource: a dropped connection reconnects with backoff, authenticates and subscribes again, and ticks flow', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = alpaca(server, clock, events, { backoff: { initialMs: 250 } });
  const { peer, sink } = await startLive(source, server);
  t.after(() => source.stop());
  peer.ws.terminate();
  const lost = await events.next('disconnected');
  assert.equal(lost.retryInMs, 250);
  clock.advance(250);
  const again = await handshake(server);
  await events.next('live');
  again.peer.send([{ T: 't', S: 'AAPL', p: 186, s: 1, t: T0 }]);
  await until(() => sink.ticks.length === 1, 'a tick after the reconnect');
  assert.deepEqual([source.stats.sessions, source.stats.disconnects], [2, 1]);
});

test('AlpacaFeedSource: 406 connection limit waits backoff.limitedMs; 407 slow client reconnects with the normal backoff', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = alpaca(server, clock, events, { backoff: { initialMs: 500, limitedMs: 60_000 } });
  const { peer } = await startLive(source, server);
  t.after(() => source.stop());

  peer.send([{ T: 'error', code: 406, msg: 'connection limit exceeded' }]);
  const limited = await events.next('disconnected');
  assert.equal(limited.retryInMs, 60_000);
  assert.match(limited.reason, /alpaca error 406: connection limit exceeded/);
  clock.advance(59_999);
  assert.equal(source.stats.attempts, 1);
  clock.advance(1);
  const second = await handshake(server);
  await events.next('live');

  second.peer.send([{ T: 'error', code: 407, msg: 'slow client' }]);
  assert.equal((await events.next('disconnected')).retryInMs, 1000, 'second failed attempt in a row: 500 · 2');
  assert.deepEqual(source.stats.errorCodes, { 406: 1, 407: 1 });
});

test('AlpacaFeedSource: a terminal code after a reconnect (409 insufficient subscription) ends the run; done() reports it', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = alpaca(server, clock, events);
  const { peer } = await startLive(source, server);
  peer.ws.terminate();
  clock.advance((await events.next('disconnected')).retryInMs);
  const again = await server.connection();
  again.send([{ T: 'success', msg: 'connected' }]);
  await again.next();
  again.send([{ T: 'success', msg: 'authenticated' }]);
  await again.next();
  again.send([{ T: 'error', code: 409, msg: 'insufficient subscription' }]);
  const end = await source.done();
  assert.ok(end.reason === 'failed' && /409: insufficient subscription/.test(end.error.message));
  assert.equal((await events.next('failed')).error.code, 'config_invalid');
  await again.closed;
  clock.advance(3_600_000);
  assert.equal(source.stats.attempts, 2);
  await source.stop();
});

test('AlpacaFeedSource: a server that never completes the handshake is cut at connectTimeoutMs and retried', async (t) => {
  const server = await TestWsServer.start();
  t.after(() => server.close());
  const clock = new ManualClock();
  const events = new EventLog();
  const source = alpaca(server, clock, events, { connectTimeoutMs: 5000 });
  const started = source.start(new RecordingSink());
  t.after(() => source.stop());
  await server.connection(); // sends no welcome
  clock.advance(5000);
  await started; // resolves: the loss is retryable
  const lost = await events.next('disconnected');
  assert.match(lost.reason, /not live within 5000 ms/);
  clock.advance(lost.retryInMs);
  await handshake(server);
  await events.next('live');
});

test('AlpacaFeedSource: configuration errors name the feed', () => {
  const clock = new ManualClock();
  assert.throws(() => new AlpacaFeedSource({ universe, keyId: 'k', secret: '', symbols: ['AAPL'], clock }), /alpaca: a key id and a secret are required/);
  assert.throws(() => new AlpacaFeedSource({ universe, keyId: 'k', secret: 's', symbols: ['TSLA'], clock }), /alpaca: not in the universe: TSLA/);
  assert.throws(() => new AlpacaFeedSource({ universe, keyId: 'k', secret: 's', symbols: ['AAPL'], clock, channels: { trades: false, quotes: false } }), /alpaca: no channel/);
  assert.throws(() => new AlpacaFeedSource({ universe, keyId: 'k', secret: 's', symbols: ['AAPL'], clock, url: 'not a url' }), (err: unknown) => hasCode(err, 'config_invalid'));
});

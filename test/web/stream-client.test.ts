import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { StreamClient, QuoteBook, backoffDelay, hintedDelay, isTerminalClose, type StateChange, type StreamTimers, type WebSocketLike, type WireFormat } from '../../web/src/stream/index.js';
import { emptyPostgresDatabase } from '../helpers/db.js';
import { injectTrades, startTestServer, until } from '../helpers/server.js';

const wsFactory = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike;

test('backoff: exponential ceiling with equal jitter, capped; hints and terminal codes', () => {
  const o = { initialMs: 100, maxMs: 2000 };
  assert.equal(backoffDelay(0, () => 0, o), 50);
  assert.equal(backoffDelay(0, () => 0.999999, o), 100);
  assert.equal(backoffDelay(3, () => 0, o), 400);
  assert.equal(backoffDelay(30, () => 0.999999, o), 2000);
  for (let a = 0; a < 12; a++) {
    const d = backoffDelay(a, Math.random, o);
    assert.ok(d >= Math.min(2000, 100 * 2 ** a) / 2 && d <= 2000, `attempt ${a}: ${d}`);
  }
  assert.equal(hintedDelay('{"code":"server_shutdown","retryInMs":1834}'), 1834);
  assert.equal(hintedDelay('{"retryInMs":-1}'), undefined);
  assert.equal(hintedDelay('{not json'), undefined);
  assert.equal(hintedDelay('slow'), undefined);
  assert.equal(isTerminalClose(4000), false);
  assert.equal(isTerminalClose(4001), false);
  assert.equal(isTerminalClose(4500), true);
  assert.equal(isTerminalClose(4999), true);
  assert.equal(isTerminalClose(1006), false);
});

for (const format of ['json', 'msgpack'] as WireFormat[]) {
  test(`stream client (${format}): subscribe, live quotes, unsubscribe`, async (t) => {
    const server = await startTestServer();
    const client = new StreamClient({ url: `ws://127.0.0.1:${server.port}/v1/stream`, format, webSocket: wsFactory });
    t.after(async () => {
      client.close();
      await server.stop();
    });
    const states: string[] = [];
    client.on('state', (s) => states.push(s.state));
    const quotes: number[] = [];
    client.on('quote', (q) => q.symbol === 'AAPL' && q.last !== null && quotes.push(q.last));
    const snapshots: string[] = [];
    client.on('snapshot', (s) => snapshots.push(s.symbol));
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.code}:${e.symbol}`));
    client.subscribe(['aapl', 'MSFT', 'ZZZZ']);
    client.connect();
    await until(() => snapshots.includes('AAPL') && snapshots.includes('MSFT'), 5000, 'snapshots');
    assert.deepEqual(errors, ['unknown_symbol:ZZZZ']);
    assert.deepEqual(states.slice(0, 2), ['connecting', 'live']);
    injectTrades(server, ['AAPL'], 101.5);
    await until(() => quotes.includes(101.5), 5000, 'AAPL quote');
    const seq = client.lastSeq('AAPL');
    assert.ok(seq > 0);
    client.unsubscribe(['AAPL']);
    injectTrades(server, ['AAPL', 'MSFT'], 102);
    await until(() => client.lastSeq('MSFT') > 0 && snapshots.length >= 2, 5000, 'MSFT');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!quotes.includes(102), 'no quotes after unsubscribe');
    assert.equal(client.lastSeq('AAPL'), 0, 'an unsubscribed symbol forgets its seq');
  });
}

test('stream client: a server restart is met with backoff, the hinted delay, and a resume that brings fresh state', async (t) => {
  const db = await emptyPostgresDatabase();
  let server = await startTestServer({ DATABASE_URL: db.url });
  const port = server.port;
  const client = new StreamClient({ url: `ws://127.0.0.1:${port}/v1/stream`, webSocket: wsFactory, backoff: { initialMs: 100, maxMs: 1000 } });
  t.after(async () => {
    client.close();
    await server.stop();
    await db.drop();
  });
  const states: StateChange[] = [];
  client.on('state', (s) => states.push(s));
  const book = new QuoteBook(client, { schedule: (fn) => setTimeout(fn, 5) });
  const flushed: string[][] = [];
  book.onFlush((changed) => flushed.push([...changed]));
  client.subscribe(['AAPL'], ['quotes', 'bars']);
  client.connect();
  await until(() => client.state === 'live', 5000, 'live');
  injectTrades(server, ['AAPL'], 50);
  await until(() => book.get('AAPL')?.last === 50, 5000, 'first price');
  injectTrades(server, ['AAPL'], 51);
  await until(() => book.get('AAPL')?.last === 51, 5000, 'second price');
  assert.deepEqual(book.get('AAPL')?.history, [50, 51]);
  assert.equal(book.get('AAPL')?.prevLast, 50);
  assert.ok(flushed.every((f) => f.length === 1 && f[0] === 'AAPL'));

  await server.stop();
  await until(() => client.state !== 'live', 5000, 'lost');
  const lost = states.find((s) => s.state === 'reconnecting');
  assert.ok(lost, `reconnecting after the restart: ${JSON.stringify(states)}`);
  // The drain closes with 4000 and a jittered retryInMs; the client waits at least that long.
  assert.equal(lost.close?.code, 4000);
  assert.ok(lost.retryInMs! >= (hintedDelay(lost.close!.reason) ?? 0));

  server = await startTestServer({ DATABASE_URL: db.url, PORT: String(port) });
  await until(() => client.state === 'live', 30_000, 'live again');
  // A new server process starts its seqs over: resume gets a fresh snapshot, and new quotes are not mistaken for duplicates.
  injectTrades(server, ['AAPL'], 77);
  await until(() => book.get('AAPL')?.last === 77, 5000, 'price after restart');
});

/** Timers driven by the test: `advance(ms)` runs what falls due, in order. */
function fakeTimers(): StreamTimers & { advance(ms: number): void; readonly pending: number } {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => (due.set(++nextId, { at: now + ms, fn }), nextId),
    clearTimeout: (h) => void due.delete(h as number),
    random: () => 0.5,
    get pending() {
      return due.size;
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

/** A socket the test opens by hand; `closed` records the client's close(code). */
class FakeSocket implements WebSocketLike {
  binaryType = '';
  readonly protocol = 'bourse.v1.json';
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  closed: number | undefined;
  send(): void {}
  close(code?: number): void {
    this.closed = code;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

test('stream client: reconnectNow() stops the old heartbeat (it used to close the new connecting socket)', async () => {
  const timers = fakeTimers();
  const sockets: FakeSocket[] = [];
  const client = new StreamClient({ url: 'ws://test/v1/stream', format: 'json', heartbeatMs: 1000, timers, webSocket: () => (sockets.push(new FakeSocket()), sockets.at(-1)!) });
  client.connect();
  await settle();
  sockets[0]!.onopen!({});
  assert.equal(client.state, 'live');
  client.reconnectNow();
  await settle();
  assert.equal(sockets.length, 2);
  assert.equal(sockets[0]!.closed, 1000);
  assert.equal(timers.pending, 0, 'no timer runs while the new socket connects');
  timers.advance(10_000);
  assert.equal(sockets[1]!.closed, undefined, 'the connecting socket is left alone');
  sockets[1]!.onopen!({});
  assert.equal(client.state, 'live');
  assert.equal(timers.pending, 1, 'one heartbeat loop');
  client.close();
  assert.equal(timers.pending, 0);
});

test('stream client: reconnectNow() while the token is awaited opens one socket, not two', async () => {
  const timers = fakeTimers();
  const sockets: FakeSocket[] = [];
  const tokens: ((t: string) => void)[] = [];
  const client = new StreamClient({
    url: 'ws://test/v1/stream',
    format: 'json',
    timers,
    token: () => new Promise<string>((resolve) => tokens.push(resolve)),
    webSocket: () => (sockets.push(new FakeSocket()), sockets.at(-1)!),
  });
  client.connect();
  await settle();
  client.reconnectNow();
  await settle();
  assert.equal(tokens.length, 2);
  tokens[1]!('new');
  tokens[0]!('old');
  await settle();
  assert.equal(sockets.length, 1);
  client.close();
});

test('stream client: a heartbeat timeout drops the socket and retries after backoff', async () => {
  const timers = fakeTimers();
  const sockets: FakeSocket[] = [];
  const client = new StreamClient({ url: 'ws://test/v1/stream', format: 'json', heartbeatMs: 1000, backoff: { initialMs: 100, maxMs: 1000 }, timers, webSocket: () => (sockets.push(new FakeSocket()), sockets.at(-1)!) });
  const states: StateChange[] = [];
  client.on('state', (s) => states.push(s));
  client.connect();
  await settle();
  sockets[0]!.onopen!({});
  timers.advance(2000);
  assert.equal(sockets[0]!.closed, 4000);
  assert.deepEqual(states.at(-1), { state: 'reconnecting', attempt: 1, retryInMs: 75, close: { code: 4000, reason: 'heartbeat timeout' } });
  assert.equal(timers.pending, 1, 'only the retry timer');
  timers.advance(75);
  await settle();
  assert.equal(sockets.length, 2);
  client.close();
});

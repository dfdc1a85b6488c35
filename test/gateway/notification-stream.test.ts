import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, createLogger } from '../../core/index.js';
import type { RpcClient } from '../../core/rpc.js';
import type { NotificationDto } from '../../domain/notification-outbox.js';
import type { HttpApi } from '../../gateway/http-api.js';
import { NotificationStream } from '../../gateway/notification-stream.js';
import type { HttpResponse, TemplatedApp } from '../../gateway/uws.js';

/**
 * The SSE stream's backpressure policy, against a response that behaves like
 * uWS's: write() answers false once the socket cannot take more (what was
 * written stays buffered), onWritable fires when it drains, close() aborts.
 */
class FakeResponse {
  readonly written: string[] = [];
  closed = false;
  /** Bytes the client still reads before its socket is full; Infinity = a reading client. */
  room = Infinity;
  #aborted: (() => void) | undefined;
  #writable: ((offset: number) => boolean) | undefined;

  cork(fn: () => void): this {
    fn();
    return this;
  }
  writeStatus(): this {
    return this;
  }
  writeHeader(): this {
    return this;
  }
  write(text: string): boolean {
    this.written.push(text);
    this.room -= Buffer.byteLength(text);
    return this.room >= 0;
  }
  end(): this {
    return this;
  }
  onAborted(fn: () => void): this {
    this.#aborted = fn;
    return this;
  }
  onWritable(fn: (offset: number) => boolean): this {
    this.#writable = fn;
    return this;
  }
  close(): this {
    this.closed = true;
    this.#aborted?.();
    return this;
  }
  /** The client read everything: the socket is writable again. */
  drain(): void {
    this.room = Infinity;
    this.#writable?.(0);
  }
}

function setup(maxBufferedBytes: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const stream = new NotificationStream({
    store: {} as RpcClient,
    clock,
    log: createLogger('silent', { thread: 'test' }),
    heartbeatMs: 1000,
    maxPerInvestor: 5,
    maxBufferedBytes,
  });
  let route: ((res: HttpResponse, req: unknown) => void) | undefined;
  const app = { get: (_path: string, handler: typeof route) => void (route = handler) } as unknown as TemplatedApp;
  const api = { document: () => {}, authenticate: async () => ({ investorId: 'inv-1' }) } as unknown as HttpApi;
  stream.register(app, api);
  const open = async (): Promise<FakeResponse> => {
    const res = new FakeResponse();
    const req = { getHeader: (h: string) => (h === 'authorization' ? 'Bearer token' : ''), getQuery: () => '' };
    route!(res as unknown as HttpResponse, req);
    await new Promise((r) => setImmediate(r)); // authenticate() resolves
    return res;
  };
  const push = (id: number): void =>
    stream.onPush({ push: 'to-investor', investorId: 'inv-1', message: { type: 'alert', id, alertId: 'a', symbol: 'AAPL', payload: 'x'.repeat(200) } as unknown as NotificationDto } as never);
  return { clock, stream, open, push };
}

describe('notification stream backpressure', () => {
  it('closes a client that stops reading once more than the limit waits for it, and only that client', async () => {
    const { stream, open, push } = setup(4096);
    const stuck = await open();
    const reading = await open();
    stuck.room = 0; // its socket is full from now on
    for (let id = 1; id <= 40; id++) push(id);
    assert.equal(stuck.closed, true, 'the stuck client was closed');
    assert.equal(stream.stats.slowClosed, 1);
    const waited = stuck.written.slice(1).join(''); // after the connect preamble
    assert.ok(Buffer.byteLength(waited) > 4096 && Buffer.byteLength(waited) < 4096 + 400, `${Buffer.byteLength(waited)} bytes waited`);
    assert.equal(reading.closed, false);
    assert.equal(reading.written.filter((w) => w.startsWith('event: alert')).length, 40, 'the reading client got every event');
    assert.equal(stream.connections, 1);
    push(41);
    assert.ok(!stuck.written.some((w) => w.includes('id: 41\n')), 'nothing more is written to a closed stream');
  });

  it('forgives a client that falls behind and catches up before the limit', async () => {
    const { clock, stream, open, push } = setup(4096);
    const slow = await open();
    slow.room = 0;
    for (let id = 1; id <= 10; id++) push(id); // ~2.5 KB waits
    slow.drain(); // it read everything
    for (let id = 11; id <= 20; id++) push(id); // counting starts again (and these go through)
    slow.room = 0;
    for (let id = 21; id <= 30; id++) push(id);
    clock.advance(3000); // heartbeats wait too
    assert.equal(slow.closed, false);
    assert.equal(stream.stats.slowClosed, 0);
    assert.equal(stream.connections, 1);
  });
});

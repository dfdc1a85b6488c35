import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QuoteMessage } from '../../core/index.js';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { runBourse } from '../helpers/cli.js';
import { natsFixture } from '../helpers/nats.js';
import { startTestServer, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

test('NATS_URL set: simulator → JetStream MARKET → durable consumer → shards → WebSocket, acked once applied', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = { ...streams.env, FEED: 'simulator', SIM_RATE: '2000', SIM_SEED: '3' };
  try {
    const server = await startTestServer(env);
    try {
      const ready = (await (await fetch(`http://127.0.0.1:${server.port}/readyz`)).json()) as { threads: Record<string, string> };
      assert.equal(ready.threads.nats, 'ready');
      const c = await TestClient.connect(server.port);
      c.send({ op: 'subscribe', symbols: ['AAPL', 'MSFT', 'NVDA'] });
      await until(() => c.ofType('quote').length >= 10, 10_000, 'quotes through JetStream');
      const q = c.ofType('quote')[0] as QuoteMessage;
      assert.ok(q.ta <= q.ts);
      c.close();
      const info = await nats.jsm.streams.info(env.NATS_MARKET_STREAM);
      assert.ok(info.state.messages > 100, `ticks were stored in MARKET (${info.state.messages})`);
    } finally {
      await server.stop();
    }
    const consumer = await nats.jsm.consumers.info(env.NATS_MARKET_STREAM, env.NATS_DURABLE);
    assert.equal(consumer.num_ack_pending, 0, 'everything delivered was applied and acked before shutdown');
    assert.ok(consumer.ack_floor.stream_seq > 100);
  } finally {
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

test('a separate `bourse feed simulate` process publishes into MARKET; the server (FEED=none) streams it', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = { ...streams.env };
  const server = await startTestServer({ ...env, FEED: 'none' });
  try {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['AAPL'] });
    await c.next((m) => m.type === 'snapshot');
    const feed = runBourse(['feed', 'simulate', '--rate', '3000', '--duration', '3'], { ...env, UNIVERSE_SIZE: '200' });
    await until(() => c.ofType('quote').length >= 5, 10_000, 'quotes from the feed process');
    const { code, out, err } = await feed;
    assert.equal(code, 0, `${out}${err}`);
    assert.match(`${out}${err}`, /stopped: \d+ ticks acked by JetStream, 0 not/);
    c.close();
  } finally {
    await server.stop();
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

test('NATS restart survived: /readyz goes not-ready and back, the consumer resumes, quotes keep flowing', async () => {
  const { startNatsServer } = await import('../helpers/nats.js');
  const natsd = await startNatsServer();
  const server = await startTestServer({ FEED: 'simulator', SIM_RATE: '2000', NATS_URL: natsd.url });
  const readiness = async () => ((await (await fetch(`http://127.0.0.1:${server.port}/readyz`)).json()) as { threads: Record<string, string> }).threads.nats;
  try {
    const c = await TestClient.connect(server.port);
    c.send({ op: 'subscribe', symbols: ['AAPL', 'MSFT'] });
    await until(() => c.ofType('quote').length >= 5, 10_000, 'quotes before the restart');
    assert.equal(await readiness(), 'ready');

    await natsd.kill(true);
    let state = await readiness();
    await until(async () => (state = await readiness()) !== 'ready', 5000, 'NATS seen down');
    assert.equal(state, 'starting', '/readyz shows NATS reconnecting');
    await natsd.restart();
    await until(async () => (state = await readiness()) === 'ready', 15_000, 'NATS ready again');
    assert.equal(state, 'ready', 'reconnected with backoff');
    const before = c.messages.length;
    await until(() => c.messages.slice(before).filter((m) => m.type === 'quote').length >= 5, 15_000, 'quotes after the restart');
    c.close();
  } finally {
    await server.stop();
    await natsd.stop();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickKind, Universe, type Company } from '../../core/index.js';
import { JetStreamPublisher } from '../../ingest/jetstream/index.js';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { natsFixture } from '../helpers/nats.js';
import { sleep, startTestServer, tickRecords, until } from '../helpers/server.js';

test('ingest killed mid-stream and restarted: every tick applied exactly once (no lost, no double-counted volume)', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = { ...streams.env, FEED: 'none', UNIVERSE_SIZE: '50', RESTART_BACKOFF_MS: '50', NATS_ACK_WAIT_MS: '1000', NATS_FETCH_BATCH: '200' };
  const server = await startTestServer(env);
  try {
    const universe = new Universe(server.universe.companies as Company[]);
    const symbols = universe.companies.slice(0, 20).map((c) => c.symbol);
    const publisher = new JetStreamPublisher({ nc: nats.nc, universe, prefix: env.NATS_SUBJECT_PREFIX, stream: env.NATS_MARKET_STREAM });
    const expected = new Map<string, number>(symbols.map((s) => [s, 0]));
    const PER_ROUND = 1000;
    for (let round = 0; round < 12; round++) {
      const ticks = Array.from({ length: PER_ROUND }, (_, i) => {
        const symbol = symbols[i % symbols.length];
        const size = 1 + ((round * PER_ROUND + i) % 7);
        expected.set(symbol, expected.get(symbol)! + size);
        return { symbol: universe.id(symbol), kind: TickKind.trade, price: 100 + (i % 5), size, eventTs: Date.now() };
      });
      publisher.accept(tickRecords(ticks), ticks.length);
      await publisher.flush();
      if (round === 5) {
        server.worker('ingest')!.postMessage({ type: 'fault' });
        await until(() => server.restarts().ingest === 1, 5000, 'ingest restart');
      }
      await sleep(20);
    }
    await publisher.close();
    assert.equal(publisher.stats.failed + publisher.stats.dropped, 0, 'every tick reached MARKET');

    await until(() => server.threads().ingest === 'ready', 10_000, 'ingest ready again');
    const consumerDone = async () => {
      const c = await nats.jsm.consumers.info(env.NATS_MARKET_STREAM, env.NATS_DURABLE);
      return c.num_pending === 0 && c.num_ack_pending === 0;
    };
    for (let i = 0; i < 300 && !(await consumerDone()); i++) await sleep(50);
    assert.ok(await consumerDone(), 'the durable consumer acked everything');
    const info = await nats.jsm.consumers.info(env.NATS_MARKET_STREAM, env.NATS_DURABLE);
    const redelivered = info.delivered.consumer_seq - 12 * PER_ROUND;
    assert.ok(redelivered > 0, 'the crash left fetched, unacked messages that JetStream redelivered (so dedupe was exercised)');
    await sleep(150); // one more flush so the quote tables carry the last ticks

    const res = (await (await fetch(`http://127.0.0.1:${server.port}/v1/quotes?symbols=${symbols.join(',')}`)).json()) as { quotes: { symbol: string; volume: number; trades: number }[] };
    for (const q of res.quotes) assert.equal(q.volume, expected.get(q.symbol), `${q.symbol}: volume counts each tick exactly once`);
  } finally {
    await server.stop();
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickKind, Universe, type Company } from '../../core/index.js';
import { openDatabase } from '../../core/store/database.js';
import { JetStreamPublisher } from '../../ingest/jetstream/index.js';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { emptyPostgresDatabase } from '../helpers/db.js';
import { natsFixture } from '../helpers/nats.js';
import { startTestServer, tickRecords, until } from '../helpers/server.js';

test('quarantined messages become rows; the ack floor is saved and a lost durable resumes after it', async (t) => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const pg = await emptyPostgresDatabase();
  const env = { ...streams.env, FEED: 'none', UNIVERSE_SIZE: '50', DATABASE_URL: pg.url };
  const reader = await openDatabase({ url: pg.url, poolSize: 1 });
  t.after(async () => {
    await reader.close();
    await streams.cleanup(nats.jsm);
    await nats.close();
    await pg.drop();
  });

  let server = await startTestServer(env);
  try {
    const universe = new Universe(server.universe.companies as Company[]);
    const js = nats.nc.jetstream();
    // A poison pill between good ticks.
    const publisher = new JetStreamPublisher({ nc: nats.nc, universe, prefix: env.NATS_SUBJECT_PREFIX, stream: env.NATS_MARKET_STREAM });
    const trade = (price: number, n: number) => tickRecords([{ symbol: universe.id('AAPL'), kind: TickKind.trade, price, size: 10, eventTs: Date.now(), sourceSeq: n }]);
    publisher.accept(trade(100, 1), 1);
    await publisher.flush();
    const pill = await js.publish(`${env.NATS_SUBJECT_PREFIX}.trade.MSFT`, new Uint8Array([0xc1, 0xff, 0x00]));
    publisher.accept(trade(101, 2), 1);
    await publisher.flush();
    await publisher.close();

    const rows = async () => reader.db.selectFrom('quarantined_messages').selectAll().execute();
    await until(async () => (await rows()).length === 1, 10_000, 'quarantine row');
    const [row] = await rows();
    assert.equal(row.stream, env.NATS_MARKET_STREAM);
    assert.equal(row.stream_seq, pill.seq);
    assert.equal(row.subject, `${env.NATS_SUBJECT_PREFIX}.trade.MSFT`);
    assert.equal(row.reason, 'undecodable');
    assert.deepEqual([...row.payload], [0xc1, 0xff, 0x00]);
    assert.equal(row.delivery_count, 1);
    assert.equal(row.replayed_at, null);
    await until(async () => (await nats.jsm.consumers.info(env.NATS_MARKET_STREAM, env.NATS_DURABLE)).ack_floor.stream_seq === 3, 10_000, 'all three acked or terminated');
  } finally {
    await server.stop();
  }

  // The graceful stop saved the ack floor.
  const offset = await reader.db.selectFrom('consumer_offsets').selectAll().where('consumer', '=', env.NATS_DURABLE).executeTakeFirstOrThrow();
  assert.equal(offset.stream, env.NATS_MARKET_STREAM);
  assert.equal(offset.last_seq, 3);

  // The durable is lost while the server is down; the next start recreates it after the saved offset.
  await nats.jsm.consumers.delete(env.NATS_MARKET_STREAM, env.NATS_DURABLE);
  server = await startTestServer(env);
  try {
    const info = await nats.jsm.consumers.info(env.NATS_MARKET_STREAM, env.NATS_DURABLE);
    assert.equal(info.config.deliver_policy, 'by_start_sequence');
    assert.equal(info.config.opt_start_seq, 4);
    // Nothing already applied comes back: no quarantine row twice, no redelivery.
    assert.equal(info.num_pending, 0);
    assert.equal((await reader.db.selectFrom('quarantined_messages').select('id').execute()).length, 1);
  } finally {
    await server.stop();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { natsFixture } from '../helpers/nats.js';
import { parseExposition } from '../helpers/metrics.js';
import { startTestServer, tickRecords, until } from '../helpers/server.js';
import { encodeTick } from '../../ingest/jetstream/tick-codec.js';

test('JetStream metrics: fetched, acked, quarantined and terminated messages, consumer lag from the server', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const env = streams.env;
  const server = await startTestServer(env);
  const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
  try {
    const js = nats.nc.jetstream();
    const id = server.universe.id('AAPL');
    const recs = tickRecords(Array.from({ length: 20 }, (_, i) => ({ symbol: id, price: 100 + i, sourceSeq: i + 1 })));
    for (let i = 0; i < 20; i++) await js.publish(`${env.NATS_SUBJECT_PREFIX}.trade.AAPL`, encodeTick(recs, i, 'AAPL'));
    await js.publish(`${env.NATS_SUBJECT_PREFIX}.trade.AAPL`, new Uint8Array([0xc1, 0xff, 0x00])); // a poison pill
    let series = new Map<string, number>();
    await until(async () => {
      series = await scrape();
      return series.get('bourse_jetstream_messages_acked_total') === 20 && series.get('bourse_jetstream_messages_quarantined_total') === 1;
    }, 5000, '20 acked and 1 quarantined');
    assert.equal(series.get('bourse_jetstream_messages_fetched_total'), 21);
    assert.equal(series.get('bourse_jetstream_messages_acked_total'), 20);
    assert.equal(series.get('bourse_jetstream_messages_quarantined_total'), 1);
    assert.equal(series.get('bourse_jetstream_messages_terminated_total'), 1);
    assert.equal(series.get('bourse_jetstream_messages_redelivered_total'), 0);
    assert.equal(series.get('bourse_jetstream_messages_nacked_total'), 0);
    assert.equal(series.get('bourse_jetstream_unacked_messages'), 0);
    assert.equal(series.get('bourse_nats_connected'), 1);
    assert.equal(series.get('bourse_jetstream_consumer_pending_messages'), 0, 'nothing left undelivered on the server');
    assert.equal(series.get('bourse_jetstream_consumer_ack_pending_messages'), 0);
    assert.equal(series.get('bourse_thread_up{thread="nats"}'), 1);
    assert.equal(series.get('bourse_ingest_ticks_routed_total'), 20);
  } finally {
    await server.stop();
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

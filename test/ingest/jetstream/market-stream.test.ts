import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nanos, StorageType } from 'nats';
import { hasCode } from '../../../core/index.js';
import { ensureStreams, marketSubjects, type MarketStreamsConfig } from '../../../ingest/jetstream/market-stream.js';
import { natsFixture, uniqueSuffix, type NatsFixture } from '../../helpers/nats.js';

let nats: NatsFixture;
const made: string[] = [];
before(async () => {
  nats = await natsFixture();
});
after(async () => {
  for (const name of made) await nats.jsm.streams.delete(name).catch(() => false);
  await nats.close();
});

function config(): MarketStreamsConfig {
  const s = uniqueSuffix();
  made.push(`MARKET_${s}`, `QUARANTINE_${s}`);
  return {
    market: { name: `MARKET_${s}`, prefix: `t${s}.md`, maxAgeMs: 60_000, maxBytes: 8 * 1024 * 1024 },
    quarantine: { name: `QUARANTINE_${s}`, prefix: `t${s}.quarantine`, maxAgeMs: 120_000, maxBytes: 1024 * 1024 },
  };
}

test('ensureStreams creates MARKET and QUARANTINE, then is a no-op when run again', async () => {
  const c = config();
  assert.deepEqual(await ensureStreams(nats.jsm, c), { market: 'created', quarantine: 'created' });
  assert.deepEqual(await ensureStreams(nats.jsm, c), { market: 'unchanged', quarantine: 'unchanged' });
  const m = await nats.jsm.streams.info(c.market.name);
  assert.deepEqual([...m.config.subjects].sort(), marketSubjects(c.market.prefix).sort());
  assert.equal(m.config.storage, StorageType.File);
  assert.equal(m.config.max_age, nanos(60_000));
  assert.equal(m.config.max_bytes, 8 * 1024 * 1024);
  const q = await nats.jsm.streams.info(c.quarantine.name);
  assert.deepEqual(q.config.subjects, [`${c.quarantine.prefix}.>`]);
});

test('ensureStreams updates changed limits in place, keeping the messages', async () => {
  const c = config();
  await ensureStreams(nats.jsm, c);
  await nats.nc.jetstream().publish(`${c.market.prefix}.trade.AAPL`, new Uint8Array([1]));
  const changed = { ...c, market: { ...c.market, maxAgeMs: 90_000, maxBytes: 16 * 1024 * 1024 } };
  assert.deepEqual(await ensureStreams(nats.jsm, changed), { market: 'updated', quarantine: 'unchanged' });
  const m = await nats.jsm.streams.info(c.market.name);
  assert.equal(m.config.max_age, nanos(90_000));
  assert.equal(m.state.messages, 1);
});

test('ensureStreams refuses a stream whose storage cannot be changed, naming it (config_invalid)', async () => {
  const c = config();
  await nats.jsm.streams.add({ name: c.market.name, subjects: marketSubjects(c.market.prefix), storage: StorageType.Memory });
  await assert.rejects(ensureStreams(nats.jsm, c), (err: Error) => hasCode(err, 'config_invalid') && err.message.includes(c.market.name));
});

import test from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../core/index.js';
import { ingestRecordsModule, type QuarantineRecord } from '../../domain/ingest-records.js';
import { BACKENDS } from '../helpers/db.js';
import { testStore } from '../helpers/store-context.js';

const record = (streamSeq: number): QuarantineRecord => ({
  stream: 'MARKET',
  streamSeq,
  subject: 'md.trade.AAPL',
  reason: 'invalid',
  detail: 'price is negative',
  headers: [['traceparent', '00-abc-def-01'], ['x', '1'], ['x', '2']],
  payload: new Uint8Array([1, 2, 3]),
  deliveryCount: 1,
  quarantinedAt: Date.UTC(2026, 0, 5),
});

for (const kind of BACKENDS) {
  test(`ingest records (${kind}): quarantine rows are idempotent, marked replayed, purged; offsets only move forward`, async (t) => {
    const s = await testStore(kind);
    t.after(() => s.close());
    const h = ingestRecordsModule(s.ctx).handlers!;
    await h['quarantine.record'](record(7));
    await h['quarantine.record'](record(7)); // reported twice (at-least-once quarantine)
    await h['quarantine.record'](record(9));
    const rows = await s.db.db.selectFrom('quarantined_messages').selectAll().orderBy('stream_seq').execute();
    assert.deepEqual(rows.map((r) => r.stream_seq), [7, 9]);
    assert.deepEqual(rows[0].headers, { traceparent: ['00-abc-def-01'], x: ['1', '2'] });
    await h['quarantine.replayed']({ stream: 'MARKET', streamSeq: 7 });
    const replayed = await s.db.db.selectFrom('quarantined_messages').select(['replayed_at']).where('stream_seq', '=', 7).executeTakeFirstOrThrow();
    assert.equal(replayed.replayed_at?.getTime(), s.clock.now());
    assert.equal(await h['quarantine.purged']({ stream: 'MARKET', streamSeq: 9 }), 1);
    assert.equal(await h['quarantine.purged']({ stream: 'MARKET' }), 1);

    assert.equal(await h['offsets.load']({ consumer: 'ingest', stream: 'MARKET' }), null);
    await h['offsets.save']({ consumer: 'ingest', stream: 'MARKET', lastSeq: 10 });
    await h['offsets.save']({ consumer: 'ingest', stream: 'MARKET', lastSeq: 4 });
    assert.equal(await h['offsets.load']({ consumer: 'ingest', stream: 'MARKET' }), 10);
    // Another stream under the same consumer name starts over.
    await h['offsets.save']({ consumer: 'ingest', stream: 'MARKET2', lastSeq: 2 });
    assert.equal(await h['offsets.load']({ consumer: 'ingest', stream: 'MARKET2' }), 2);
    assert.equal(await h['offsets.load']({ consumer: 'ingest', stream: 'MARKET' }), null);

    for (const bad of [{}, { ...record(1), payload: 'x' }, { ...record(1), streamSeq: -1 }, { ...record(1), headers: [[1, 2]] }]) {
      await assert.rejects(h['quarantine.record'](bad), (e) => hasCode(e, 'invalid_body'));
    }
    await assert.rejects(h['offsets.save']({ consumer: 'ingest', stream: 'MARKET', lastSeq: 1.5 }), (e) => hasCode(e, 'invalid_body'));
    await assert.rejects(h['quarantine.replayed']({ stream: 'MARKET' }), (e) => hasCode(e, 'invalid_body'));
  });
}

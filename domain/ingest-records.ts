import { sql } from 'kysely';
import { BourseError } from '../core/index.js';
import type { StoreContext, StoreModule } from './store-context.js';

/** A quarantined message as the ingest thread reports it (mirror of its QUARANTINE entry). */
export interface QuarantineRecord {
  /** MARKET stream name and the message's sequence in it: the row's identity. */
  readonly stream: string;
  readonly streamSeq: number;
  readonly subject: string;
  readonly reason: string;
  readonly detail: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly payload: Uint8Array;
  readonly deliveryCount: number;
  /** ms since the epoch. */
  readonly quarantinedAt: number;
}

export interface OffsetRecord {
  readonly consumer: string;
  readonly stream: string;
  readonly lastSeq: number;
}

/**
 * What the ingest thread records in the database:
 *
 * - `quarantine.*`: a SQL mirror of the QUARANTINE stream (which stays the
 *   authoritative store the admin endpoints replay from), so quarantined
 *   messages can be queried and joined. Idempotent on (stream, stream_seq):
 *   the ingest's at-least-once quarantine may report an entry twice.
 * - `offsets.*`: the durable consumer's ack floor (every stream sequence up to
 *   it is applied), saved periodically and only ever moved forward. When the
 *   durable is lost (deleted, or the NATS server's state wiped while the
 *   stream was kept) the consumer is recreated from there instead of
 *   replaying the whole stream.
 */
export function ingestRecordsModule(ctx: StoreContext): StoreModule {
  const { db } = ctx;
  return {
    name: 'ingest-records',
    handlers: {
      'quarantine.record': async (p) => {
        const r = checkQuarantine(p);
        const headers: Record<string, string[]> = {};
        for (const [k, v] of r.headers) (headers[k] ??= []).push(v);
        await db
          .insertInto('quarantined_messages')
          .values({
            stream: r.stream,
            stream_seq: r.streamSeq,
            subject: r.subject,
            reason: r.reason,
            detail: r.detail,
            headers: JSON.stringify(headers),
            payload: r.payload,
            delivery_count: r.deliveryCount,
            quarantined_at: new Date(r.quarantinedAt),
          })
          .onConflict((oc) => oc.columns(['stream', 'stream_seq']).doNothing())
          .execute();
        return null;
      },
      'quarantine.replayed': async (p) => {
        const { stream, streamSeq } = checkKey(p, true);
        await db.updateTable('quarantined_messages').set({ replayed_at: new Date(ctx.clock.now()) }).where('stream', '=', stream).where('stream_seq', '=', streamSeq!).execute();
        return null;
      },
      'quarantine.purged': async (p) => {
        const { stream, streamSeq } = checkKey(p, false);
        let q = db.deleteFrom('quarantined_messages').where('stream', '=', stream);
        if (streamSeq !== undefined) q = q.where('stream_seq', '=', streamSeq);
        const r = await q.executeTakeFirst();
        return Number(r.numDeletedRows);
      },
      'offsets.load': async (p) => {
        const { consumer, stream } = checkOffsetKey(p);
        const row = await db.selectFrom('consumer_offsets').select(['last_seq']).where('consumer', '=', consumer).where('stream', '=', stream).executeTakeFirst();
        return row?.last_seq ?? null;
      },
      'offsets.save': async (p) => {
        const { consumer, stream } = checkOffsetKey(p);
        const lastSeq = (p as OffsetRecord).lastSeq;
        if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) throw new BourseError('invalid_body', 'lastSeq must be a non-negative integer');
        // Forward only; a different stream under the same consumer name starts over.
        await db
          .insertInto('consumer_offsets')
          .values({ consumer, stream, last_seq: lastSeq })
          .onConflict((oc) =>
            oc.column('consumer').doUpdateSet({
              stream,
              last_seq: sql<number>`case when consumer_offsets.stream = excluded.stream then greatest(consumer_offsets.last_seq, excluded.last_seq) else excluded.last_seq end`,
              updated_at: new Date(ctx.clock.now()),
            }),
          )
          .execute();
        return null;
      },
    },
  };
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function checkQuarantine(p: unknown): QuarantineRecord {
  const r = p as QuarantineRecord;
  const ok =
    typeof r === 'object' && r !== null && isName(r.stream) && isSeq(r.streamSeq) && isName(r.subject) && isName(r.reason) && typeof r.detail === 'string' &&
    Array.isArray(r.headers) && r.headers.every((h) => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string') &&
    r.payload instanceof Uint8Array && isSeq(r.deliveryCount) && Number.isFinite(r.quarantinedAt);
  if (!ok) throw new BourseError('invalid_body', 'not a quarantine record');
  return r;
}

function checkKey(p: unknown, seqRequired: boolean): { stream: string; streamSeq?: number } {
  const r = p as { stream?: unknown; streamSeq?: unknown };
  if (typeof r !== 'object' || r === null || !isName(r.stream) || (r.streamSeq !== undefined && !isSeq(r.streamSeq)) || (seqRequired && r.streamSeq === undefined)) {
    throw new BourseError('invalid_body', 'stream and streamSeq expected');
  }
  return { stream: r.stream, streamSeq: r.streamSeq as number | undefined };
}

function checkOffsetKey(p: unknown): { consumer: string; stream: string } {
  const r = p as { consumer?: unknown; stream?: unknown };
  if (typeof r !== 'object' || r === null || !isName(r.consumer) || !isName(r.stream)) throw new BourseError('invalid_body', 'consumer and stream expected');
  return { consumer: r.consumer, stream: r.stream };
}

import type { RpcClient } from '../core/rpc.js';
import type { OffsetRecord, QuarantineRecord } from '../domain/ingest-records.js';
import type { OffsetStore } from './jetstream/offset-store.js';
import type { QuarantineMirror } from './jetstream/mirrored-quarantine-store.js';

/** Adapters of the ingest's persistence ports over RPC to the store thread (domain/ingest-records.ts). */
export function storeOffsets(store: RpcClient): OffsetStore {
  return {
    load: async (consumer, stream) => (await store.call<number | null>('offsets.load', { consumer, stream })) ?? undefined,
    save: async (consumer, stream, lastSeq) => {
      await store.call('offsets.save', { consumer, stream, lastSeq } satisfies OffsetRecord);
    },
  };
}

/** Mirrors quarantine entries of MARKET stream `stream` into quarantined_messages. */
export function storeQuarantineMirror(store: RpcClient, stream: string): QuarantineMirror {
  return {
    recorded: async (m) => {
      const r: QuarantineRecord = {
        stream,
        streamSeq: m.streamSeq,
        subject: m.subject,
        reason: m.reason,
        detail: m.detail,
        headers: m.headers,
        payload: m.payload,
        deliveryCount: m.deliveryCount,
        quarantinedAt: m.quarantinedAt,
      };
      await store.call('quarantine.record', r);
    },
    replayed: async (m) => {
      await store.call('quarantine.replayed', { stream, streamSeq: m.streamSeq });
    },
    purged: async (m) => {
      await store.call('quarantine.purged', m ? { stream, streamSeq: m.streamSeq } : { stream });
    },
  };
}

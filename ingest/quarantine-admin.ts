import type { AdminResponse as QuarantineResponse, QuarantineRequest } from '../core/index.js';
import type { QuarantinedMessage, QuarantineStore } from './jetstream/index.js';

export type { QuarantineRequest, QuarantineResponse };

/** Plain JSON for one entry: the payload as base64. */
function entryJson(e: QuarantinedMessage): unknown {
  return { ...e, payload: Buffer.from(e.payload).toString('base64'), payloadEncoding: 'base64' };
}

const missing = (id: number): QuarantineResponse => ({
  status: 404,
  body: { error: { code: 'quarantine_entry_not_found', message: `no quarantined message ${id}` } },
});

/** Runs one admin request against the store (the ingest thread's side of /admin/quarantine). */
export async function handleQuarantineRequest(store: QuarantineStore | undefined, r: QuarantineRequest): Promise<QuarantineResponse> {
  if (!store) return { status: 503, body: { error: { code: 'quarantine_unavailable', message: 'the quarantine needs NATS_URL (JetStream) configured and connected' } } };
  switch (r.op) {
    case 'list': {
      const entries = await store.list({ afterId: r.afterId, limit: r.limit });
      return { status: 200, body: { entries: entries.map(entryJson), nextAfter: entries.at(-1)?.id ?? null } };
    }
    case 'show': {
      const e = await store.show(r.id);
      return e ? { status: 200, body: entryJson(e) } : missing(r.id);
    }
    case 'replay':
      return (await store.replay(r.id)) ? { status: 200, body: { replayed: r.id } } : missing(r.id);
    case 'purge':
      return { status: 200, body: { purged: await store.purge(r.id) } };
  }
}

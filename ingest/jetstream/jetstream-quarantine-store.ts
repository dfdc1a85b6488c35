import { headers as natsHeaders, type JetStreamClient, type JetStreamManager, type MsgHdrs, type NatsConnection, type StoredMsg } from 'nats';
import { apiErrCode } from './market-stream.js';
import type { QuarantineEntry, QuarantineReason, QuarantineStore, QuarantinedMessage } from './quarantine.js';

/**
 * QuarantineStore over the QUARANTINE stream (see market-stream.ts).
 *
 * One entry = one message on `<prefix>.<original subject>`: payload = the
 * original bytes, id = its stream sequence. Headers:
 *
 *   Bourse-Quarantine-Reason   reason code (RejectReason or max_deliveries)
 *   Bourse-Quarantine-Detail   human-readable cause
 *   Bourse-Original-Subject    subject in MARKET
 *   Bourse-Original-Seq        sequence in MARKET
 *   Bourse-Delivery-Count      JetStream delivery count when quarantined
 *   Bourse-Quarantined-At      ms since the epoch
 *   Bourse-Orig-<Name>         each original header, renamed so that none of
 *                              them (Nats-Msg-Id, Nats-Expected-*) acts on the
 *                              quarantine publish; restored on replay
 *
 * add() is a JetStream publish that expects the QUARANTINE stream and waits
 * for its ack. list() walks the stream with "next message for subject" gets
 * (one request per entry; entries are few). replay() publishes to the
 * original subject with a JetStream ack, then deletes the entry.
 */
export const QuarantineHeader = {
  reason: 'Bourse-Quarantine-Reason',
  detail: 'Bourse-Quarantine-Detail',
  subject: 'Bourse-Original-Subject',
  seq: 'Bourse-Original-Seq',
  deliveries: 'Bourse-Delivery-Count',
  at: 'Bourse-Quarantined-At',
  originalPrefix: 'Bourse-Orig-',
} as const;

const NO_MESSAGE_FOUND = 10037;
const MESSAGE_DELETE_FAILED = 10057;

export interface JetStreamQuarantineStoreOptions {
  /** QUARANTINE stream name. */
  readonly stream: string;
  /** Its subject prefix (`quarantine`). */
  readonly prefix: string;
  readonly now?: () => number;
}

export class JetStreamQuarantineStore implements QuarantineStore {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #prefix: string;
  readonly #now: () => number;

  static async create(nc: NatsConnection, opts: JetStreamQuarantineStoreOptions): Promise<JetStreamQuarantineStore> {
    return new JetStreamQuarantineStore(nc.jetstream(), await nc.jetstreamManager(), opts);
  }

  constructor(js: JetStreamClient, jsm: JetStreamManager, opts: JetStreamQuarantineStoreOptions) {
    this.#js = js;
    this.#jsm = jsm;
    this.#stream = opts.stream;
    this.#prefix = opts.prefix;
    this.#now = opts.now ?? Date.now;
  }

  async add(e: QuarantineEntry): Promise<number> {
    const h = natsHeaders();
    h.set(QuarantineHeader.reason, e.reason);
    h.set(QuarantineHeader.detail, headerValue(e.detail));
    h.set(QuarantineHeader.subject, e.subject);
    h.set(QuarantineHeader.seq, String(e.streamSeq));
    h.set(QuarantineHeader.deliveries, String(e.deliveryCount));
    h.set(QuarantineHeader.at, String(Math.round(this.#now())));
    for (const [k, v] of e.headers) h.append(QuarantineHeader.originalPrefix + k, headerValue(v));
    const ack = await this.#js.publish(`${this.#prefix}.${e.subject}`, e.payload, { headers: h, expect: { streamName: this.#stream } });
    return ack.seq;
  }

  async list(opts: { afterId?: number; limit?: number } = {}): Promise<QuarantinedMessage[]> {
    const limit = opts.limit ?? 100;
    const out: QuarantinedMessage[] = [];
    let seq = (opts.afterId ?? 0) + 1;
    while (out.length < limit) {
      const m = await this.#get({ seq, next_by_subj: `${this.#prefix}.>` });
      if (!m) break;
      out.push(toEntry(m));
      seq = m.seq + 1;
    }
    return out;
  }

  async show(id: number): Promise<QuarantinedMessage | undefined> {
    const m = await this.#get({ seq: id });
    return m ? toEntry(m) : undefined;
  }

  async replay(id: number): Promise<boolean> {
    const e = await this.show(id);
    if (!e) return false;
    const h = natsHeaders();
    for (const [k, v] of e.headers) h.append(k, v);
    await this.#js.publish(e.subject, e.payload, e.headers.length ? { headers: h } : undefined);
    await this.#delete(id);
    return true;
  }

  async purge(id?: number): Promise<number> {
    if (id !== undefined) return (await this.#delete(id)) ? 1 : 0;
    return (await this.#jsm.streams.purge(this.#stream)).purged;
  }

  async #delete(id: number): Promise<boolean> {
    try {
      return await this.#jsm.streams.deleteMessage(this.#stream, id, false);
    } catch (err) {
      // A delete of a missing sequence fails as "message delete failed" (10057) saying "no message found".
      const code = apiErrCode(err);
      if (code === NO_MESSAGE_FOUND || (code === MESSAGE_DELETE_FAILED && /no message found/i.test((err as Error).message))) return false;
      throw err;
    }
  }

  async #get(query: { seq: number; next_by_subj?: string }): Promise<StoredMsg | undefined> {
    try {
      return await this.#jsm.streams.getMessage(this.#stream, query);
    } catch (err) {
      if (apiErrCode(err) === NO_MESSAGE_FOUND) return undefined;
      throw err;
    }
  }
}

function toEntry(m: StoredMsg): QuarantinedMessage {
  const h: MsgHdrs | undefined = m.header;
  const get = (k: string): string => (h && h.has(k) ? h.get(k) : '');
  const original: [string, string][] = [];
  if (h) {
    for (const [k, vs] of h) {
      if (!k.startsWith(QuarantineHeader.originalPrefix)) continue;
      for (const v of vs) original.push([k.slice(QuarantineHeader.originalPrefix.length), v]);
    }
  }
  return {
    id: m.seq,
    subject: get(QuarantineHeader.subject),
    reason: get(QuarantineHeader.reason) as QuarantineReason,
    detail: get(QuarantineHeader.detail),
    deliveryCount: Number(get(QuarantineHeader.deliveries)) || 0,
    streamSeq: Number(get(QuarantineHeader.seq)) || 0,
    quarantinedAt: Number(get(QuarantineHeader.at)) || m.time.getTime(),
    headers: original,
    payload: m.data,
  };
}

/** Header values cannot carry CR or LF; keep them one line and bounded. */
function headerValue(v: string): string {
  const one = v.replace(/[\r\n]+/g, ' ');
  return one.length > 512 ? `${one.slice(0, 511)}…` : one;
}

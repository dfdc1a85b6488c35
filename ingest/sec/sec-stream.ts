import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type NatsConnection, type StreamConfig } from 'nats';
import { BourseError } from '../../core/errors.js';
import { apiErrCode, streamInfo, type EnsureAction } from '../jetstream/market-stream.js';
import type { CompanyRecord } from './company.js';
import { MAX_COMPANY_EVENT_BYTES, companySubject, companyUpsertFilter, decodeCompanyEvent } from './company-event.js';

/**
 * Stream SEC: company events on `<prefix>.company.>` (see company-event.ts).
 *
 * It is a last-value store, not a log: max_msgs_per_subject keeps the last
 * `historyPerCompany` events of each company (default 1) and nothing expires
 * by age, so the stream always holds every company the SEC sync has seen, and
 * a new durable consumer (a fresh server) rebuilds the whole directory from
 * it. Size stays near one event per company (≈ 8,000 × 300 bytes).
 *
 * duplicate_window bounds JetStream's Nats-Msg-Id dedupe (default 24 h): an
 * identical event published again within it (two syncs at once, a publish
 * retried after a lost ack) is dropped by the server. Beyond it the sync's
 * own read of the stream's current state finds the content unchanged.
 *
 * ensureSecStream() is idempotent like ensureStreams() for MARKET: it creates
 * what is missing, updates the managed fields that differ, fails with
 * config_invalid naming the stream on a storage mismatch or a subject overlap.
 */
export interface SecStreamConfig {
  /** Stream name (SEC; tests use unique names). */
  readonly name: string;
  /** Subject prefix (`sec`): events go to `<prefix>.company.upsert.<cik>`. */
  readonly prefix: string;
  /** JetStream dedupe window, ms. */
  readonly duplicateWindowMs: number;
  /** Events kept per company (1 = only the current one). */
  readonly historyPerCompany: number;
}

export const DEFAULT_SEC_STREAM: SecStreamConfig = Object.freeze({ name: 'SEC', prefix: 'sec', duplicateWindowMs: 24 * 3600_000, historyPerCompany: 1 });

export function secSubjects(prefix: string): string[] {
  return [`${prefix}.company.>`];
}

export async function ensureSecStream(jsm: JetStreamManager, config: SecStreamConfig = DEFAULT_SEC_STREAM): Promise<EnsureAction> {
  if (!Number.isInteger(config.historyPerCompany) || config.historyPerCompany < 1) throw new RangeError(`historyPerCompany must be a positive integer, got ${config.historyPerCompany}`);
  const subjects = secSubjects(config.prefix);
  const want: Partial<StreamConfig> & { name: string } = {
    name: config.name,
    subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: 0,
    max_msgs_per_subject: config.historyPerCompany,
    duplicate_window: nanos(config.duplicateWindowMs),
    max_msg_size: MAX_COMPANY_EVENT_BYTES,
    num_replicas: 1,
  };
  for (let attempt = 0; ; attempt++) {
    const have = await streamInfo(jsm, config.name);
    try {
      if (!have) {
        await jsm.streams.add(want);
        return 'created';
      }
      if (have.config.storage !== want.storage) {
        throw new BourseError('config_invalid', `stream ${config.name} uses ${have.config.storage} storage; ${want.storage} is required and storage cannot change on a live stream (delete or rename it)`);
      }
      const c = have.config;
      const same =
        [...(c.subjects ?? [])].sort().join(' ') === subjects.join(' ') &&
        c.retention === want.retention &&
        c.discard === want.discard &&
        c.max_age === want.max_age &&
        c.max_msgs_per_subject === want.max_msgs_per_subject &&
        c.duplicate_window === want.duplicate_window &&
        c.max_msg_size === want.max_msg_size;
      if (same) return 'unchanged';
      await jsm.streams.update(config.name, { ...have.config, ...want });
      return 'updated';
    } catch (err) {
      if ((err as { code?: unknown }).code === 'config_invalid') throw err;
      if (!have && attempt === 0 && apiErrCode(err) === STREAM_NAME_IN_USE) continue; // lost a create race: look again
      throw new BourseError('config_invalid', `cannot ensure stream ${config.name} (${subjects.join(', ')}): ${(err as Error).message}`, { cause: err });
    }
  }
}

const STREAM_NAME_IN_USE = 10058;
const NO_MESSAGE_FOUND = 10037;

/** A company as the stream holds it now: the record and the stream sequence of its last event. */
export interface StoredCompany {
  readonly record: CompanyRecord;
  readonly hash: string;
  readonly seq: number;
}

export interface CompanyState {
  readonly companies: Map<number, StoredCompany>;
  /** Last events that failed to decode (the sync treats their company as new, and replaces them). */
  readonly invalid: number;
  /** Stream sequence of each company's last event, invalid ones included (for publish preconditions). */
  readonly lastSeq: Map<number, number>;
}

/**
 * Reads the last event of every company in the stream, through an ephemeral
 * consumer (deliver last-per-subject, no acks, memory storage) that is deleted
 * afterwards. One pass; ≈ 8,000 messages for the whole SEC list.
 */
export async function readCompanyState(nc: NatsConnection, config: Pick<SecStreamConfig, 'name' | 'prefix'>, opts: { batch?: number; expiresMs?: number } = {}): Promise<CompanyState> {
  const jsm = await nc.jetstreamManager();
  const companies = new Map<number, StoredCompany>();
  const lastSeq = new Map<number, number>();
  let invalid = 0;
  const info = await jsm.consumers.add(config.name, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.LastPerSubject,
    filter_subject: companyUpsertFilter(config.prefix),
    inactive_threshold: nanos(60_000),
    mem_storage: true,
  });
  try {
    if (info.num_pending === 0) return { companies, lastSeq, invalid };
    const consumer = await nc.jetstream().consumers.get(config.name, info.name);
    const batch = opts.batch ?? 1000;
    for (let done = false; !done; ) {
      const iter = await consumer.fetch({ max_messages: batch, expires: opts.expiresMs ?? 2000 });
      let got = 0;
      for await (const m of iter) {
        got++;
        const cik = cikOfSubject(m.subject, config.prefix);
        if (cik !== undefined) lastSeq.set(cik, m.seq);
        const d = decodeCompanyEvent(m.data, m.subject, config.prefix);
        if (d.ok) companies.set(d.event.company.cik, { record: d.event.company, hash: d.event.hash, seq: m.seq });
        else invalid++;
        if (m.info.pending === 0) {
          done = true;
          break;
        }
      }
      if (got === 0) throw new Error(`reading the state of stream ${config.name}: no message within ${opts.expiresMs ?? 2000} ms though ${info.num_pending} were pending`);
    }
    return { companies, lastSeq, invalid };
  } finally {
    await jsm.consumers.delete(config.name, info.name).catch(() => false);
  }
}

/** One company's last event now (after a publish lost a race), or undefined when the stream has none. */
export async function readStoredCompany(jsm: JetStreamManager, config: Pick<SecStreamConfig, 'name' | 'prefix'>, cik: number): Promise<{ stored: StoredCompany | undefined; seq: number }> {
  const subject = companySubject(config.prefix, cik);
  try {
    const m = await jsm.streams.getMessage(config.name, { last_by_subj: subject });
    const d = decodeCompanyEvent(m.data, subject, config.prefix);
    return { stored: d.ok ? { record: d.event.company, hash: d.event.hash, seq: m.seq } : undefined, seq: m.seq };
  } catch (err) {
    if (apiErrCode(err) === NO_MESSAGE_FOUND || /no message found/i.test((err as Error).message)) return { stored: undefined, seq: 0 };
    throw err;
  }
}

export function cikOfSubject(subject: string, prefix: string): number | undefined {
  const head = `${prefix}.company.upsert.`;
  if (!subject.startsWith(head)) return undefined;
  const rest = subject.slice(head.length);
  return /^[1-9]\d{0,9}$/.test(rest) ? Number(rest) : undefined;
}

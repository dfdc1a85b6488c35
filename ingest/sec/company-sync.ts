import type { NatsConnection } from 'nats';
import { systemClock, type Clock } from '../../core/clock.js';
import { apiErrCode, type EnsureAction } from '../jetstream/market-stream.js';
import { mergeCompany, type CompanyObservation } from './company.js';
import { MAX_COMPANY_EVENT_BYTES, companyMsgId, companySubject, encodeCompanyEvent } from './company-event.js';
import type { CompanySource, SecProblem } from './company-source.js';
import { DEFAULT_SEC_STREAM, ensureSecStream, readCompanyState, readStoredCompany, type SecStreamConfig, type StoredCompany } from './sec-stream.js';

/**
 * One SEC sync: read companies from a source, merge each with what stream SEC
 * holds for it, and publish the ones whose content changed.
 *
 * Steps: ensure the stream (idempotent); read every company's last event
 * (readCompanyState); then for each observation from the source, merge it
 * with that state (mergeCompany: a list-only observation keeps the SIC code
 * an earlier sync found) and
 * - if the content hash equals the stored one: `unchanged`, nothing sent;
 * - else publish with Nats-Msg-Id `sec-company-<cik>-<hash>` and the
 *   precondition "the last event of this company is still the one I merged
 *   with" (Nats-Expected-Last-Subject-Sequence). The server answers
 *   `duplicate` when the same content went in within the dedupe window
 *   (another sync at the same moment), or rejects a stale precondition (a
 *   different concurrent write); then the company is read again, re-merged
 *   and retried (`conflicts`), so two syncs never erase each other's fields.
 *
 * Delivery: a company counts as published once JetStream acked it (durable).
 * Failed publishes are counted with their reason and not retried here: run
 * the sync again (it only sends what is still missing). Up to `maxInFlight`
 * publishes are pipelined. After `maxConsecutiveFailures` failed publishes in
 * a row the sync stops reading (NATS is gone) and says so in `stoppedEarly`.
 * Errors of the source (sec_access_denied, sec_fetch_failed,
 * sec_data_invalid) propagate after in-flight publishes settle; what was
 * published stays.
 */
export interface CompanySyncOptions {
  readonly nc: NatsConnection;
  readonly source: CompanySource;
  readonly stream?: SecStreamConfig;
  readonly clock?: Pick<Clock, 'now'>;
  /** Called after every company and when the expected count becomes known. Keep it cheap (the progress line throttles itself). */
  readonly onProgress?: (p: SyncProgress) => void;
  readonly signal?: AbortSignal;
  /** Default 64. */
  readonly maxInFlight?: number;
  /** PubAck wait per publish. Default 10 s. */
  readonly publishTimeoutMs?: number;
  /** Default 20. */
  readonly maxConsecutiveFailures?: number;
}

export interface SyncCounts {
  /** Companies the source yielded. */
  readonly read: number;
  /** New events stored. */
  readonly published: number;
  /** Content equal to the stream's current event: nothing sent. */
  readonly unchanged: number;
  /** Sent, and dropped by JetStream's dedupe window as already stored. */
  readonly duplicates: number;
  /** Rows or documents the source skipped, plus events too large to publish. */
  readonly skipped: number;
  readonly warnings: number;
  /** Publishes that failed (see failures for why). */
  readonly failed: number;
  /** Publishes retried after losing a race with another writer. */
  readonly conflicts: number;
}

export interface SyncProgress extends SyncCounts {
  /** Companies the source announced, when it knows. */
  readonly expected: number | undefined;
}

export interface SyncResult extends SyncCounts {
  readonly stream: EnsureAction;
  /** Companies in the stream before the sync. */
  readonly before: number;
  readonly skippedProblems: readonly SecProblem[];
  readonly warningProblems: readonly SecProblem[];
  readonly failures: readonly SecProblem[];
  /** Set when the sync stopped before the source was exhausted. */
  readonly stoppedEarly: string | undefined;
  readonly durationMs: number;
}

const WRONG_LAST_SEQUENCE = 10071;
const MAX_CONFLICT_RETRIES = 3;

export async function syncCompanies(opts: CompanySyncOptions): Promise<SyncResult> {
  const clock = opts.clock ?? systemClock;
  const stream = opts.stream ?? DEFAULT_SEC_STREAM;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
  const maxFailures = Math.max(1, opts.maxConsecutiveFailures ?? 20);
  const started = clock.now();
  const jsm = await opts.nc.jetstreamManager();
  const js = opts.nc.jetstream();
  const ensured = await ensureSecStream(jsm, stream);
  const state = await readCompanyState(opts.nc, stream);

  const c = { read: 0, published: 0, unchanged: 0, duplicates: 0, skipped: 0, warnings: 0, failed: 0, conflicts: 0 };
  const skippedProblems: SecProblem[] = [];
  const warningProblems: SecProblem[] = [];
  const failures: SecProblem[] = [];
  let expected: number | undefined;
  let consecutiveFailures = 0;
  let stoppedEarly: string | undefined;
  const progress = (): void => opts.onProgress?.({ ...c, expected });

  const publishOne = async (obs: CompanyObservation): Promise<void> => {
    let stored: StoredCompany | undefined = state.companies.get(obs.cik);
    let expectSeq = state.lastSeq.get(obs.cik) ?? 0;
    const subject = companySubject(stream.prefix, obs.cik);
    for (let attempt = 0; ; attempt++) {
      const record = mergeCompany(stored?.record, obs, Math.floor(clock.now()));
      const { data, hash } = encodeCompanyEvent(record);
      if (stored !== undefined && stored.hash === hash) {
        c.unchanged++;
        return;
      }
      if (data.length > MAX_COMPANY_EVENT_BYTES) {
        c.skipped++;
        skippedProblems.push({ where: `CIK ${obs.cik}`, reason: `event of ${data.length} bytes exceeds ${MAX_COMPANY_EVENT_BYTES}` });
        return;
      }
      try {
        const ack = await js.publish(subject, data, {
          msgID: companyMsgId(obs.cik, hash),
          timeout: opts.publishTimeoutMs ?? 10_000,
          expect: { streamName: stream.name, lastSubjectSequence: expectSeq },
        });
        consecutiveFailures = 0;
        if (ack.duplicate) c.duplicates++;
        else c.published++;
        return;
      } catch (err) {
        if (attempt < MAX_CONFLICT_RETRIES && (apiErrCode(err) === WRONG_LAST_SEQUENCE || /wrong last sequence/i.test((err as Error).message))) {
          c.conflicts++;
          ({ stored, seq: expectSeq } = await readStoredCompany(jsm, stream, obs.cik));
          continue;
        }
        c.failed++;
        consecutiveFailures++;
        failures.push({ where: subject, reason: (err as Error).message });
        return;
      }
    }
  };

  const inFlight = new Set<Promise<void>>();
  let sourceError: unknown;
  try {
    for await (const item of opts.source.read(opts.signal)) {
      if (consecutiveFailures >= maxFailures) {
        stoppedEarly = `${consecutiveFailures} publishes failed in a row; last: ${failures.at(-1)?.reason}`;
        break;
      }
      switch (item.kind) {
        case 'expected':
          expected = item.companies;
          progress();
          continue;
        case 'skipped':
          c.skipped++;
          skippedProblems.push(item.problem);
          continue;
        case 'warning':
          c.warnings++;
          warningProblems.push(item.problem);
          continue;
        case 'company': {
          c.read++;
          const p: Promise<void> = publishOne(item.company)
            .catch((err: unknown) => {
              c.failed++;
              consecutiveFailures++;
              failures.push({ where: `CIK ${item.company.cik}`, reason: (err as Error).message });
            })
            .finally(() => {
              inFlight.delete(p);
              progress();
            });
          inFlight.add(p);
          if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        }
      }
    }
  } catch (err) {
    sourceError = err;
  }
  await Promise.all(inFlight);
  if (sourceError !== undefined) throw sourceError;
  return {
    ...c,
    stream: ensured,
    before: state.companies.size,
    skippedProblems,
    warningProblems,
    failures,
    stoppedEarly,
    durationMs: clock.now() - started,
  };
}

import { AckPolicy, DeliverPolicy, ReplayPolicy, nanos, type Consumer, type ConsumerMessages, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { apiErrCode } from '../jetstream/market-stream.js';
import type { CompanyRecord } from './company.js';
import type { CompanyDirectory } from './company-directory.js';
import { companyUpsertFilter, decodeCompanyEvent, type CompanyEventRejectReason } from './company-event.js';
import { DEFAULT_SEC_STREAM, type SecStreamConfig } from './sec-stream.js';

/**
 * Keeps a CompanyDirectory current from stream SEC: one durable pull consumer
 * (explicit ack, deliver all) on `<prefix>.company.upsert.*`.
 *
 * Delivery: at-least-once. Each fetched batch is decoded, applied to the
 * directory in one upsert (its onChange listeners run once per batch), and
 * only then acked. A message redelivered after a lost ack is recognised by
 * its stream sequence (not above the last applied one of its company) and
 * acked without being applied again, so an older event never overwrites a
 * newer one.
 *
 * Invalid events (not JSON, another schema version, a bad field, a subject
 * that does not match the CIK, a wrong hash) are terminated at once (term:
 * never redelivered) and counted by reason in stats.invalid; the last few
 * are kept in `rejected` for logs.
 *
 * whenCaughtUp() resolves once everything the stream held at start has been
 * applied: the server can wait for it before building its symbol universe.
 * Fetch errors are retried with backoff forever (a deleted durable is
 * recreated). One running consumer per durable name.
 */
export interface CompanyDirectoryConsumerOptions {
  readonly nc: NatsConnection;
  readonly directory: CompanyDirectory;
  readonly stream?: Pick<SecStreamConfig, 'name' | 'prefix'>;
  /** Durable name. Default "bourse-company-directory". */
  readonly durable?: string;
  /** Default 30 s. */
  readonly ackWaitMs?: number;
  /** Messages per fetch. Default 500. */
  readonly batch?: number;
  /** How long one fetch waits. Default 2000 ms. */
  readonly fetchExpiresMs?: number;
  readonly clock?: Pick<Clock, 'after'>;
  /** Let the NATS server delete the durable after this long without a fetch (a per-process follower). Default: never. */
  readonly inactiveThresholdMs?: number;
  readonly log?: Pick<Logger, 'warn' | 'error'>;
}

export interface CompanyDirectoryConsumerStats {
  received: number;
  /** Events applied (changed or not). */
  applied: number;
  acked: number;
  /** Redeliveries of events already applied (acked, not applied again). */
  stale: number;
  invalid: Record<CompanyEventRejectReason, number>;
  fetchErrors: number;
}

export interface RejectedEvent {
  readonly subject: string;
  readonly seq: number;
  readonly reason: CompanyEventRejectReason;
  readonly detail: string;
}

const CONSUMER_NOT_FOUND = 10014;
const KEEP_REJECTED = 20;

export class CompanyDirectoryConsumer {
  readonly stats: CompanyDirectoryConsumerStats = {
    received: 0,
    applied: 0,
    acked: 0,
    stale: 0,
    invalid: { malformed: 0, unsupported_version: 0, invalid_field: 0, subject_mismatch: 0, hash_mismatch: 0 },
    fetchErrors: 0,
  };
  /** The last few invalid events, oldest first. */
  readonly rejected: RejectedEvent[] = [];
  readonly #o: Required<Omit<CompanyDirectoryConsumerOptions, 'log' | 'inactiveThresholdMs'>> & Pick<CompanyDirectoryConsumerOptions, 'log' | 'inactiveThresholdMs'>;
  /** Stream sequence of the last applied event per CIK. */
  readonly #appliedSeq = new Map<number, number>();
  #consumer: Consumer | undefined;
  #iter: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #running = false;
  #wake: (() => void) | undefined;
  #caughtUp = false;
  readonly #caughtUpWaiters: (() => void)[] = [];

  constructor(opts: CompanyDirectoryConsumerOptions) {
    this.#o = {
      stream: DEFAULT_SEC_STREAM,
      durable: 'bourse-company-directory',
      ackWaitMs: 30_000,
      batch: 500,
      fetchExpiresMs: 2000,
      clock: systemClock,
      ...opts,
    };
  }

  get invalidTotal(): number {
    return Object.values(this.stats.invalid).reduce((a, b) => a + b, 0);
  }

  /** Creates or updates the durable and starts fetching. Resolves once running. */
  async start(): Promise<void> {
    if (this.#loop) return;
    const jsm = await this.#o.nc.jetstreamManager();
    const info = await this.#ensureDurable(jsm);
    if (info.pending === 0) this.#markCaughtUp();
    this.#consumer = await this.#o.nc.jetstream().consumers.get(this.#o.stream.name, this.#o.durable);
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Resolves once every event in the stream at start() has been applied. */
  whenCaughtUp(): Promise<void> {
    if (this.#caughtUp) return Promise.resolve();
    return new Promise((resolve) => this.#caughtUpWaiters.push(resolve));
  }

  /** Stops fetching; a batch being applied finishes and is acked first. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#running = false;
    this.#iter?.stop();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    if (!this.#o.nc.isClosed()) await this.#o.nc.flush().catch(() => {});
  }

  async #run(): Promise<void> {
    const o = this.#o;
    let errors = 0;
    while (this.#running) {
      try {
        const iter = await this.#consumer!.fetch({ max_messages: o.batch, expires: o.fetchExpiresMs });
        this.#iter = iter;
        if (!this.#running) iter.stop();
        const batch: JsMsg[] = [];
        let got = 0;
        try {
          for await (const m of iter) {
            got++;
            batch.push(m);
            // Apply what arrived together: when nothing more is queued right now (getPending() counts this one).
            if (iter.getPending() <= 1) this.#apply(batch.splice(0));
          }
        } finally {
          this.#apply(batch.splice(0));
          this.#iter = undefined;
        }
        // A fetch that expired empty: nothing is pending (deliveries unacked by an earlier run come back only after ack-wait).
        if (got === 0 && this.#running && !this.#caughtUp) this.#markCaughtUp();
        errors = 0;
      } catch (err) {
        if (o.nc.isClosed()) {
          o.log?.error({ err: (err as Error).message }, 'company directory consumer: connection closed; stopped');
          break;
        }
        this.stats.fetchErrors++;
        errors++;
        o.log?.warn({ err: (err as Error).message, errors }, 'company directory consumer: fetch failed; retrying');
        if (apiErrCode(err) === CONSUMER_NOT_FOUND || /consumer (not found|deleted)/i.test((err as Error).message)) {
          try {
            await this.#ensureDurable(await o.nc.jetstreamManager());
            this.#consumer = await o.nc.jetstream().consumers.get(o.stream.name, o.durable);
          } catch (e) {
            o.log?.error({ err: (e as Error).message }, 'company directory consumer: cannot recreate the durable');
          }
        }
        await this.#sleep(Math.min(5000, 100 * 2 ** Math.min(errors, 6)));
      }
    }
  }

  /** Decodes, applies in one upsert, then acks; invalid ones are terminated. */
  #apply(msgs: JsMsg[]): void {
    if (msgs.length === 0) return;
    const prefix = this.#o.stream.prefix;
    const records: CompanyRecord[] = [];
    const toAck: JsMsg[] = [];
    for (const m of msgs) {
      this.stats.received++;
      const d = decodeCompanyEvent(m.data, m.subject, prefix);
      if (!d.ok) {
        this.stats.invalid[d.reason]++;
        this.rejected.push({ subject: m.subject, seq: m.seq, reason: d.reason, detail: d.detail });
        if (this.rejected.length > KEEP_REJECTED) this.rejected.shift();
        this.#o.log?.warn({ subject: m.subject, seq: m.seq, reason: d.reason, detail: d.detail }, 'company directory consumer: invalid event terminated');
        settle(m, 'term');
        continue;
      }
      const cik = d.event.company.cik;
      if (m.seq <= (this.#appliedSeq.get(cik) ?? 0)) {
        this.stats.stale++;
      } else {
        this.#appliedSeq.set(cik, m.seq);
        records.push(d.event.company);
      }
      toAck.push(m);
    }
    this.#o.directory.upsert(records);
    this.stats.applied += records.length;
    for (const m of toAck) if (settle(m, 'ack')) this.stats.acked++;
    if (!this.#caughtUp && msgs[msgs.length - 1].info.pending === 0) this.#markCaughtUp();
  }

  #markCaughtUp(): void {
    this.#caughtUp = true;
    for (const fn of this.#caughtUpWaiters.splice(0)) fn();
  }

  async #ensureDurable(jsm: JetStreamManager): Promise<{ pending: number }> {
    const o = this.#o;
    try {
      const have = await jsm.consumers.info(o.stream.name, o.durable);
      if (have.config.ack_wait !== nanos(o.ackWaitMs)) await jsm.consumers.update(o.stream.name, o.durable, { ack_wait: nanos(o.ackWaitMs) });
      return { pending: have.num_pending + have.num_ack_pending };
    } catch (err) {
      if (apiErrCode(err) !== CONSUMER_NOT_FOUND) throw err;
    }
    const info = await jsm.consumers.add(o.stream.name, {
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(o.ackWaitMs),
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      filter_subject: companyUpsertFilter(o.stream.prefix),
      max_ack_pending: Math.max(1000, o.batch * 4),
      ...(o.inactiveThresholdMs ? { inactive_threshold: nanos(o.inactiveThresholdMs) } : {}),
    });
    return { pending: info.num_pending };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#o.clock.after(ms, done);
      function done(): void {
        cancel();
        resolve();
      }
      this.#wake = () => ((this.#wake = undefined), done());
    });
  }
}

/** ack or term; false when the connection is closed (the message comes back after ack-wait). */
function settle(m: JsMsg, kind: 'ack' | 'term'): boolean {
  try {
    if (kind === 'ack') m.ack();
    else m.term();
    return true;
  } catch {
    return false;
  }
}

import { AckPolicy, DeliverPolicy, ReplayPolicy, nanos, type Consumer, type ConsumerConfig, type ConsumerMessages, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../../core/clock.js';
import type { TickSink } from '../../core/feed-source.js';
import type { Logger } from '../../core/logger.js';
import { TICK_FIELDS, TickField, writeTick } from '../../core/tick.js';
import type { Span, Tracer } from '@opentelemetry/api';
import { failSpan, sampled, startProcessSpan } from '../../core/tracing/message-tracing.js';
import type { TraceSlots } from '../../core/tracing/trace-slots.js';
import type { Universe } from '../../core/universe.js';
import type { AppliedTracker } from './applied-tracker.js';
import { apiErrCode } from './market-stream.js';
import { PendingAcks, type PendingAck } from './pending-acks.js';
import type { OffsetStore } from './offset-store.js';
import type { QuarantineReason, QuarantineStore } from './quarantine.js';
import { decodeTick } from './tick-codec.js';

/**
 * The ingest side of MARKET: one durable pull consumer (explicit ack,
 * ack-wait, max-deliver) whose ticks go into a TickSink (the ingest thread's
 * TickRouter) and whose messages are acked only once their ticks are applied.
 *
 * Delivery: at-least-once into the shards. A message is acked after the
 * owning shard has applied its tick (AppliedTracker: the tick's position in
 * the shard's FIFO ≤ the shard's applied count); anything not acked within
 * ack-wait is redelivered by JetStream. Duplicates are the actors' job: they
 * drop a tick whose source seq (n, passed through as sourceSeq) is not above
 * the last applied one.
 *
 * Ordering: messages are routed in delivery order, and each shard applies in
 * routing order, so each symbol's ticks are applied in stream order. Because
 * the actors dedupe by "highest n applied", a message must never be applied
 * after a later one of its symbol. Two cases could break that and are held off:
 * - Start with unacked messages from a previous run (a killed ingest): they
 *   come back only after their ack-wait, so the first fetch waits ack-wait
 *   (the "hold") instead of racing ahead with newer messages.
 * - Deliveries lost on the wire (a reconnect while a fetch was open) show as a
 *   gap in the consumer sequence: the consumer holds again, and first
 *   deliveries that arrive during the hold are nak'ed with a delay longer than
 *   the hold, so the lost messages come back before them.
 *
 * Acks: per shard, in position order, in batches on a short timer
 * (ackIntervalMs). Flow control: at most maxUnacked messages are routed and
 * not yet acked; when shards fall behind the consumer stops fetching until
 * they catch up. Nothing is dropped. maxUnacked must stay below the router's
 * backlog bound (TickRouter drops past it), so the router never drops a tick
 * whose message could then be acked.
 *
 * Poison pills (payloads that fail tick-codec validation) are quarantined and
 * then terminated on their first delivery; they never occupy a shard. A
 * message still unapplied on its last allowed delivery (deliveryCount =
 * maxDeliver) when its ack-wait runs out is quarantined as `max_deliveries`
 * and terminated: the delivery count is in every message, so this works
 * across restarts and needs no advisory subscription (the MAX_DELIVERIES
 * advisory is core NATS, lost while nobody listens, and arrives only after
 * JetStream has given up).
 *
 * Retries: fetch errors are retried forever with backoff (a deleted durable
 * is recreated); the connection reconnects by itself (nats-connection.ts).
 * Only one MarketConsumer may run per durable at a time.
 */
export interface MarketConsumerOptions {
  readonly nc: NatsConnection;
  /** MARKET stream name. */
  readonly stream: string;
  /** Durable consumer name (one per server). */
  readonly durable: string;
  /** MARKET subject prefix (`md`). */
  readonly prefix: string;
  readonly universe: Universe;
  /** Where decoded ticks go; arrival is stamped there. */
  readonly sink: TickSink;
  readonly tracker: AppliedTracker;
  readonly quarantine: QuarantineStore;
  readonly clock?: Clock;
  readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** JetStream ack-wait: redelivery after this long without an ack. Default 10 s. */
  readonly ackWaitMs?: number;
  /** Deliveries before a message is quarantined as max_deliveries. Default 5. */
  readonly maxDeliver?: number;
  /** Messages per fetch. Default 1000. */
  readonly batch?: number;
  /** Routed-but-unacked messages before fetching pauses. Default 16384. */
  readonly maxUnacked?: number;
  /** How long one fetch waits for messages (≥ 1000). Default 2000. */
  readonly fetchExpiresMs?: number;
  /** Idle heartbeat requested for a fetch. Default fetchExpiresMs / 2. */
  readonly heartbeatMs?: number;
  /** Ack sweep period. Default 5 ms. */
  readonly ackIntervalMs?: number;
  /** Where a newly created durable starts: every retained tick, or only new ones. Default 'all'. */
  readonly deliverFrom?: 'all' | 'new';
  /**
   * Where the ack floor is saved outside NATS. A durable created when an
   * offset is saved (it was deleted, or the server lost its state) starts
   * after that offset instead of at `deliverFrom`.
   */
  readonly offsets?: OffsetStore;
  /** How often the ack floor is saved. Default 5000 ms. */
  readonly offsetIntervalMs?: number;
  /**
   * Tracing (absent = off, no per-message cost): a CONSUMER span per message,
   * child of the `traceparent` its publisher attached, ended once the tick is
   * routed; a sampled one's context goes to the applying shard via traceSlots.
   */
  readonly tracer?: Tracer;
  readonly traceSlots?: TraceSlots;
}

export interface MarketConsumerStats {
  received: number;
  /** Ticks handed to the sink. */
  routed: number;
  acked: number;
  /** Negative acks sent (redelivery requested: holds, sink errors, position mismatches). */
  naked: number;
  /** Messages terminated (quarantined poison pills and max_deliveries). */
  terminated: number;
  /** Deliveries with deliveryCount > 1. */
  redelivered: number;
  quarantined: number;
  quarantineFailed: number;
  /** Entries whose ack-wait passed before they were applied (JetStream redelivers them). */
  expired: number;
  /** First deliveries nak'ed during a hold. */
  deferred: number;
  holds: number;
  /** Times fetching waited for shards to catch up. */
  paused: number;
  fetchErrors: number;
  sinkErrors: number;
  /** Batches whose routed count differed from what the sink reported (should stay 0). */
  positionMismatches: number;
}

const CONSUMER_NOT_FOUND = 10014;

export class MarketConsumer {
  readonly stats: MarketConsumerStats = {
    received: 0,
    routed: 0,
    acked: 0,
    naked: 0,
    terminated: 0,
    redelivered: 0,
    quarantined: 0,
    quarantineFailed: 0,
    expired: 0,
    deferred: 0,
    holds: 0,
    paused: 0,
    fetchErrors: 0,
    sinkErrors: 0,
    positionMismatches: 0,
  };
  readonly #o: Required<Omit<MarketConsumerOptions, 'log' | 'offsets' | 'tracer' | 'traceSlots'>> & Pick<MarketConsumerOptions, 'log' | 'offsets' | 'tracer' | 'traceSlots'>;
  readonly #pending: PendingAcks;
  readonly #batchRecords: Float64Array;
  readonly #batchMsgs: JsMsg[] = [];
  /** Process spans of the batch being built (tracing only). */
  readonly #spans: Span[] = [];
  readonly #base: Float64Array;
  readonly #count: Float64Array;
  readonly #quarantining = new Set<Promise<void>>();
  #consumer: Consumer | undefined;
  #iter: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #running = false;
  #stopAckTimer: (() => void) | undefined;
  #stopOffsetTimer: (() => void) | undefined;
  #savedOffset = 0;
  #expectedDseq = 0;
  #holdUntil = 0;
  #wake: (() => void) | undefined;

  constructor(opts: MarketConsumerOptions) {
    const fetchExpiresMs = Math.max(1000, opts.fetchExpiresMs ?? 2000);
    this.#o = {
      clock: systemClock,
      ackWaitMs: 10_000,
      maxDeliver: 5,
      batch: 1000,
      maxUnacked: 16_384,
      ackIntervalMs: 5,
      deliverFrom: 'all',
      offsetIntervalMs: 5000,
      heartbeatMs: Math.floor(fetchExpiresMs / 2),
      ...opts,
      fetchExpiresMs,
    };
    if (this.#o.maxDeliver < 2) throw new RangeError('maxDeliver must be at least 2');
    this.#pending = new PendingAcks(opts.tracker.shards);
    this.#batchRecords = new Float64Array(this.#o.batch * TICK_FIELDS);
    this.#base = new Float64Array(opts.tracker.shards);
    this.#count = new Float64Array(opts.tracker.shards);
  }

  /**
   * The durable's state on the server (pending = messages not yet delivered,
   * ackPending = delivered and not acked), or undefined before start() or when
   * the server does not answer. One JetStream API request: for scrapes, not hot paths.
   */
  async serverState(): Promise<{ pending: number; ackPending: number; redelivered: number } | undefined> {
    try {
      const info = await this.#consumer?.info();
      return info ? { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Messages routed (or being quarantined) and not yet acked/terminated: what flow control bounds. */
  get unacked(): number {
    return this.#pending.size + this.#quarantining.size;
  }

  /**
   * Records handed to the shards and not yet applied. Normally ≤ unacked, but
   * an entry whose ack-wait ran out leaves `unacked` while its record still
   * waits in a slow shard; bounding this too keeps redeliveries from piling
   * up behind a stuck shard and the router's backlog below maxUnacked.
   */
  #shardLag(): number {
    const t = this.#o.tracker;
    let lag = 0;
    for (let s = 0; s < t.shards; s++) lag += t.routedCount(s) - t.appliedCount(s);
    return lag;
  }

  /** True while a hold is in force (see class comment). */
  get holding(): boolean {
    return this.#o.clock.now() < this.#holdUntil;
  }

  /** Creates or updates the durable, then starts fetching. Resolves once running. */
  async start(): Promise<void> {
    if (this.#loop) return;
    const jsm = await this.#o.nc.jetstreamManager();
    await ensureMarketConsumer(jsm, this.#o, await this.#resumePoint(jsm));
    const info = await jsm.consumers.info(this.#o.stream, this.#o.durable);
    this.#savedOffset = info.ack_floor.stream_seq;
    this.#expectedDseq = info.delivered.consumer_seq + 1;
    if (info.num_ack_pending > 0) this.#hold(`${info.num_ack_pending} messages delivered before this start are unacked`);
    this.#consumer = await this.#o.nc.jetstream().consumers.get(this.#o.stream, this.#o.durable);
    this.#running = true;
    this.#stopAckTimer = this.#o.clock.every(this.#o.ackIntervalMs, () => this.#sweep());
    if (this.#o.offsets) this.#stopOffsetTimer = this.#o.clock.every(this.#o.offsetIntervalMs, () => void this.#saveOffset());
    this.#loop = this.#run();
  }

  /**
   * Stops fetching. With `drainMs` > 0 it first lets the pull in flight end by
   * itself (up to its expiry, within `drainMs`), so messages the server has
   * already delivered are routed rather than dropped with the iterator, then
   * waits (within what is left of `drainMs`) for routed messages to be applied
   * and acked. Whatever is still unacked then is left to JetStream to
   * redeliver after ack-wait (to the next start).
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    if (!this.#loop) return;
    const drainMs = opts.drainMs ?? 0;
    const end = this.#o.clock.now() + drainMs;
    this.#running = false;
    this.#wake?.();
    if (drainMs > 0 && this.#iter) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#loop, new Promise((r) => (timer = setTimeout(r, Math.min(drainMs, this.#o.fetchExpiresMs + 500))))]);
      clearTimeout(timer);
    }
    this.#iter?.stop();
    await this.#loop;
    if (drainMs > 0) {
      while (this.unacked > 0 && this.#o.clock.now() < end) await this.#sleep(Math.min(this.#o.ackIntervalMs, end - this.#o.clock.now()), true);
    }
    this.#stopAckTimer?.();
    this.#stopOffsetTimer?.();
    this.#sweep();
    await Promise.allSettled([...this.#quarantining]);
    this.#pending.clear();
    this.#loop = undefined;
    if (!this.#o.nc.isClosed()) {
      await this.#o.nc.flush().catch(() => {});
      await this.#saveOffset();
    }
  }

  /**
   * The stream sequence a durable created now should start at: one past the
   * saved ack floor, unless nothing is saved or the stream no longer reaches
   * it (recreated: its sequences restarted), in which case `deliverFrom` holds.
   */
  async #resumePoint(jsm: JetStreamManager): Promise<number | undefined> {
    const o = this.#o;
    if (!o.offsets) return undefined;
    try {
      const saved = await o.offsets.load(o.durable, o.stream);
      if (saved === undefined || saved <= 0) return undefined;
      const { state } = await jsm.streams.info(o.stream);
      if (saved > state.last_seq) {
        o.log?.warn({ saved, last: state.last_seq }, 'market consumer: saved offset is past the end of the stream (recreated?); ignored');
        return undefined;
      }
      return saved + 1;
    } catch (err) {
      o.log?.warn({ err: (err as Error).message }, 'market consumer: saved offset unavailable');
      return undefined;
    }
  }

  /** Saves the durable's ack floor if it moved. Failures are retried at the next interval. */
  async #saveOffset(): Promise<void> {
    const o = this.#o;
    if (!o.offsets || o.nc.isClosed()) return;
    try {
      const jsm = await o.nc.jetstreamManager();
      const floor = (await jsm.consumers.info(o.stream, o.durable)).ack_floor.stream_seq;
      if (floor <= this.#savedOffset) return;
      await o.offsets.save(o.durable, o.stream, floor);
      this.#savedOffset = floor;
    } catch (err) {
      o.log?.warn({ err: (err as Error).message }, 'market consumer: saving the offset failed; will retry');
    }
  }

  async #run(): Promise<void> {
    const o = this.#o;
    let errors = 0;
    while (this.#running) {
      const wait = this.#holdUntil - o.clock.now();
      if (wait > 0) {
        await this.#sleep(wait);
        continue;
      }
      const room = o.maxUnacked - Math.max(this.unacked, this.#shardLag());
      if (room < Math.min(o.batch, Math.ceil(o.maxUnacked / 4))) {
        this.stats.paused++;
        await this.#sleep(o.fetchExpiresMs);
        continue;
      }
      try {
        const iter = await this.#consumer!.fetch({ max_messages: Math.min(o.batch, room), expires: o.fetchExpiresMs, idle_heartbeat: o.heartbeatMs });
        this.#iter = iter;
        if (!this.#running) iter.stop(); // stop() came while the fetch was being set up
        try {
          for await (const m of iter) {
            this.#onMessage(m);
            // Route what arrived together: flush when nothing more is queued right now, or the batch is full.
            // (getPending() still counts the message being handled, hence ≤ 1.)
            if (iter.getPending() <= 1 || this.#batchMsgs.length === o.batch) this.#flush();
          }
        } finally {
          this.#flush();
          this.#iter = undefined;
        }
        errors = 0;
      } catch (err) {
        if (o.nc.isClosed()) {
          o.log?.error({ err: (err as Error).message }, 'market consumer: connection closed; stopped fetching');
          this.#running = false;
          break;
        }
        this.stats.fetchErrors++;
        errors++;
        o.log?.warn({ err: (err as Error).message, errors }, 'market consumer: fetch failed; retrying');
        if (apiErrCode(err) === CONSUMER_NOT_FOUND || /consumer (not found|deleted)/i.test((err as Error).message)) {
          await this.#recreate().catch((e: unknown) => o.log?.error({ err: (e as Error).message }, 'market consumer: cannot recreate the durable'));
        }
        await this.#sleep(Math.min(5000, 100 * 2 ** Math.min(errors, 6)));
      }
    }
  }

  async #recreate(): Promise<void> {
    const jsm = await this.#o.nc.jetstreamManager();
    const created = await ensureMarketConsumer(jsm, this.#o, await this.#resumePoint(jsm));
    if (created === 'created') this.#o.log?.warn({ durable: this.#o.durable }, 'market consumer: durable was gone; recreated from the saved offset');
    this.#consumer = await this.#o.nc.jetstream().consumers.get(this.#o.stream, this.#o.durable);
    this.#expectedDseq = 0;
  }

  #onMessage(m: JsMsg): void {
    const o = this.#o;
    const info = m.info;
    this.stats.received++;
    if (info.deliveryCount > 1) this.stats.redelivered++;
    const dseq = info.deliverySequence;
    if (this.#expectedDseq > 0 && dseq > this.#expectedDseq) this.#hold(`${dseq - this.#expectedDseq} deliveries did not arrive (consumer seq ${this.#expectedDseq}..${dseq - 1})`);
    this.#expectedDseq = dseq + 1;
    const span = o.tracer
      ? startProcessSpan(o.tracer, m.subject, m.headers, { 'messaging.message.id': String(info.streamSequence), 'messaging.consumer.group.name': o.durable, 'bourse.delivery_count': info.deliveryCount })
      : undefined;

    // During a hold, a first delivery may be newer than a lost one: send it back to come after them.
    // Redeliveries are older than anything nak'ed here, and a last delivery is never nak'ed (it would be lost).
    if (info.deliveryCount === 1 && info.deliveryCount < o.maxDeliver && this.holding) {
      if (tryAck(m, 'nak', this.#holdUntil - o.clock.now() + this.#holdMargin())) this.stats.naked++;
      this.stats.deferred++;
      span?.addEvent('deferred during a hold').end();
      return;
    }

    const d = decodeTick(m.data, m.subject, o.prefix, o.universe);
    if (!d.ok) {
      if (span) failSpan(span, `quarantined: ${d.reason}`);
      this.#quarantine(m, d.reason, d.detail);
      return;
    }
    const i = this.#batchMsgs.length;
    writeTick(this.#batchRecords, i, d.tick);
    this.#batchMsgs.push(m);
    if (span) {
      // The tick record's spare field carries the trace slot token to the shard (0 = not traced).
      if (o.traceSlots && sampled(span)) this.#batchRecords[i * TICK_FIELDS + TickField.reserved] = o.traceSlots.put(span.spanContext());
      this.#spans.push(span);
    }
  }

  /** Hands the batch to the sink and records each message's position in its shard. */
  #flush(): void {
    const msgs = this.#batchMsgs;
    const n = msgs.length;
    if (n === 0) return;
    const { tracker, sink, clock, ackWaitMs, maxDeliver } = this.#o;
    const shards = tracker.shards;
    const base = this.#base;
    const count = this.#count;
    for (let s = 0; s < shards; s++) {
      base[s] = tracker.routedCount(s);
      count[s] = 0;
    }
    try {
      sink.accept(this.#batchRecords, n);
    } catch (err) {
      // Nothing is acked for this batch: JetStream redelivers it (soon, via nak).
      this.stats.sinkErrors++;
      this.#o.log?.error({ err: (err as Error).message, messages: n }, 'market consumer: sink rejected a batch');
      for (const m of msgs) if (tryAck(m, 'nak', 1000)) this.stats.naked++;
      msgs.length = 0;
      this.#endSpans('sink rejected the batch');
      return;
    }
    const recs = this.#batchRecords;
    for (let i = 0; i < n; i++) count[tracker.shardOf(recs[i * TICK_FIELDS])]++;
    // A shard whose count did not grow by exactly what we routed (the sink dropped or refused some, or
    // another producer interleaved) gives no trustworthy positions: never ack those, let them come again.
    for (let s = 0; s < shards; s++) {
      if (count[s] > 0 && tracker.routedCount(s) - base[s] !== count[s]) {
        this.stats.positionMismatches++;
        this.#o.log?.error({ shard: s, routed: count[s], counted: tracker.routedCount(s) - base[s] }, 'market consumer: shard positions do not add up; not acking this batch there');
        count[s] = -1;
      } else count[s] = 0;
    }
    const deadline = clock.now() + ackWaitMs;
    for (let i = 0; i < n; i++) {
      const m = msgs[i];
      const s = tracker.shardOf(recs[i * TICK_FIELDS]);
      if (count[s] < 0) {
        if (tryAck(m, 'nak', ackWaitMs)) this.stats.naked++;
        continue;
      }
      const pos = base[s] + ++count[s];
      this.#pending.push(s, { pos, msg: m, deadline, last: m.info.deliveryCount >= maxDeliver });
    }
    this.stats.routed += n;
    msgs.length = 0;
    this.#endSpans();
  }

  #endSpans(failure?: string): void {
    const spans = this.#spans;
    if (spans.length === 0) return;
    for (const s of spans) (failure ? failSpan(s, failure) : s.end());
    spans.length = 0;
  }

  /** Acks what has been applied, in position order per shard; expires what outlived ack-wait. */
  #sweep(): void {
    const { tracker, clock } = this.#o;
    const now = clock.now();
    const before = this.#pending.size;
    for (let s = 0; s < tracker.shards; s++) {
      if (this.#pending.sizeOf(s) === 0) continue;
      const applied = tracker.appliedCount(s);
      this.#pending.settle(s, applied, now, (e: PendingAck, done: boolean) => {
        if (done) {
          // ack() throws only on a closed connection; the message then stays unacked and comes back.
          if (tryAck(e.msg, 'ack')) this.stats.acked++;
        } else if (e.last) {
          this.#quarantine(e.msg, 'max_deliveries', `not applied within ack-wait on delivery ${e.msg.info.deliveryCount} of ${this.#o.maxDeliver}`);
        } else {
          this.stats.expired++; // JetStream redelivers it; its next delivery gets a new entry
        }
      });
    }
    if (this.#pending.size < before) this.#wake?.();
  }

  #quarantine(m: JsMsg, reason: QuarantineReason, detail: string): void {
    const headers: [string, string][] = [];
    if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) headers.push([k, v]);
    const info = m.info;
    const p = this.#o.quarantine
      .add({ subject: m.subject, reason, detail, deliveryCount: info.deliveryCount, streamSeq: info.streamSequence, headers, payload: m.data })
      .then(
        () => {
          if (tryAck(m, 'term')) this.stats.terminated++;
          this.stats.quarantined++;
        },
        (err: unknown) => {
          // Left unacked: JetStream delivers it again and we retry (unless that was its last delivery).
          this.stats.quarantineFailed++;
          this.#o.log?.error({ err: (err as Error).message, subject: m.subject, seq: info.streamSequence, reason }, 'market consumer: quarantine failed');
        },
      )
      .finally(() => {
        this.#quarantining.delete(p);
        this.#wake?.();
      });
    this.#quarantining.add(p);
  }

  #hold(why: string): void {
    this.#holdUntil = Math.max(this.#holdUntil, this.#o.clock.now() + this.#o.ackWaitMs + this.#holdMargin());
    this.stats.holds++;
    this.#o.log?.warn({ why, holdMs: Math.round(this.#holdUntil - this.#o.clock.now()) }, 'market consumer: holding new messages until earlier deliveries come back');
  }

  #holdMargin(): number {
    return Math.max(250, this.#o.ackWaitMs / 10);
  }

  /** Sleeps `ms` on the injected clock; stop() or freed room (unless `uninterruptible`) wakes it early. */
  #sleep(ms: number, uninterruptible = false): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#o.clock.after(Math.max(0, ms), done);
      function done(): void {
        cancel();
        resolve();
      }
      if (!uninterruptible) this.#wake = () => ((this.#wake = undefined), done());
    });
  }
}

/** Sends an ack, term or nak; false when the connection is closed (the message stays unacked and is redelivered). */
function tryAck(m: JsMsg, kind: 'ack' | 'term' | 'nak', nakDelayMs?: number): boolean {
  try {
    if (kind === 'ack') m.ack();
    else if (kind === 'term') m.term();
    else m.nak(nakDelayMs === undefined ? undefined : Math.max(1, Math.round(nakDelayMs)));
    return true;
  } catch {
    return false;
  }
}

/** The durable's managed settings (create or update; other settings are left as they are). */
export async function ensureMarketConsumer(
  jsm: JetStreamManager,
  o: Pick<MarketConsumerOptions, 'stream' | 'durable'> & Required<Pick<MarketConsumerOptions, 'ackWaitMs' | 'maxDeliver' | 'maxUnacked' | 'deliverFrom'>>,
  /** Stream sequence a newly created durable starts at (overrides deliverFrom). */
  startSeq?: number,
): Promise<'created' | 'updated' | 'unchanged'> {
  const want: Partial<ConsumerConfig> = {
    durable_name: o.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(o.ackWaitMs),
    max_deliver: o.maxDeliver,
    // Expired-but-not-yet-redelivered messages still count on the server: leave room above our own bound.
    max_ack_pending: o.maxUnacked * 2,
    replay_policy: ReplayPolicy.Instant,
  };
  let have;
  try {
    have = await jsm.consumers.info(o.stream, o.durable);
  } catch (err) {
    if (apiErrCode(err) !== CONSUMER_NOT_FOUND) throw err;
    const start: Partial<ConsumerConfig> =
      startSeq !== undefined ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq } : { deliver_policy: o.deliverFrom === 'new' ? DeliverPolicy.New : DeliverPolicy.All };
    await jsm.consumers.add(o.stream, { ...want, ...start });
    return 'created';
  }
  const c = have.config;
  if (c.ack_wait === want.ack_wait && c.max_deliver === want.max_deliver && c.max_ack_pending === want.max_ack_pending) return 'unchanged';
  await jsm.consumers.update(o.stream, o.durable, { ack_wait: want.ack_wait, max_deliver: want.max_deliver, max_ack_pending: want.max_ack_pending });
  return 'updated';
}

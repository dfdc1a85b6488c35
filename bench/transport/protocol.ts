import type { MessagePort } from 'node:worker_threads';

/**
 * What the transport bench's main thread, producer and consumer agree on:
 * the scenario a pair of workers runs, the control words they share, and the
 * report each sends back.
 */

/** How records travel from the producer thread to the consumer thread. */
export type Transport =
  /** actors/tick-ring.ts: SharedArrayBuffer ring, Atomics.waitAsync wake-ups. */
  | 'ring'
  /** postMessage of one fresh ArrayBuffer per batch, transferred (zero-copy, one allocation per batch). */
  | 'transfer'
  /** postMessage of a Float64Array per batch, structured clone (copied). */
  | 'clone'
  /** postMessage of one record per message (clone): the baseline the hot path never does. */
  | 'per-tick';

export interface Scenario {
  readonly name: string;
  readonly transport: Transport;
  /** Records per batch the producer hands over (ring: per push). At a fixed rate: rate × intervalMs. */
  readonly batch: number;
  /** Records to move, warm-up included. */
  readonly records: number;
  /** Offered rate, records/s; 0 = as fast as the consumer takes them. */
  readonly rate: number;
  /** At a fixed rate: one batch every this many ms. */
  readonly intervalMs: number;
  /** The first this many records are not in the latency histogram (JIT and pool warm-up). */
  readonly warmup: number;
  /** Record the latency of one record in this many (1 = every record). */
  readonly sampleEvery: number;
  /** Records (or messages) allowed in flight: the ring's capacity, and the credit window for postMessage. */
  readonly window: number;
}

export interface WorkerData {
  readonly role: 'producer' | 'consumer';
  readonly scenario: Scenario;
  /** Int32 control words, see Control. */
  readonly control: SharedArrayBuffer;
  /** transport 'ring': the ring. */
  readonly ring?: SharedArrayBuffer;
  /** postMessage transports: this worker's end of the channel. */
  readonly port?: MessagePort;
}

/**
 * Int32 control words (postMessage transports only). The consumer adds to
 * CONSUMED after each message; a producer out of credit sets PRODUCER_WAITING,
 * re-checks, and sleeps on CONSUMED; the consumer notifies only when the flag
 * is set (the same protocol as the ring's wake words).
 */
export const Control = {
  consumed: 0,
  producerWaiting: 1,
  words: 2,
} as const;

export interface ThreadUsage {
  /** On-CPU time of this thread during the run (ns), from /proc/thread-self/schedstat. */
  readonly cpuNs: number;
  /** Where cpuNs came from: 'schedstat', 'stat' (10 ms ticks) or 'process' (whole-process fallback). */
  readonly cpuSource: string;
  /** performance.eventLoopUtilization() over the run. */
  readonly elu: number;
  /** Wall time of the run on this thread (ns). */
  readonly wallNs: number;
}

export interface ProducerReport extends ThreadUsage {
  readonly role: 'producer';
  /** process.hrtime (ns) when the first record was stamped. */
  readonly startNs: number;
  readonly messages: number;
  /** Times the producer had to wait for space or credit. */
  readonly stalls: number;
}

export interface ConsumerReport extends ThreadUsage {
  readonly role: 'consumer';
  /** process.hrtime (ns) when the last record was received. */
  readonly endNs: number;
  readonly records: number;
  /** Records out of order or damaged (must be 0). */
  readonly errors: number;
  readonly latency: LatencySummary;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

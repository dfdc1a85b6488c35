import hdr from 'hdr-histogram-js';
import { TICK_FIELDS, TickField } from '../../core/tick.js';
import { TickRing } from '../../actors/tick-ring.js';
import { Control, type ConsumerReport, type WorkerData } from './protocol.js';
import { nowNs, threadCpu } from './thread-cpu.js';

const F = TICK_FIELDS;

/**
 * The consumer thread: takes records as a shard would (one callback per
 * record), checks order, and records producer stamp → receipt latency.
 * Resolves when all records have arrived.
 */
export function consume(d: WorkerData): { start(): void; done: Promise<Omit<ConsumerReport, 'role'>> } {
  const s = d.scenario;
  const ctl = new Int32Array(d.control);
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 3 });
  let expected = 1;
  let errors = 0;
  let checksum = 0;
  let receiptNs = 0;
  let cpu0 = threadCpu();
  let elu0 = performance.eventLoopUtilization();
  let startNs = nowNs();

  const onRecord = (view: Float64Array, o: number): void => {
    const seq = view[o + TickField.sourceSeq];
    if (seq !== expected) errors++;
    expected = seq + 1;
    checksum += view[o + TickField.price];
    if (seq > s.warmup && seq % s.sampleEvery === 0) hist.recordValue(Math.max(1, receiptNs - view[o + TickField.arrival]));
  };

  let resolveDone!: (r: Omit<ConsumerReport, 'role'>) => void;
  const done = new Promise<Omit<ConsumerReport, 'role'>>((r) => (resolveDone = r));
  const finish = (): void => {
    const cpu1 = threadCpu();
    resolveDone({
      endNs: receiptNs,
      records: expected - 1,
      errors: errors + (checksum > 0 ? 0 : 1),
      cpuNs: cpu1.ns - cpu0.ns,
      cpuSource: cpu1.source,
      elu: performance.eventLoopUtilization(elu0).utilization,
      wallNs: nowNs() - startNs,
      latency: {
        samples: hist.totalCount,
        p50Us: hist.getValueAtPercentile(50) / 1000,
        p90Us: hist.getValueAtPercentile(90) / 1000,
        p99Us: hist.getValueAtPercentile(99) / 1000,
        p999Us: hist.getValueAtPercentile(99.9) / 1000,
        maxUs: hist.maxValue / 1000,
      },
    });
  };

  /** postMessage transports: return credit, waking the producer only if it sleeps. */
  const credit = (n: number): void => {
    Atomics.add(ctl, Control.consumed, n);
    if (Atomics.load(ctl, Control.producerWaiting) !== 0 && Atomics.compareExchange(ctl, Control.producerWaiting, 1, 0) === 1) {
      Atomics.notify(ctl, Control.producerWaiting);
    }
  };

  const start = (): void => {
    cpu0 = threadCpu();
    elu0 = performance.eventLoopUtilization();
    startNs = nowNs();
    if (s.transport === 'ring') void pumpRing();
  };

  const pumpRing = async (): Promise<void> => {
    const ring = new TickRing(d.ring!);
    while (expected <= s.records) {
      receiptNs = nowNs();
      if (ring.drain(onRecord) === 0) await ring.waitForData(1000);
    }
    finish();
  };

  if (s.transport !== 'ring') {
    const port = d.port!;
    const perTick = s.transport === 'per-tick';
    port.on('message', (m: ArrayBuffer | Float64Array) => {
      receiptNs = nowNs();
      const view = m instanceof Float64Array ? m : new Float64Array(m);
      const n = view.length / F;
      for (let r = 0; r < n; r++) onRecord(view, r * F);
      credit(perTick ? 1 : n);
      if (expected > s.records) {
        port.close();
        finish();
      }
    });
  }

  return { start, done };
}

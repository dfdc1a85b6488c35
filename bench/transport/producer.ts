import { setTimeout as sleep } from 'node:timers/promises';
import { TICK_FIELDS, TickField, TickKind } from '../../core/tick.js';
import { TickRing } from '../../actors/tick-ring.js';
import { Control, type ProducerReport, type WorkerData } from './protocol.js';
import { nowNs, threadCpu } from './thread-cpu.js';

const F = TICK_FIELDS;
const noop = (): void => {};
type WaitAsync = (ta: Int32Array, index: number, value: number, timeoutMs?: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Writes trade record `seq` (1-based), stamped `stampNs`, at record `at` of `buf`. */
function fill(buf: Float64Array, at: number, seq: number, stampNs: number): void {
  const o = at * F;
  buf[o + TickField.symbol] = seq % 500;
  buf[o + TickField.kind] = TickKind.trade;
  buf[o + TickField.price] = 100 + (seq % 1000) * 0.01;
  buf[o + TickField.size] = 100;
  buf[o + TickField.bid] = 0;
  buf[o + TickField.ask] = 0;
  buf[o + TickField.bidSize] = 0;
  buf[o + TickField.askSize] = 0;
  buf[o + TickField.eventTs] = stampNs;
  buf[o + TickField.arrival] = stampNs;
  buf[o + TickField.sourceSeq] = seq;
  buf[o + TickField.reserved] = 0;
}

/**
 * The producer thread: stamps records with the shared monotonic clock and
 * hands them over in batches, either as fast as the transport takes them
 * (bounded by the ring's capacity or the same credit window for postMessage)
 * or at a fixed offered rate, one batch per interval.
 */
export async function produce(d: WorkerData): Promise<Omit<ProducerReport, 'role'>> {
  const s = d.scenario;
  const ctl = new Int32Array(d.control);
  const port = d.port;
  let messages = 0;
  let stalls = 0;
  let sent = 0; // records (per-tick: messages) handed over, for the credit window

  /** postMessage transports: wait until `n` more fit in the window (sleep protocol as in TickRing#sleep). */
  const credit = async (n: number): Promise<void> => {
    while (sent + n - Atomics.load(ctl, Control.consumed) > s.window) {
      stalls++;
      Atomics.store(ctl, Control.producerWaiting, 1);
      if (sent + n - Atomics.load(ctl, Control.consumed) <= s.window) {
        Atomics.store(ctl, Control.producerWaiting, 0);
        break;
      }
      const r = waitAsync(ctl, Control.producerWaiting, 1, 1000);
      if (r.async) {
        const keepAlive = setTimeout(noop, 1000); // a pending waitAsync alone does not keep the thread alive
        await r.value;
        clearTimeout(keepAlive);
      }
      Atomics.store(ctl, Control.producerWaiting, 0);
    }
    sent += n;
  };

  let send: (first: number, n: number) => Promise<void>;
  switch (s.transport) {
    case 'ring': {
      const ring = new TickRing(d.ring!);
      const buf = new Float64Array(s.batch * F);
      send = async (first, n) => {
        const stamp = nowNs();
        for (let k = 0; k < n; k++) fill(buf, k, first + k, stamp);
        let off = 0;
        for (;;) {
          off += ring.push(buf, off, n - off);
          if (off === n) break;
          stalls++;
          await ring.waitForSpace(1000);
        }
        messages++;
      };
      break;
    }
    case 'transfer':
      send = async (first, n) => {
        const stamp = nowNs();
        const a = new Float64Array(n * F);
        for (let k = 0; k < n; k++) fill(a, k, first + k, stamp);
        await credit(n);
        port!.postMessage(a.buffer, [a.buffer]);
        messages++;
      };
      break;
    case 'clone': {
      const buf = new Float64Array(s.batch * F);
      send = async (first, n) => {
        const stamp = nowNs();
        for (let k = 0; k < n; k++) fill(buf, k, first + k, stamp);
        await credit(n);
        port!.postMessage(n === s.batch ? buf : buf.slice(0, n * F));
        messages++;
      };
      break;
    }
    case 'per-tick': {
      const rec = new Float64Array(F);
      send = async (first, n) => {
        for (let k = 0; k < n; k++) {
          fill(rec, 0, first + k, nowNs());
          await credit(1);
          port!.postMessage(rec);
          messages++;
        }
      };
      break;
    }
  }

  const cpu0 = threadCpu();
  const elu0 = performance.eventLoopUtilization();
  const startNs = nowNs();
  let seq = 1;
  let due = performance.now();
  while (seq <= s.records) {
    const n = Math.min(s.batch, s.records - seq + 1);
    await send(seq, n);
    seq += n;
    if (s.rate > 0) {
      due += s.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
  const cpu1 = threadCpu();
  return {
    startNs,
    messages,
    stalls,
    cpuNs: cpu1.ns - cpu0.ns,
    cpuSource: cpu1.source,
    elu: performance.eventLoopUtilization(elu0).utilization,
    wallNs: nowNs() - startNs,
  };
}

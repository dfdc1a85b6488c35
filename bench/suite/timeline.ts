import type { ClientProgress } from '../load/client-fleet.js';
import { LogLinearHistogram } from '../load/histogram.js';
import { percentilesMs, type Percentiles } from '../load/report.js';

/**
 * The per-second time series of a run, built from the native clients'
 * progress lines (cumulative counters, plus a latency histogram of the last
 * second) and the orchestrator's own samples of the server. Each point also
 * belongs to a phase (connect, warmup, window, burst, churn, restart, ...);
 * per-phase histograms and delivery counts give the phase summaries.
 */

export interface TimelinePoint {
  /** Seconds since the run began connecting. */
  readonly t: number;
  readonly phase: string;
  readonly open: number;
  readonly deliveredPerS: number;
  /** Tick-to-wire over this second, ms; null when no quote arrived. */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly rssKb: number | null;
  readonly serverCores: number | null;
  readonly clientCores: number;
  readonly eventLoopP99Ms: number | null;
}

export interface PhaseStats {
  readonly seconds: number;
  readonly deliveredPerS: number;
  readonly latencyMs: Percentiles;
}

export interface ServerSample {
  readonly rssKb: number | null;
  readonly serverCores: number | null;
  readonly eventLoopP99Ms: number | null;
}

interface Cumulative {
  delivered: number;
  cpuMs: number;
  open: number;
  /** The client process's own clock (elapsedMs) at this line. */
  atMs: number;
}

export class Timeline {
  readonly points: TimelinePoint[] = [];
  readonly #t0: number;
  readonly #last = new Map<number, Cumulative>();
  /** The line before #last, per process: rates come from the processes' own timestamps. */
  readonly #prev = new Map<number, Cumulative>();
  /** performance.now() when each process's latest line arrived. */
  readonly #seenAt = new Map<number, number>();
  readonly #atTick = new Map<number, Cumulative>();
  #second = new LogLinearHistogram();
  readonly #phaseHist = new Map<string, LogLinearHistogram>();
  readonly #phaseDelivered = new Map<string, { delivered: number; seconds: number }>();
  #lastTick: number;
  phase = 'connect';

  constructor(t0 = performance.now()) {
    this.#t0 = t0;
    this.#lastTick = t0;
  }

  /** Feed every progress line here. */
  onProgress(p: ClientProgress): void {
    const last = this.#last.get(p.pid);
    if (last) this.#prev.set(p.pid, last);
    this.#last.set(p.pid, { delivered: p.messages.quote + p.messages.snapshot, cpuMs: p.cpuUserMs + p.cpuSysMs, open: p.open, atMs: p.elapsedMs });
    this.#seenAt.set(p.pid, performance.now());
    if (p.intervalLatencyUs && p.intervalLatencyUs.count > 0) this.#second.add(p.intervalLatencyUs);
  }

  /** Closes the current second: one point, attributed to the current phase. */
  tick(server: ServerSample, now = performance.now()): TimelinePoint {
    const dt = (now - this.#lastTick) / 1000;
    this.#lastTick = now;
    // Phase totals from counts since the last tick; the point's rates from each
    // process's two latest lines and their own timestamps, so a line arriving a
    // little late does not show as a zero followed by a double.
    let delivered = 0;
    let rate = 0;
    let cpuRate = 0;
    let open = 0;
    for (const [pid, c] of this.#last) {
      const atTick = this.#atTick.get(pid) ?? { delivered: 0, cpuMs: 0, open: 0, atMs: 0 };
      delivered += c.delivered - atTick.delivered;
      open += c.open;
      this.#atTick.set(pid, { ...c });
      const prev = this.#prev.get(pid);
      if (prev && c.atMs > prev.atMs) {
        rate += ((c.delivered - prev.delivered) * 1000) / (c.atMs - prev.atMs);
        cpuRate += (c.cpuMs - prev.cpuMs) / (c.atMs - prev.atMs);
      }
    }
    const h = this.#second;
    this.#second = new LogLinearHistogram();
    let ph = this.#phaseHist.get(this.phase);
    if (!ph) this.#phaseHist.set(this.phase, (ph = new LogLinearHistogram()));
    ph.add(h);
    const pd = this.#phaseDelivered.get(this.phase) ?? { delivered: 0, seconds: 0 };
    pd.delivered += delivered;
    pd.seconds += dt;
    this.#phaseDelivered.set(this.phase, pd);

    const ms = (us: number): number => Math.round(us) / 1000;
    const point: TimelinePoint = {
      t: Math.round(((now - this.#t0) / 1000) * 10) / 10,
      phase: this.phase,
      open,
      deliveredPerS: Math.round(rate),
      p50: h.count ? ms(h.quantile(0.5)) : null,
      p90: h.count ? ms(h.quantile(0.9)) : null,
      p99: h.count ? ms(h.quantile(0.99)) : null,
      max: h.count ? ms(h.max) : null,
      rssKb: server.rssKb,
      serverCores: server.serverCores === null ? null : Math.round(server.serverCores * 1000) / 1000,
      clientCores: Math.round(cpuRate * 1000) / 1000,
      eventLoopP99Ms: server.eventLoopP99Ms,
    };
    this.points.push(point);
    return point;
  }

  /** Open connections over all client processes, per their latest progress lines. */
  get open(): number {
    let n = 0;
    for (const c of this.#last.values()) n += c.open;
    return n;
  }

  /**
   * Open connections as reported after time t (performance.now()), or null
   * while some process has not reported since: progress lines come once a
   * second, so right after an event the latest ones may predate it.
   */
  openSince(t: number): number | null {
    for (const at of this.#seenAt.values()) if (at < t) return null;
    return this.open;
  }

  phases(): Record<string, PhaseStats> {
    const out: Record<string, PhaseStats> = {};
    for (const [phase, d] of this.#phaseDelivered) {
      out[phase] = {
        seconds: Math.round(d.seconds * 10) / 10,
        deliveredPerS: d.seconds > 0 ? Math.round(d.delivered / d.seconds) : 0,
        latencyMs: percentilesMs(this.#phaseHist.get(phase) ?? new LogLinearHistogram()),
      };
    }
    return out;
  }
}

/**
 * The largest `nodejs_eventloop_lag_p99_seconds` sample in a Prometheus text
 * page (Bourse may expose one per thread), in ms; null when there is none.
 */
export function parseEventLoopP99Ms(metrics: string): number | null {
  let best: number | null = null;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('nodejs_eventloop_lag_p99_seconds')) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) best = Math.max(best ?? 0, v * 1000);
  }
  return best === null ? null : Math.round(best * 1000) / 1000;
}

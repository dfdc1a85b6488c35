import type { Clock } from '../core/clock.js';
import type { FeedSource, TickSink } from '../core/feed-source.js';
import { TICK_FIELDS } from '../core/tick.js';
import type { Universe } from '../core/universe.js';
import { MarketSimulator, type SimProfile } from './market-simulator.js';

export interface SimulatorFeedSourceOptions {
  readonly universe: Universe;
  /** Ticks per second before profile bursts; 0 = produce nothing. */
  readonly rate: number;
  readonly profile: SimProfile;
  /** 0 = random (see `seed` on the instance for the one drawn). */
  readonly seed: number;
  readonly clock: Clock;
  /** Generation period. Default 5 ms. */
  readonly intervalMs?: number;
  /** Records per sink.accept() call at most. Default 4096. */
  readonly batchRecords?: number;
  /**
   * One scheduled burst: from `atMs` (clock time) for `durationMs`, the rate is
   * multiplied by `multiplier` (the benchmarks' market-open burst, SIM_BURST).
   */
  readonly burst?: { readonly atMs: number; readonly durationMs: number; readonly multiplier: number };
}

/**
 * A longer gap than this between two timer firings (a stalled event loop, a
 * suspended laptop) is not caught up: the ticks of the skipped time are never
 * generated, rather than arriving as one huge burst.
 */
const MAX_CATCH_UP_MS = 1000;

/**
 * The in-process market feed: a MarketSimulator driven by the clock. Every
 * `intervalMs` it generates the ticks due since the previous firing into one
 * reused buffer and hands them to the sink in batches of at most
 * `batchRecords`. All ticks of one firing carry that firing's time as eventTs.
 *
 * Delivery is at-most-once (see FeedSource). An error thrown by accept()
 * propagates out of the clock's timer callback (the thread's uncaught-error
 * handling decides what happens); the rest of that firing's ticks are lost.
 */
export class SimulatorFeedSource implements FeedSource {
  readonly name = 'simulator';
  readonly simulator: MarketSimulator;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #batchRecords: number;
  readonly #buffer: Float64Array;
  #cancel: (() => void) | undefined;
  #sink: TickSink | undefined;
  #lastMs = 0;
  #generated = 0;
  readonly #burst: SimulatorFeedSourceOptions['burst'];
  /** Fractional burst ticks carried between firings. */
  #burstCarry = 0;

  constructor(options: SimulatorFeedSourceOptions) {
    this.simulator = new MarketSimulator({ universe: options.universe, rate: options.rate, profile: options.profile, seed: options.seed });
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs ?? 5;
    this.#batchRecords = Math.max(1, Math.floor(options.batchRecords ?? 4096));
    this.#buffer = new Float64Array(this.#batchRecords * TICK_FIELDS);
    this.#burst = options.burst;
  }

  /** The effective PRNG seed (never 0), for the start-up log. */
  get seed(): number {
    return this.simulator.seed;
  }

  /** Ticks handed to the sink since construction. */
  get generated(): number {
    return this.#generated;
  }

  async start(sink: TickSink): Promise<void> {
    if (this.#sink) throw new Error('SimulatorFeedSource is already started');
    this.#sink = sink;
    this.#lastMs = this.#clock.now();
    if (this.simulator.rate === 0 || this.simulator.universe.size === 0) return;
    this.#cancel = this.#clock.every(this.#intervalMs, () => this.#tick());
  }

  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#sink = undefined;
  }

  /** Extra ticks in (from, to] from the scheduled burst: (multiplier − 1) × rate over the overlap. */
  #burstExtra(from: number, to: number): number {
    const b = this.#burst;
    if (!b || b.multiplier <= 1) return 0;
    const overlap = Math.min(to, b.atMs + b.durationMs) - Math.max(from, b.atMs);
    if (overlap <= 0) return 0;
    const exact = this.#burstCarry + (overlap * this.simulator.rate * (b.multiplier - 1)) / 1000;
    const whole = Math.floor(exact);
    this.#burstCarry = exact - whole;
    return whole;
  }

  #tick(): void {
    const now = this.#clock.now();
    const from = Math.max(this.#lastMs, now - MAX_CATCH_UP_MS);
    this.#lastMs = now;
    let due = this.simulator.due(from, now) + this.#burstExtra(from, now);
    const buffer = this.#buffer;
    while (due > 0) {
      const sink = this.#sink;
      if (!sink) return; // stopped from inside accept()
      const count = this.simulator.generate(buffer, Math.min(due, this.#batchRecords), now);
      due -= count;
      this.#generated += count;
      sink.accept(buffer, count);
    }
  }
}

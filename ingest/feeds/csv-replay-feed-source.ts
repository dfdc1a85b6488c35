import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import type { FeedSource, TickSink } from '../../core/feed-source.js';
import { TickKind } from '../../core/tick.js';
import type { Universe } from '../../core/universe.js';
import { expandBar, type BarTick } from './bar-ticks.js';
import type { FeedEnd, FeedEventListener } from './feed-events.js';
import { BAR_MS } from './minute-bar-csv.js';
import { MinuteBarReader, type MinuteBarReadStats, type PacedBar } from './minute-bar-reader.js';
import { TickBatch } from './tick-batch.js';

export interface CsvReplayFeedSourceOptions {
  readonly universe: Universe;
  /** A minute-bar file in the format of minute-bar-csv.ts. */
  readonly file: string;
  /** The symbol the bars are for. Default 'SPY'; must be in the universe. */
  readonly symbol?: string;
  /** Data time per wall time: 1 = real time (default), 60 = one minute of bars per second, Infinity = as fast as the file reads. */
  readonly speed?: number;
  /**
   * 'data' (default): eventTs are the file's times (read as UTC), moved forward
   * by the file's span in whole days on each loop so they keep increasing.
   * 'now': eventTs is the clock time the tick is due, so live bars and day
   * stats treat the replay as happening now.
   */
  readonly eventTime?: 'data' | 'now';
  /** Start over at the end of the file. Default false. */
  readonly loop?: boolean;
  /** Pacing only: a gap between bars longer than this (nights, weekends) is cut to it. Default Infinity (gaps kept). At least 60 s. */
  readonly maxGapMs?: number;
  /** Whether a row's time is its bar's end (NinjaTrader, default) or start. */
  readonly barStamp?: 'end' | 'start';
  /** Width of the synthetic quotes in price units. Default 0.01. */
  readonly spread?: number;
  readonly clock?: Clock;
  /** Pacing timer period. Default 10 ms. */
  readonly intervalMs?: number;
  /** Records per sink.accept() call at most. Default 1024. */
  readonly batchRecords?: number;
  readonly onEvent?: FeedEventListener;
}

export interface CsvReplayStats extends MinuteBarReadStats {
  state: 'idle' | 'replaying' | 'ended' | 'failed' | 'stopped';
  /** Ticks handed to the sink. */
  trades: number;
  quotes: number;
  lastError: string;
}

/**
 * Replays a file of real minute bars as ticks of one symbol. Each bar becomes
 * up to four trades and their quotes (bar-ticks.ts) that reproduce its open,
 * high, low, close and volume, paced on the clock at `speed`.
 *
 * The file is streamed a bounded number of bars ahead (minute-bar-reader.ts).
 * Invalid rows (minute-bar-csv.ts: wrong field count, bad time, bad number,
 * high below low, time not after the previous row's) are skipped and counted
 * with their line numbers; a replay never fails on data, only on I/O.
 *
 * - start() opens the file and reads ahead, then resolves; it rejects with
 *   config_invalid when the file cannot be read or holds no valid row.
 * - A clock timer hands the ticks that are due to the sink every intervalMs,
 *   in file order, in batches of at most batchRecords. A late timer (busy
 *   loop) delivers everything due at once; nothing is skipped.
 * - Without `loop` the run ends after the last tick: an 'ended' event, and
 *   done() resolves. An I/O error mid-file ends it as failed once what was
 *   read has been replayed.
 * - stop() resolves after the reader has closed the file; no accept() after.
 * Delivery is at-most-once. An error thrown by accept() propagates out of the
 * clock's timer callback.
 */
export class CsvReplayFeedSource implements FeedSource {
  readonly name = 'replay';
  readonly #file: string;
  readonly #symbol: number;
  readonly #speed: number;
  readonly #eventTime: 'data' | 'now';
  readonly #loop: boolean;
  readonly #maxGapMs: number;
  readonly #barStamp: 'end' | 'start';
  readonly #spread: number;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #onEvent: FeedEventListener;
  readonly #batch: TickBatch;
  #stats: CsvReplayStats = emptyStats();
  #sink: TickSink | undefined;
  #reader: MinuteBarReader | undefined;
  #cancelTimer: (() => void) | undefined;
  #wallStart = 0;
  /** The bar being played, its ticks, and the index of the next one due. */
  #current: PacedBar | undefined;
  #ticks: BarTick[] = [];
  #next = 0;
  #lastClose = NaN;
  #done: Promise<FeedEnd> = Promise.resolve({ reason: 'stopped' });
  #endRun: (end: FeedEnd) => void = () => {};

  constructor(options: CsvReplayFeedSourceOptions) {
    const bad = (what: string) => new BourseError('config_invalid', `replay: ${what}`);
    const symbol = (options.symbol ?? 'SPY').trim().toUpperCase();
    this.#symbol = options.universe.id(symbol);
    if (this.#symbol < 0) throw bad(`symbol ${symbol} is not in the universe`);
    if (!options.file) throw bad('no file given');
    this.#file = options.file;
    this.#speed = options.speed ?? 1;
    if (!(this.#speed > 0)) throw bad(`speed must be > 0, got ${options.speed}`);
    this.#maxGapMs = options.maxGapMs ?? Infinity;
    if (!(this.#maxGapMs >= BAR_MS)) throw bad(`maxGapMs must be at least ${BAR_MS}, got ${options.maxGapMs}`);
    this.#spread = options.spread ?? 0.01;
    if (!(this.#spread >= 0 && this.#spread < Infinity)) throw bad(`spread must be ≥ 0, got ${options.spread}`);
    this.#intervalMs = options.intervalMs ?? 10;
    if (!(this.#intervalMs >= 1 && this.#intervalMs < Infinity)) throw bad(`intervalMs must be ≥ 1, got ${options.intervalMs}`);
    this.#eventTime = options.eventTime ?? 'data';
    this.#loop = options.loop ?? false;
    this.#barStamp = options.barStamp ?? 'end';
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#batch = new TickBatch(options.batchRecords ?? 1024, (records, count) => this.#sink?.accept(records, count));
  }

  get stats(): Readonly<CsvReplayStats> {
    return this.#stats;
  }

  /** How the current run ended: 'ended' at the end of the file, 'stopped', or 'failed' on an I/O error. */
  done(): Promise<FeedEnd> {
    return this.#done;
  }

  async start(sink: TickSink): Promise<void> {
    if (this.#sink || this.#stats.state === 'replaying') throw new Error('CsvReplayFeedSource is already started');
    const stats = (this.#stats = emptyStats());
    const reader = new MinuteBarReader({ file: this.#file, loop: this.#loop, maxGapMs: this.#maxGapMs, barStamp: this.#barStamp, stats });
    this.#reader = reader;
    this.#current = undefined;
    this.#ticks = [];
    this.#next = 0;
    this.#lastClose = NaN;
    this.#sink = sink;
    stats.state = 'replaying';
    this.#done = new Promise((resolve) => (this.#endRun = resolve));
    try {
      await reader.open();
      if (this.#reader !== reader) return; // stopped meanwhile
      if (reader.exhausted && stats.bars === 0) throw new BourseError('config_invalid', `replay: ${this.#file} has no valid row (${stats.badRows} skipped${describeProblems(stats)})`);
    } catch (err) {
      this.#sink = undefined;
      this.#reader = undefined;
      await reader.close();
      stats.state = 'failed';
      stats.lastError = (err as Error).message;
      this.#endRun({ reason: 'failed', error: err as BourseError });
      throw err;
    }
    this.#wallStart = this.#clock.now();
    this.#cancelTimer = this.#clock.every(this.#intervalMs, () => this.#pump());
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const reader = this.#reader;
    this.#reader = undefined;
    await reader?.close();
    if (this.#stats.state === 'replaying') this.#stats.state = 'stopped';
    this.#endRun({ reason: 'stopped' });
  }

  /** Timer: hands on every tick due by now, then ends the run if the reader has nothing more. */
  #pump(): void {
    const reader = this.#reader;
    if (!reader) return;
    const now = this.#clock.now();
    const symbol = this.#symbol;
    const s = this.#stats;
    while (this.#sink) {
      if (this.#next >= this.#ticks.length) {
        const pb = reader.next();
        if (!pb) break;
        this.#current = pb;
        this.#ticks = expandBar(pb.bar, this.#lastClose, this.#spread);
        this.#next = 0;
        this.#lastClose = pb.bar.close;
      }
      const pb = this.#current!;
      const t = this.#ticks[this.#next];
      const due = this.#wallStart + (pb.pace + t.offsetMs - reader.paceStart) / this.#speed;
      if (due > now) break;
      this.#next++;
      const eventTs = this.#eventTime === 'now' ? due : pb.bar.startMs + pb.shift + t.offsetMs;
      if (t.kind === TickKind.trade) {
        s.trades++;
        this.#batch.trade(symbol, t.price, t.size, eventTs);
      } else {
        s.quotes++;
        this.#batch.quote(symbol, t.bid, t.ask, t.bidSize, t.askSize, eventTs);
      }
    }
    this.#batch.flush();
    if (reader.exhausted && this.#next >= this.#ticks.length && s.state === 'replaying') this.#finish(reader.failure);
  }

  #finish(failure: BourseError | undefined): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const s = this.#stats;
    if (failure) {
      s.state = 'failed';
      s.lastError = failure.message;
      this.#onEvent({ type: 'failed', feed: this.name, error: failure });
      this.#endRun({ reason: 'failed', error: failure });
    } else {
      s.state = 'ended';
      this.#onEvent({ type: 'ended', feed: this.name });
      this.#endRun({ reason: 'ended' });
    }
  }
}

function emptyStats(): CsvReplayStats {
  return { state: 'idle', lines: 0, bars: 0, badRows: 0, problems: [], passes: 0, trades: 0, quotes: 0, lastError: '' };
}

function describeProblems(s: CsvReplayStats): string {
  return s.problems.length === 0 ? '' : `; first: ${s.problems.map((p) => `line ${p.line} ${p.problem}`).join(', ')}`;
}

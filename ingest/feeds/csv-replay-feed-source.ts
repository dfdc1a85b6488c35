import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import type { FeedSource, TickSink } from '../../core/feed-source.js';
import { TickKind } from '../../core/tick.js';
import type { Universe } from '../../core/universe.js';
import { expandBar, type BarTick } from './bar-ticks.js';
import type { FeedEnd, FeedEventListener } from './feed-events.js';
import { BAR_MS, parseMinuteBarRow, type MinuteBar, type RowProblem } from './minute-bar-csv.js';
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

export interface CsvReplayStats {
  state: 'idle' | 'replaying' | 'ended' | 'failed' | 'stopped';
  /** Lines read, over all passes. */
  lines: number;
  /** Valid bars read, over all passes. */
  bars: number;
  /** Rows skipped, counted on the first pass only (a loop meets the same rows again). */
  badRows: number;
  /** The first MAX_PROBLEMS skipped rows, with 1-based line numbers. */
  problems: { line: number; problem: RowProblem; text: string }[];
  /** Ticks handed to the sink. */
  trades: number;
  quotes: number;
  /** Completed passes over the file. */
  passes: number;
  lastError: string;
}

interface QueuedBar {
  readonly bar: MinuteBar;
  /** Pacing time of the bar's start: its data time with long gaps cut and loops laid end to end. */
  readonly pace: number;
  /** Added to data times for eventTs ('data' mode): 0 on the first pass, then whole days per loop. */
  readonly shift: number;
}

/** Bars read ahead of the pacing: reading pauses above HIGH and resumes below LOW. */
const HIGH_WATER = 2048;
const LOW_WATER = 512;
const MAX_PROBLEMS = 10;
const DAY_MS = 86_400_000;

/**
 * Replays a file of real minute bars as ticks of one symbol. Each bar becomes
 * up to four trades and their quotes (bar-ticks.ts) that reproduce its open,
 * high, low, close and volume, paced on the clock at `speed`.
 *
 * The file is streamed (readline), at most HIGH_WATER bars ahead. Invalid
 * rows (minute-bar-csv.ts: wrong field count, bad time, bad number, high
 * below low, time not after the previous row's) are skipped and counted with
 * their line numbers; a replay never fails on data, only on I/O.
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
  /** Bumped by start() and stop(): a reader of an older run stops at its next line. */
  #run = 0;
  #queue: QueuedBar[] = [];
  #head = 0;
  #eof = false;
  #failure: BourseError | undefined;
  #lines: Interface | undefined;
  #reader: Promise<void> = Promise.resolve();
  #space: (() => void) | undefined;
  #filled: { resolve: () => void; reject: (err: BourseError) => void } | undefined;
  #cancelTimer: (() => void) | undefined;
  // Pacing, written by the reader.
  #paceStart = NaN;
  #lastPace = NaN;
  #loopShiftMs = 0;
  // Emission.
  #wallStart = 0;
  #current: QueuedBar | undefined;
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
    const run = ++this.#run;
    this.#reset();
    this.#sink = sink;
    this.#stats.state = 'replaying';
    this.#done = new Promise((resolve) => (this.#endRun = resolve));
    const filled = new Promise<void>((resolve, reject) => (this.#filled = { resolve, reject }));
    this.#reader = this.#read(run).catch((err: Error) => this.#readFailed(run, err));
    try {
      await filled;
      if (run !== this.#run) return; // stopped meanwhile
      if (this.#eof && this.#stats.bars === 0) throw new BourseError('config_invalid', `replay: ${this.#file} has no valid row (${this.#stats.badRows} skipped${describeProblems(this.#stats)})`);
    } catch (err) {
      this.#sink = undefined;
      this.#stats.state = 'failed';
      this.#stats.lastError = (err as Error).message;
      this.#endRun({ reason: 'failed', error: err as BourseError });
      throw err;
    }
    this.#wallStart = this.#clock.now();
    this.#cancelTimer = this.#clock.every(this.#intervalMs, () => this.#pump());
  }

  async stop(): Promise<void> {
    this.#run++;
    this.#sink = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#wake();
    this.#filled?.resolve();
    this.#filled = undefined;
    this.#lines?.close(); // ends the reader's for-await if it is waiting for a line
    await this.#reader;
    if (this.#stats.state === 'replaying') this.#stats.state = 'stopped';
    this.#endRun({ reason: 'stopped' });
  }

  #reset(): void {
    this.#stats = emptyStats();
    this.#queue = [];
    this.#head = 0;
    this.#eof = false;
    this.#failure = undefined;
    this.#paceStart = this.#lastPace = this.#lastClose = NaN;
    this.#loopShiftMs = 0;
    this.#current = undefined;
    this.#ticks = [];
    this.#next = 0;
  }

  // ---- Reading (async, ahead of the pacing) ----

  async #read(run: number): Promise<void> {
    for (let pass = 0; ; pass++) {
      const before = this.#stats.bars;
      await this.#readPass(run, pass);
      if (run !== this.#run) return;
      this.#stats.passes++;
      if (!this.#loop || this.#stats.bars === before) break;
    }
    this.#eof = true;
    this.#settleFilled();
  }

  async #readPass(run: number, pass: number): Promise<void> {
    const fh = await open(this.#file);
    const input = fh.createReadStream({ encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    this.#lines = lines;
    const s = this.#stats;
    let line = 0;
    let prevStart = -Infinity;
    let firstStart = NaN;
    try {
      for await (const text of lines) {
        if (run !== this.#run) return;
        line++;
        s.lines++;
        if (text.trim() === '') continue;
        const row = parseMinuteBarRow(text, this.#barStamp);
        if (!row.ok || row.bar.startMs <= prevStart) {
          if (pass === 0) this.#problem(line, row.ok ? 'out_of_order' : row.problem, text);
          continue;
        }
        const bar = row.bar;
        let pace: number;
        if (Number.isNaN(this.#lastPace)) pace = this.#paceStart = bar.startMs;
        else if (prevStart === -Infinity) pace = this.#lastPace + BAR_MS; // a loop starts one minute after the last bar
        else pace = this.#lastPace + Math.min(bar.startMs - prevStart, this.#maxGapMs);
        if (Number.isNaN(firstStart)) firstStart = bar.startMs;
        prevStart = bar.startMs;
        this.#lastPace = pace;
        this.#queue.push({ bar, pace, shift: pass * this.#loopShiftMs });
        s.bars++;
        if (this.#queue.length - this.#head >= HIGH_WATER) {
          this.#settleFilled();
          await new Promise<void>((resolve) => (this.#space = resolve));
          if (run !== this.#run) return;
        }
      }
      if (pass === 0 && prevStart > -Infinity) this.#loopShiftMs = Math.ceil((prevStart - firstStart + BAR_MS) / DAY_MS) * DAY_MS;
    } finally {
      lines.close();
      input.destroy();
      await fh.close().catch(() => {});
    }
  }

  #problem(line: number, problem: RowProblem, text: string): void {
    const s = this.#stats;
    s.badRows++;
    if (s.problems.length < MAX_PROBLEMS) s.problems.push({ line, problem, text: text.length > 120 ? `${text.slice(0, 117)}...` : text });
  }

  #readFailed(run: number, err: Error): void {
    if (run !== this.#run) return;
    const filled = this.#filled;
    if (filled) {
      this.#filled = undefined;
      filled.reject(new BourseError('config_invalid', `replay: cannot read ${this.#file}: ${err.message}`, { cause: err }));
      return;
    }
    this.#failure = new BourseError('internal', `replay: reading ${this.#file} failed: ${err.message}`, { cause: err });
    this.#eof = true;
  }

  #settleFilled(): void {
    this.#filled?.resolve();
    this.#filled = undefined;
  }

  #wake(): void {
    const space = this.#space;
    this.#space = undefined;
    space?.();
  }

  // ---- Emission (clock timer) ----

  #pump(): void {
    const now = this.#clock.now();
    const symbol = this.#symbol;
    const s = this.#stats;
    while (this.#sink) {
      if (this.#next >= this.#ticks.length) {
        if (this.#head >= this.#queue.length) break;
        const qb = this.#queue[this.#head++];
        this.#current = qb;
        this.#ticks = expandBar(qb.bar, this.#lastClose, this.#spread);
        this.#next = 0;
        this.#lastClose = qb.bar.close;
      }
      const qb = this.#current!;
      const t = this.#ticks[this.#next];
      const due = this.#wallStart + (qb.pace + t.offsetMs - this.#paceStart) / this.#speed;
      if (due > now) break;
      this.#next++;
      const eventTs = this.#eventTime === 'now' ? due : qb.bar.startMs + qb.shift + t.offsetMs;
      if (t.kind === TickKind.trade) {
        s.trades++;
        this.#batch.trade(symbol, t.price, t.size, eventTs);
      } else {
        s.quotes++;
        this.#batch.quote(symbol, t.bid, t.ask, t.bidSize, t.askSize, eventTs);
      }
    }
    this.#batch.flush();
    if (this.#head >= 4096 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#queue.length - this.#head <= LOW_WATER) this.#wake();
    if (this.#eof && this.#head >= this.#queue.length && this.#next >= this.#ticks.length && this.#stats.state === 'replaying') this.#finish();
  }

  #finish(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const failure = this.#failure;
    if (failure) {
      this.#stats.state = 'failed';
      this.#stats.lastError = failure.message;
      this.#onEvent({ type: 'failed', feed: this.name, error: failure });
      this.#endRun({ reason: 'failed', error: failure });
    } else {
      this.#stats.state = 'ended';
      this.#onEvent({ type: 'ended', feed: this.name });
      this.#endRun({ reason: 'ended' });
    }
  }
}

function emptyStats(): CsvReplayStats {
  return { state: 'idle', lines: 0, bars: 0, badRows: 0, problems: [], trades: 0, quotes: 0, passes: 0, lastError: '' };
}

function describeProblems(s: CsvReplayStats): string {
  return s.problems.length === 0 ? '' : `; first: ${s.problems.map((p) => `line ${p.line} ${p.problem}`).join(', ')}`;
}

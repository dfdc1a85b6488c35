import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import { BourseError } from '../../core/errors.js';
import { BAR_MS, parseMinuteBarRow, type MinuteBar, type RowProblem } from './minute-bar-csv.js';

/** A bar with the times the replay needs. */
export interface PacedBar {
  readonly bar: MinuteBar;
  /** Pacing time of the bar's start: its data time with long gaps cut and loops laid end to end. */
  readonly pace: number;
  /** Added to data times for eventTs: 0 on the first pass, then the file's span in whole days per loop. */
  readonly shift: number;
}

export interface MinuteBarReadStats {
  /** Lines read, over all passes. */
  lines: number;
  /** Valid bars read, over all passes. */
  bars: number;
  /** Rows skipped, counted on the first pass only (a loop meets the same rows again). */
  badRows: number;
  /** The first MAX_PROBLEMS skipped rows, with 1-based line numbers. */
  problems: { line: number; problem: RowProblem; text: string }[];
  /** Completed passes over the file. */
  passes: number;
}

export interface MinuteBarReaderOptions {
  readonly file: string;
  readonly loop: boolean;
  readonly maxGapMs: number;
  readonly barStamp: 'end' | 'start';
  /** Written by the reader. */
  readonly stats: MinuteBarReadStats;
}

/** Bars read ahead: reading pauses at HIGH_WATER queued bars and resumes at LOW_WATER. */
export const HIGH_WATER = 2048;
const LOW_WATER = 512;
const MAX_PROBLEMS = 10;
const DAY_MS = 86_400_000;

/**
 * Streams a minute-bar file (readline, never the whole file in memory) into
 * a bounded queue of paced bars. Invalid rows, and rows not after the
 * previous valid one, are skipped and counted. Single use: open(), next()
 * until exhausted, close().
 */
export class MinuteBarReader {
  readonly #o: MinuteBarReaderOptions;
  #queue: PacedBar[] = [];
  #head = 0;
  #eof = false;
  #closed = false;
  #failure: BourseError | undefined;
  #lines: Interface | undefined;
  #reading: Promise<void> = Promise.resolve();
  #space: (() => void) | undefined;
  #filled: { resolve: () => void; reject: (err: BourseError) => void } | undefined;
  #paceStart = NaN;
  #lastPace = NaN;
  #loopShiftMs = 0;

  constructor(options: MinuteBarReaderOptions) {
    this.#o = options;
  }

  /** Pacing time of the first bar (NaN before any). */
  get paceStart(): number {
    return this.#paceStart;
  }

  /** Everything read has been taken and no more will come: the end of the file (no loop), or a read error (`failure`). */
  get exhausted(): boolean {
    return this.#eof && this.#head >= this.#queue.length;
  }

  /** The I/O error that ended reading after open() had resolved. */
  get failure(): BourseError | undefined {
    return this.#failure;
  }

  /** Reads ahead until HIGH_WATER bars are queued or the file ends; rejects with config_invalid when the file cannot be read. */
  open(): Promise<void> {
    const filled = new Promise<void>((resolve, reject) => (this.#filled = { resolve, reject }));
    this.#reading = this.#read().catch((err: Error) => this.#readFailed(err));
    return filled;
  }

  /** The next bar, or undefined when none is queued yet. */
  next(): PacedBar | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const bar = this.#queue[this.#head++];
    if (this.#head >= HIGH_WATER && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#queue.length - this.#head <= LOW_WATER) this.#wake();
    return bar;
  }

  /** Stops reading and closes the file; resolves once it is closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#settleFilled();
    this.#wake();
    this.#lines?.close(); // ends the for-await if it is waiting for a line
    await this.#reading;
  }

  async #read(): Promise<void> {
    const s = this.#o.stats;
    for (let pass = 0; ; pass++) {
      const before = s.bars;
      await this.#readPass(pass);
      if (this.#closed) return;
      s.passes++;
      if (!this.#o.loop || s.bars === before) break; // a pass without a valid bar would loop forever
    }
    this.#eof = true;
    this.#settleFilled();
  }

  async #readPass(pass: number): Promise<void> {
    const fh = await open(this.#o.file);
    const input = fh.createReadStream({ encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    this.#lines = lines;
    const s = this.#o.stats;
    let line = 0;
    let prevStart = -Infinity;
    let firstStart = NaN;
    try {
      for await (const text of lines) {
        if (this.#closed) return;
        line++;
        s.lines++;
        if (text.trim() === '') continue;
        const row = parseMinuteBarRow(text, this.#o.barStamp);
        if (!row.ok || row.bar.startMs <= prevStart) {
          if (pass === 0) this.#problem(line, row.ok ? 'out_of_order' : row.problem, text);
          continue;
        }
        const bar = row.bar;
        let pace: number;
        if (Number.isNaN(this.#lastPace)) pace = this.#paceStart = bar.startMs;
        else if (prevStart === -Infinity) pace = this.#lastPace + BAR_MS; // a loop starts one minute after the last bar
        else pace = this.#lastPace + Math.min(bar.startMs - prevStart, this.#o.maxGapMs);
        if (Number.isNaN(firstStart)) firstStart = bar.startMs;
        prevStart = bar.startMs;
        this.#lastPace = pace;
        this.#queue.push({ bar, pace, shift: pass * this.#loopShiftMs });
        s.bars++;
        if (this.#queue.length - this.#head >= HIGH_WATER) {
          this.#settleFilled();
          await new Promise<void>((resolve) => (this.#space = resolve));
          if (this.#closed) return;
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
    const s = this.#o.stats;
    s.badRows++;
    if (s.problems.length < MAX_PROBLEMS) s.problems.push({ line, problem, text: text.length > 120 ? `${text.slice(0, 117)}...` : text });
  }

  #readFailed(err: Error): void {
    if (this.#closed) return;
    const filled = this.#filled;
    if (filled) {
      this.#filled = undefined;
      filled.reject(new BourseError('config_invalid', `replay: cannot read ${this.#o.file}: ${err.message}`, { cause: err }));
      return;
    }
    this.#failure = new BourseError('internal', `replay: reading ${this.#o.file} failed: ${err.message}`, { cause: err });
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
}

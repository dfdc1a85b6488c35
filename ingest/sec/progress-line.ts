import { systemClock, type Clock } from '../../core/clock.js';
import type { SyncProgress } from './company-sync.js';

/**
 * The `bourse sec sync` progress line: one line redrawn in place on a TTY
 * (carriage return + clear-to-end), at most every `intervalMs`; on a pipe or
 * file nothing until done(), which writes the final line and a newline. Written
 * here rather than taken from a progress-bar package: it is 60 lines, and the
 * packages that do this bring ANSI, timer and terminal-width dependencies for
 * one line of output.
 */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export class ProgressLine {
  readonly #out: ProgressOutput;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #intervalMs: number;
  readonly #started: number;
  #lastDraw = -Infinity;

  constructor(out: ProgressOutput, opts: { clock?: Pick<Clock, 'now'>; intervalMs?: number } = {}) {
    this.#out = out;
    this.#clock = opts.clock ?? systemClock;
    this.#intervalMs = opts.intervalMs ?? 100;
    this.#started = this.#clock.now();
  }

  update(p: SyncProgress): void {
    if (!this.#out.isTTY) return;
    const now = this.#clock.now();
    if (now - this.#lastDraw < this.#intervalMs) return;
    this.#lastDraw = now;
    this.#out.write(`\r${formatSyncProgress(p, now - this.#started, this.#out.columns ?? 100)}\x1b[K`);
  }

  done(p: SyncProgress): void {
    const line = formatSyncProgress(p, this.#clock.now() - this.#started, this.#out.columns ?? 100);
    this.#out.write(this.#out.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}

/**
 * "SEC sync [########------------]  3,120/7,960  39%  published 3,001 · unchanged 119 · skipped 0 · failed 0  4.2 s",
 * cut to `columns` − 1 characters so a redraw never wraps. The bar has a fixed width (it must not jump as counts grow)
 * and is left out below 100 columns.
 */
export function formatSyncProgress(p: SyncProgress, elapsedMs: number, columns = 100): string {
  const done = p.published + p.unchanged + p.duplicates + p.failed;
  const n = (x: number): string => x.toLocaleString('en-US');
  const total = p.expected;
  const counts = `published ${n(p.published)} · unchanged ${n(p.unchanged + p.duplicates)} · skipped ${n(p.skipped)} · failed ${n(p.failed)}`;
  const time = `${(elapsedMs / 1000).toFixed(1)} s`;
  let line: string;
  if (total === undefined || total === 0) line = `SEC sync  ${n(done)} companies  ${counts}  ${time}`;
  else {
    const share = Math.min(1, done / total);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = columns >= 100 ? ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]` : '';
    line = `SEC sync${bar}  ${n(done)}/${n(total)}  ${Math.floor(share * 100)}%  ${counts}  ${time}`;
  }
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
}

const BAR_WIDTH = 20;

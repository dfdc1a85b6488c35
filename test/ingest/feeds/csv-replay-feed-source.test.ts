import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../../core/clock.js';
import { hasCode } from '../../../core/errors.js';
import { TickKind, type Tick } from '../../../core/tick.js';
import { CsvReplayFeedSource, type CsvReplayFeedSourceOptions } from '../../../ingest/feeds/csv-replay-feed-source.js';
import { EventLog, RecordingSink, universe, until } from './feed-test-kit.js';

/** ../shared/data relative to the repository (this file runs from dist/test/ingest/feeds/). */
const SPY_FILE = fileURLToPath(new URL('../../../../../shared/data/intraday/pyalgotrade/nt-spy-minute-2011.csv', import.meta.url));
const SPY = universe.id('SPY');

function replay(extra: Partial<CsvReplayFeedSourceOptions> & { clock: ManualClock }): CsvReplayFeedSource {
  return new CsvReplayFeedSource({ universe, file: SPY_FILE, ...extra });
}

function tempFile(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bars.csv');
  writeFileSync(file, text);
  return file;
}

interface Ohlcv {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The file's rows, parsed here independently of the adapter. */
function fileBars(n: number): Ohlcv[] {
  return readFileSync(SPY_FILE, 'utf8')
    .split('\n')
    .slice(0, n)
    .map((line) => {
      const [stamp, o, h, l, c, v] = line.split(';');
      const [, y, mo, d, hh, mm] = /^(\d{4})(\d{2})(\d{2}) (\d{2})(\d{2})00$/.exec(stamp)!;
      const end = Date.UTC(+y, +mo - 1, +d, +hh, +mm);
      return { start: end - 60_000, open: +o, high: +h, low: +l, close: +c, volume: +v };
    });
}

/** Groups ticks by the minute their eventTs falls in and rebuilds each minute's bar from the trades. */
function rebuiltBars(ticks: readonly Tick[]): (Ohlcv & { ticks: Tick[] })[] {
  const out: (Ohlcv & { ticks: Tick[] })[] = [];
  for (const k of ticks) {
    const start = Math.floor(k.eventTs / 60_000) * 60_000;
    let bar = out[out.length - 1];
    if (!bar || bar.start !== start) out.push((bar = { start, open: NaN, high: -Infinity, low: Infinity, close: NaN, volume: 0, ticks: [] }));
    bar.ticks.push(k);
    if (k.kind !== TickKind.trade) continue;
    if (Number.isNaN(bar.open)) bar.open = k.price;
    bar.high = Math.max(bar.high, k.price);
    bar.low = Math.min(bar.low, k.price);
    bar.close = k.price;
    bar.volume += k.size;
  }
  return out;
}

test('CsvReplayFeedSource: the first 500 bars of nt-spy-minute-2011.csv come back as ticks that reproduce each bar exactly', async () => {
  const clock = new ManualClock();
  const source = replay({ clock, speed: Infinity });
  const sink = new RecordingSink();
  await source.start(sink);
  clock.advance(10);
  await source.stop();

  const expected = fileBars(500);
  const got = rebuiltBars(sink.ticks).slice(0, 500);
  assert.equal(got.length, 500);
  for (let i = 0; i < 500; i++) {
    const { ticks, ...bar } = got[i];
    assert.deepEqual(bar, expected[i], `bar ${i + 1}`);
    const trades = ticks.filter((k) => k.kind === TickKind.trade);
    assert.ok(trades.length >= 1 && trades.length <= 4, `bar ${i + 1}: ${trades.length} trades`);
    assert.equal(ticks.length, 2 * trades.length, 'one quote per trade');
    for (let j = 0; j < ticks.length; j += 2) {
      const [q, tr] = [ticks[j], ticks[j + 1]];
      assert.equal(q.kind, TickKind.quote, 'the quote comes first');
      assert.ok(q.bid <= tr.price && tr.price <= q.ask && q.ask - q.bid <= 0.01 + 1e-9, `bar ${i + 1}: trade at the touch`);
      assert.ok(Number.isInteger(tr.size));
    }
    assert.ok(ticks.every((k) => k.symbol === SPY && k.arrival === 0 && k.sourceSeq === 0));
  }
  // Bar 1, 20110103 090100;126.35;126.39;126.35;126.39;1579: up bar, open = low, high = close → two trades.
  assert.deepEqual(
    got[0].ticks.map((k) => [k.kind, k.price, k.size, k.bid, k.ask, k.eventTs - got[0].start]),
    [
      [TickKind.quote, 0, 0, 126.35, 126.36, 19_999],
      [TickKind.trade, 126.35, 789, 0, 0, 20_000],
      [TickKind.quote, 0, 0, 126.38, 126.39, 39_999],
      [TickKind.trade, 126.39, 790, 0, 0, 40_000],
    ],
  );
  assert.equal(source.stats.badRows, 0);
});

test('CsvReplayFeedSource: speed 60 plays a minute of bars per second on the clock; eventTs keep the data times (UTC)', async () => {
  const clock = new ManualClock();
  const source = replay({ clock, speed: 60 });
  const sink = new RecordingSink();
  await source.start(sink);
  const dataTimes = () => sink.ticks.map((k) => k.eventTs);

  // Bar 1 covers 09:00–09:01 (stamped 090100): its trades fall at :20 and :40 → 333 ms and 667 ms at ×60.
  clock.advance(330);
  assert.equal(sink.ticks.length, 0);
  clock.advance(10); // the timer fires every 10 ms
  assert.equal(sink.ticks.length, 2, 'the first quote and trade');
  clock.advance(660);
  assert.deepEqual(dataTimes(), [19_999, 20_000, 39_999, 40_000].map((o) => Date.UTC(2011, 0, 3, 9, 0) + o));
  // Bar 2 (09:01–09:02, flat) trades once, at :30 → 1.5 s.
  clock.advance(499);
  assert.equal(sink.ticks.length, 4);
  clock.advance(1);
  assert.equal(sink.ticks.length, 6);
  // Bar 3 is stamped 090600: four minutes later, so nothing until 5.5 s.
  clock.advance(3_999);
  assert.equal(sink.ticks.length, 6);
  clock.advance(1);
  assert.equal(sink.ticks.length, 8);
  assert.equal(sink.ticks[7].eventTs, Date.UTC(2011, 0, 3, 9, 5, 30));
  await source.stop();
  clock.advance(60_000);
  assert.equal(sink.ticks.length, 8, 'nothing after stop()');
  assert.deepEqual(await source.done(), { reason: 'stopped' });
});

test('CsvReplayFeedSource: speed 1 is real time; maxGapMs shortens the pause before bar 3; eventTime "now" stamps ticks when due', async () => {
  const clock = new ManualClock();
  const start = clock.now();
  const source = replay({ clock, speed: 1, maxGapMs: 60_000, eventTime: 'now' });
  const sink = new RecordingSink();
  await source.start(sink);
  clock.advance(59_999);
  assert.equal(sink.ticks.length, 4, 'bar 1 in its first minute');
  assert.deepEqual(
    sink.ticks.map((k) => k.eventTs - start),
    [19_999, 20_000, 39_999, 40_000],
  );
  clock.advance(60_000); // bar 2 at 1:30
  assert.equal(sink.ticks.length, 6);
  clock.advance(60_000); // bar 3, four minutes later in the data, one minute later with maxGapMs 60 s: at 2:30
  assert.equal(sink.ticks.length, 8);
  assert.equal(sink.ticks[7].eventTs - start, 150_000);
  await source.stop();
});

test('CsvReplayFeedSource: bad rows are skipped and counted with their line numbers; the good rows still replay', async (t) => {
  const file = tempFile(
    t,
    [
      '20110103 090100;126.35;126.39;126.35;126.39;1579', // 1 ok
      'garbage', // 2
      '20110103 090200;126.45;126.45;126.45;126.45', // 3 five fields
      '20111303 090300;1;1;1;1;1', // 4 month 13
      '20110103 090400;abc;1;1;1;1', // 5
      '20110103 090500;1e3;1e3;1e3;1e3;1', // 6 exponent
      '20110103 090600;-1;1;1;1;1', // 7 negative
      '', // 8 blank: not a row
      '20110103 090700;126.5;126.4;126.6;126.5;100', // 9 high below low
      '20110103 090800;126.5;126.6;126.4;126.7;100', // 10 close above high
      '20110103 090100;126.5;126.5;126.5;126.5;100', // 11 not after the previous row
      '20110103 090900;126.5;126.6;126.4;126.45;300\r', // 12 ok (CRLF)
      '20110103 091000;0;0;0;0;0', // 13 zero price
      '20110103 091100;NaN;1;1;1;1', // 14 (counted, not kept: only the first 10 are)
      '20110103 091200;126.4;126.4;126.4;126.4;7', // 15 ok
    ].join('\n'),
  );
  const clock = new ManualClock();
  const source = new CsvReplayFeedSource({ universe, file, clock, speed: Infinity });
  const sink = new RecordingSink();
  await source.start(sink);
  clock.advance(10);
  assert.deepEqual(
    rebuiltBars(sink.ticks).map((b) => [b.open, b.high, b.low, b.close, b.volume]),
    [
      [126.35, 126.39, 126.35, 126.39, 1579],
      [126.5, 126.6, 126.4, 126.45, 300],
      [126.4, 126.4, 126.4, 126.4, 7],
    ],
  );
  const s = source.stats;
  assert.equal(s.badRows, 11);
  assert.deepEqual(
    s.problems.map((p) => [p.line, p.problem]),
    [
      [2, 'field_count'],
      [3, 'field_count'],
      [4, 'bad_time'],
      [5, 'bad_number'],
      [6, 'bad_number'],
      [7, 'bad_number'],
      [9, 'inconsistent_ohlc'],
      [10, 'inconsistent_ohlc'],
      [11, 'out_of_order'],
      [13, 'bad_number'],
    ],
  );
  assert.equal(s.problems[0].text, 'garbage');
  assert.deepEqual([s.lines, s.bars, s.state], [15, 3, 'ended']);
  assert.deepEqual(await source.done(), { reason: 'ended' });
  await source.stop();
});

test('CsvReplayFeedSource: loop replays the file again with times moved forward by whole days, until stopped', async (t) => {
  const file = tempFile(t, '20110103 090100;10;10;10;10;100\n20110103 090200;11;11;11;11;200\n');
  const clock = new ManualClock();
  const events = new EventLog();
  const source = new CsvReplayFeedSource({ universe, file, clock, speed: Infinity, loop: true, onEvent: events.listener });
  const sink = new RecordingSink();
  await source.start(sink);
  await until(() => {
    clock.advance(10);
    return sink.ticks.length >= 2 * 2 * 3;
  }, 'three passes');
  await source.stop();
  const trades = sink.ticks.filter((k) => k.kind === TickKind.trade).slice(0, 6);
  const day = 86_400_000;
  const t0 = Date.UTC(2011, 0, 3, 9, 0, 30);
  assert.deepEqual(
    trades.map((k) => [k.price, k.eventTs - t0]),
    [
      [10, 0],
      [11, 60_000],
      [10, day],
      [11, day + 60_000],
      [10, 2 * day],
      [11, 2 * day + 60_000],
    ],
  );
  assert.ok(source.stats.passes >= 2);
  assert.equal(source.stats.state, 'stopped');
  assert.equal(events.count('ended'), 0);
  assert.deepEqual(await source.done(), { reason: 'stopped' });
});

test('CsvReplayFeedSource: start() fails with config_invalid for a missing file or one with no valid row; options are checked', async (t) => {
  const clock = new ManualClock();
  await assert.rejects(
    new CsvReplayFeedSource({ universe, clock, file: '/nonexistent/bars.csv' }).start(new RecordingSink()),
    (err: unknown) => hasCode(err, 'config_invalid') && /replay: cannot read \/nonexistent\/bars.csv: ENOENT/.test((err as Error).message),
  );
  const empty = tempFile(t, 'nothing;here\n\n');
  const source = new CsvReplayFeedSource({ universe, clock, file: empty, loop: true });
  await assert.rejects(source.start(new RecordingSink()), /has no valid row \(1 skipped; first: line 1 field_count\)/);
  assert.equal(source.stats.state, 'failed');

  assert.throws(() => new CsvReplayFeedSource({ universe, clock, file: SPY_FILE, symbol: 'QQQ' }), (err: unknown) => hasCode(err, 'config_invalid') && /replay: symbol QQQ is not in the universe/.test((err as Error).message));
  assert.throws(() => new CsvReplayFeedSource({ universe, clock, file: SPY_FILE, speed: 0 }), /replay: speed must be > 0/);
  assert.throws(() => new CsvReplayFeedSource({ universe, clock, file: SPY_FILE, maxGapMs: 1000 }), /replay: maxGapMs/);
});

test('CsvReplayFeedSource: the whole file streams through a read-ahead bounded at 2048 bars', async () => {
  const clock = new ManualClock();
  const source = replay({ clock, speed: Infinity });
  const sink = new RecordingSink();
  await source.start(sink);
  assert.ok(source.stats.bars <= 2048, `read ahead before the first tick: ${source.stats.bars}`);
  await until(() => {
    clock.advance(10);
    return source.stats.state === 'ended';
  }, 'the end of the file', 10_000);
  assert.equal(source.stats.bars, 14_180);
  assert.equal(source.stats.badRows, 0);
  assert.equal(rebuiltBars(sink.ticks).length, 14_180);
  assert.equal(
    sink.ticks.filter((k) => k.kind === TickKind.trade).reduce((v, k) => v + k.size, 0),
    fileBars(14_180).reduce((v, b) => v + b.volume, 0),
  );
  await source.stop();
});

test('CsvReplayFeedSource: stop() during start(), and stop() while the read-ahead is full, both return with nothing delivered', async () => {
  const clock = new ManualClock();
  const early = replay({ clock, speed: Infinity });
  const sink = new RecordingSink();
  const started = early.start(sink);
  await early.stop();
  await started;
  clock.advance(1000);
  assert.equal(sink.ticks.length, 0);
  assert.equal(early.stats.state, 'stopped');

  const full = replay({ clock, speed: 1 });
  await full.start(sink);
  assert.equal(full.stats.bars, 2048, 'the reader waits with a full read-ahead');
  await full.stop();
  clock.advance(600_000);
  assert.equal(sink.ticks.length, 0);
  assert.deepEqual(await full.done(), { reason: 'stopped' });
});

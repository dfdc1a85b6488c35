import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickKind } from '../../../core/tick.js';
import { expandBar } from '../../../ingest/feeds/bar-ticks.js';
import { parseMinuteBarRow } from '../../../ingest/feeds/minute-bar-csv.js';

const bar = (open: number, high: number, low: number, close: number, volume: number) => ({ startMs: 0, open, high, low, close, volume });
const trades = (ticks: ReturnType<typeof expandBar>) => ticks.filter((k) => k.kind === TickKind.trade).map((k) => [k.price, k.size]);

test('expandBar: an up bar dips first (O, L, H, C), a down bar rallies first (O, H, L, C); volume split in whole shares', () => {
  assert.deepEqual(trades(expandBar(bar(10, 12, 9, 11, 10), NaN, 0.01)), [[10, 2], [9, 3], [12, 2], [11, 3]]);
  assert.deepEqual(trades(expandBar(bar(11, 12, 9, 10, 400), NaN, 0.01)), [[11, 100], [12, 100], [9, 100], [10, 100]]);
});

test('expandBar: repeated prices collapse (a flat bar is one trade); fewer shares than trades leave some at 0; fractional volume splits evenly', () => {
  assert.deepEqual(trades(expandBar(bar(5, 5, 5, 5, 300), NaN, 0.01)), [[5, 300]]);
  assert.deepEqual(trades(expandBar(bar(10, 12, 9, 11, 2), NaN, 0.01)), [[10, 0], [9, 1], [12, 0], [11, 1]]);
  assert.deepEqual(trades(expandBar(bar(5, 6, 5, 6, 1.5), NaN, 0.01)), [[5, 0.75], [6, 0.75]]);
});

test('expandBar: each trade follows its quote by 1 ms at the touch (up-tick at the ask, otherwise the bid), all inside the minute', () => {
  const ticks = expandBar(bar(10, 12, 9, 11, 1000), 10.5, 0.01);
  assert.deepEqual(
    ticks.map((k) => [k.kind, k.offsetMs, k.price, k.bid, k.ask, k.bidSize]),
    [
      [TickKind.quote, 11_999, 0, 10, 10.01, 300],
      [TickKind.trade, 12_000, 10, 0, 0, 0],
      [TickKind.quote, 23_999, 0, 9, 9.01, 300],
      [TickKind.trade, 24_000, 9, 0, 0, 0],
      [TickKind.quote, 35_999, 0, 11.99, 12, 300],
      [TickKind.trade, 36_000, 12, 0, 0, 0],
      [TickKind.quote, 47_999, 0, 11, 11.01, 300],
      [TickKind.trade, 48_000, 11, 0, 0, 0],
    ],
  );
});

test('parseMinuteBarRow: reads the NinjaTrader row (time = bar end, UTC) and names what is wrong with a bad one', () => {
  assert.deepEqual(parseMinuteBarRow('20110103 090100;126.35;126.39;126.35;126.39;1579'), {
    ok: true,
    bar: { startMs: Date.UTC(2011, 0, 3, 9, 0), open: 126.35, high: 126.39, low: 126.35, close: 126.39, volume: 1579 },
  });
  const start = parseMinuteBarRow('20110103 090100;1;1;1;1;0', 'start');
  assert.ok(start.ok && start.bar.startMs === Date.UTC(2011, 0, 3, 9, 1));
  const problems: [string, string][] = [
    ['20110103 090100;1;1;1;1', 'field_count'],
    ['20110230 090100;1;1;1;1;1', 'bad_time'],
    ['20110103 250100;1;1;1;1;1', 'bad_time'],
    ['2011-01-03 09:01;1;1;1;1;1', 'bad_time'],
    ['20110103 090100;0x10;1;1;1;1', 'bad_number'],
    ['20110103 090100;;1;1;1;1', 'bad_number'],
    ['20110103 090100;Infinity;1;1;1;1', 'bad_number'],
    ['20110103 090100;1;1;1;1;-1', 'bad_number'],
    ['20110103 090100;2;1;1;1;1', 'inconsistent_ohlc'],
    ['20110103 090100;1;2;1.5;1;1', 'inconsistent_ohlc'],
  ];
  for (const [row, problem] of problems) assert.deepEqual(parseMinuteBarRow(row), { ok: false, problem }, row);
});

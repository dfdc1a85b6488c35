import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.js';
import type { SyncProgress } from '../../../ingest/sec/company-sync.js';
import { ProgressLine, formatSyncProgress } from '../../../ingest/sec/progress-line.js';

const p = (over: Partial<SyncProgress> = {}): SyncProgress => ({ read: 0, published: 0, unchanged: 0, duplicates: 0, skipped: 0, warnings: 0, failed: 0, conflicts: 0, expected: 7960, ...over });

test('formatSyncProgress: bar, counts and share; no bar before the total is known or when the line is narrow', () => {
  assert.equal(
    formatSyncProgress(p({ published: 3001, unchanged: 119 }), 4200, 140),
    'SEC sync [########------------]  3,120/7,960  39%  published 3,001 · unchanged 119 · skipped 0 · failed 0  4.2 s',
  );
  assert.equal(formatSyncProgress(p({ expected: undefined, published: 5 }), 0), 'SEC sync  5 companies  published 5 · unchanged 0 · skipped 0 · failed 0  0.0 s');
  const narrow = formatSyncProgress(p({ published: 10 }), 0, 60);
  assert.doesNotMatch(narrow, /\[/);
  assert.equal(narrow.length, 59);
});

test('ProgressLine: redraws in place on a TTY at most every interval; a pipe gets only the final line', () => {
  const clock = new ManualClock(0);
  const tty: string[] = [];
  const line = new ProgressLine({ isTTY: true, columns: 140, write: (s) => tty.push(s) }, { clock, intervalMs: 100 });
  line.update(p({ published: 1 }));
  line.update(p({ published: 2 }));
  clock.advance(100);
  line.update(p({ published: 3 }));
  line.done(p({ published: 7960 }));
  assert.equal(tty.length, 3);
  assert.ok(tty.every((s) => s.startsWith('\r') && s.includes('\x1b[K')));
  assert.ok(tty[2].endsWith('\n') && tty[2].includes('7,960/7,960  100%'));

  const pipe: string[] = [];
  const quiet = new ProgressLine({ write: (s) => pipe.push(s) }, { clock });
  quiet.update(p({ published: 1 }));
  quiet.done(p({ published: 2 }));
  assert.equal(pipe.length, 1);
  assert.match(pipe[0], /^SEC sync \[.*\n$/);
});

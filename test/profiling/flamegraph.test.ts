import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flameTree, hottest, renderFlamegraph, type CpuProfile } from '../../core/index.js';

const frame = (functionName: string, url = 'file:///srv/bourse/dist/actors/shard.js', lineNumber = 9) => ({ functionName, url, lineNumber, columnNumber: 0 });

/** root → main → {apply → parse, flush}; a second `apply` node under main (another column) merges with the first. */
const PROFILE: CpuProfile = {
  startTime: 0,
  endTime: 10_000,
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6] },
    { id: 2, callFrame: frame('main'), children: [3, 5, 7] },
    { id: 3, callFrame: frame('apply', 'file:///srv/bourse/dist/actors/ticker-actor.js', 40), children: [4] },
    { id: 4, callFrame: frame('parse', 'node:internal/x', 1) },
    { id: 5, callFrame: frame('flush') },
    { id: 6, callFrame: frame('(idle)', '') },
    { id: 7, callFrame: { ...frame('apply', 'file:///srv/bourse/dist/actors/ticker-actor.js', 40), columnNumber: 7 } },
  ],
  // Ten samples of 1000 µs each (delta i+1 is the length of sample i).
  samples: [3, 3, 4, 5, 6, 6, 6, 7, 2, 3],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

test('flameTree: merges same-function frames of one call path and sums self and total time from the samples', () => {
  const root = flameTree(PROFILE);
  assert.equal(root.total, 10_000);
  const main = root.children.find((c) => c.name === 'main')!;
  const idle = root.children.find((c) => c.name === '(idle)')!;
  assert.equal(idle.self, 3000);
  assert.equal(main.self, 1000);
  const apply = main.children.filter((c) => c.name === 'apply');
  assert.equal(apply.length, 1, 'the two apply nodes (same line, other column) are one frame');
  assert.equal(apply[0].location, 'actors/ticker-actor.js:41');
  assert.equal(apply[0].self, 4000); // 3 + 3 + 3 (last sample gets the mean, 1000) + 7
  assert.equal(apply[0].total, 5000); // + parse
  assert.equal(main.total, 7000);
  assert.deepEqual(hottest(root, 1).map((h) => h.name), ['apply']);
});

test('renderFlamegraph: one self-contained page, a frame per merged function with its times, names escaped', () => {
  const evil: CpuProfile = { ...PROFILE, nodes: PROFILE.nodes.map((n) => (n.id === 5 ? { ...n, callFrame: frame('<img src=x onerror=alert(1)>') } : n)) };
  const html = renderFlamegraph(evil, { thread: 'shard-0', takenAt: Date.UTC(2026, 0, 5) });
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/<(script|link|img)[^>]+(src|href)=/i.test(html), 'no external assets');
  assert.ok(!html.includes('<img'), 'function names are escaped');
  assert.match(html, /<svg id="fg"/);
  const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
  // (idle) is left out by default: shares are of the busy time (7 ms of 10).
  assert.ok(titles.some((t) => t.startsWith('apply (actors/ticker-actor.js:41) — total 5.0 ms (71.4%), self 4.0 ms (57.1%)')), titles.join('\n'));
  assert.ok(!titles.some((t) => t.startsWith('(idle)')));
  assert.match(html, /Busy 70\.0%/);
  assert.equal(titles.filter((t) => t.startsWith('apply ')).length, 1);
  assert.match(html, /id="q" type="search"/);
  assert.match(html, /Flamegraph — shard-0/);
});

test('renderFlamegraph with idle: the idle frame is drawn and shares are of the whole profile', () => {
  const html = renderFlamegraph(PROFILE, { thread: 'shard-0', idle: true });
  const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
  assert.ok(titles.some((t) => t.startsWith('(idle) — total 3.0 ms (30.0%)')), titles.join('\n'));
  assert.ok(titles.some((t) => t.startsWith('apply (actors/ticker-actor.js:41) — total 5.0 ms (50.0%), self 4.0 ms (40.0%)')));
});

test('renderFlamegraph: an empty profile still renders a page', () => {
  const html = renderFlamegraph({ startTime: 0, endTime: 0, nodes: [{ id: 1, callFrame: frame('(root)', '') }] }, { thread: 'main' });
  assert.match(html, /<svg/);
});

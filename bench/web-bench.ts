/**
 * Web client under load (`npm run bench:web`): a real Bourse fed UPDATES
 * trades a second spread over SYMBOLS symbols (injected, so the server's share
 * of the 2 cores stays small and the rate is exact), headless Chromium showing
 * a watchlist of those SYMBOLS rows, measured
 * inside the page for WINDOW_S seconds: quotes received per second, render
 * batches (one per animation frame at most), frame intervals, long tasks and
 * layout shifts. Prints a table row and writes bench/results/<ts>-web.json.
 *
 * Env: SYMBOLS (default 100), UPDATES (default 500 a second), WINDOW_S
 * (default 15), CHROMIUM_PATH.
 */
import { loadavg } from 'node:os';
import { injectTrades, startTestServer } from '../test/helpers/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { gitCommit, RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';

// Page-side globals for the evaluate() callbacks (this file compiles for Node).
declare const localStorage: { setItem(k: string, v: string): void };
declare function requestAnimationFrame(fn: (t: number) => void): number;
declare const PerformanceObserver: new (fn: (list: { getEntries(): { duration: number; value?: number; hadRecentInput?: boolean }[] }) => void) => { observe(o: { type: string; buffered?: boolean }): void };
declare const document: { querySelectorAll(s: string): { length: number } };

const SYMBOLS = Number(process.env.SYMBOLS ?? 100);
const UPDATES = Number(process.env.UPDATES ?? 500);
const WINDOW_S = Number(process.env.WINDOW_S ?? 15);

interface PageStats {
  quotes: number;
  batches: number;
  symbolsPerBatchAvg: number;
  frames: number[];
  longTasks: number[];
  layoutShift: number;
  rows: number;
}

const server = await startTestServer({ FEED: 'none', UNIVERSE_SIZE: '200' });
const browser = await launchChromium();
let feeder: NodeJS.Timeout | undefined;
try {
  const symbols = server.universe.companies.slice(0, SYMBOLS).map((c) => c.symbol);
  // Every 50 ms (one flush), UPDATES/20 symbols trade, round-robin, each a random step.
  const prices = new Map(symbols.map((s) => [s, 100]));
  const perTick = Math.max(1, Math.round(UPDATES / 20));
  let next = 0;
  feeder = setInterval(() => {
    const batch: string[] = [];
    for (let i = 0; i < perTick; i++) batch.push(symbols[next++ % symbols.length]!);
    for (const s of batch) {
      const p = Math.max(1, prices.get(s)! + (Math.random() - 0.5) * 0.2);
      prices.set(s, Math.round(p * 100) / 100);
      injectTrades(server, [s], prices.get(s)!);
    }
  }, 50);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((list: string[]) => localStorage.setItem('bourse.local-dashboards', JSON.stringify([{ id: 'bench', name: 'Bench', symbols: list }])), symbols);
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.waitForSelector('.conn[data-state=live]');
  await page.waitForTimeout(2000); // warm-up: snapshots, first renders
  // Main-thread time the page spent, from Chromium's own counters (robust to a busy machine, unlike fps).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const stats = (await page.evaluate(async (windowMs: number) => {
    const bourse = (globalThis as unknown as { bourse: { stream: { on(t: string, f: () => void): () => void }; book: { onFlush(f: (c: Set<string>) => void): () => void } } }).bourse;
    let quotes = 0;
    let batches = 0;
    let symbolsInBatches = 0;
    const offQ = bourse.stream.on('quote', () => quotes++);
    const offF = bourse.book.onFlush((c) => {
      batches++;
      symbolsInBatches += c.size;
    });
    const longTasks: number[] = [];
    let layoutShift = 0;
    new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration))).observe({ type: 'longtask' });
    new PerformanceObserver((l) => l.getEntries().forEach((e) => (layoutShift += e.hadRecentInput ? 0 : (e.value ?? 0)))).observe({ type: 'layout-shift' });
    const frames: number[] = [];
    await new Promise<void>((resolve) => {
      let last = 0;
      const start = performance.now();
      const tick = (t: number) => {
        if (last) frames.push(t - last);
        last = t;
        if (t - start < windowMs) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    offQ();
    offF();
    return { quotes, batches, symbolsPerBatchAvg: batches ? symbolsInBatches / batches : 0, frames, longTasks, layoutShift, rows: document.querySelectorAll('tr[data-symbol]').length };
  }, WINDOW_S * 1000)) as PageStats;

  const after = await metrics();
  const perS = (name: string) => Math.round(((after[name]! - before[name]!) * 1000) / WINDOW_S);
  const sorted = [...stats.frames].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const result = {
    date: new Date().toISOString(),
    commit: await gitCommit(),
    rows: stats.rows,
    updatesPerS: UPDATES,
    windowS: WINDOW_S,
    quotesPerS: Math.round(stats.quotes / WINDOW_S),
    batchesPerS: Math.round(stats.batches / WINDOW_S),
    symbolsPerBatch: Number(stats.symbolsPerBatchAvg.toFixed(1)),
    fps: Number((stats.frames.length / WINDOW_S).toFixed(1)),
    frameP50Ms: Number(pct(50).toFixed(1)),
    frameP95Ms: Number(pct(95).toFixed(1)),
    frameP99Ms: Number(pct(99).toFixed(1)),
    frameMaxMs: Number((sorted[sorted.length - 1] ?? 0).toFixed(1)),
    framesOver50Ms: stats.frames.filter((f) => f > 50).length,
    longTasks: stats.longTasks.length,
    longTaskMs: Math.round(stats.longTasks.reduce((a, b) => a + b, 0)),
    layoutShift: Number(stats.layoutShift.toFixed(4)),
    /** Main-thread ms per second of wall time: all tasks, then script, style recalculation and layout. */
    taskMsPerS: perS('TaskDuration'),
    scriptMsPerS: perS('ScriptDuration'),
    styleMsPerS: perS('RecalcStyleDuration'),
    layoutMsPerS: perS('LayoutDuration'),
    loadAverage: Number(loadavg()[0]!.toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `| ${result.date.slice(0, 16).replace('T', ' ')} | ${result.commit} | ${result.rows} | ${result.updatesPerS} | ${result.windowS} | ${result.quotesPerS} | ${result.batchesPerS} | ${result.symbolsPerBatch} | ${result.fps} | ${result.frameP50Ms} | ${result.frameP95Ms} | ${result.frameP99Ms} | ${result.frameMaxMs} | ${result.framesOver50Ms} | ${result.longTasks} (${result.longTaskMs} ms) | ${result.layoutShift} | ${result.taskMsPerS} | ${result.scriptMsPerS} | ${result.styleMsPerS} | ${result.layoutMsPerS} | ${result.loadAverage} |`,
  );
  const file = await writeResultJson(RESULTS_DIR, 'web', result.date, result);
  console.log(`results: ${file}`);
} finally {
  clearInterval(feeder);
  await browser.close();
  await server.stop();
}

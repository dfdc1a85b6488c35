import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import pg from 'pg';
import type { ServerHandle } from '../../cli/supervisor.js';
import { startTestServer, until } from '../helpers/server.js';
import { emptyPostgresDatabase } from '../helpers/db.js';
import { chromiumMissing, launchChromium } from '../helpers/browser.js';
import { pngStats } from '../helpers/png.js';

// Page-side globals, for the callbacks page.evaluate() runs in Chromium (this file compiles for Node).
declare const document: { querySelector(s: string): { textContent: string | null } | null; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };
declare const localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
declare const history: { pushState(state: null, title: string, url: string): void };
declare function dispatchEvent(e: unknown): boolean;
declare const PopStateEvent: new (type: string) => unknown;

const RESULTS = fileURLToPath(new URL('../../../web/test-results/', import.meta.url));
const BUILT = fileURLToPath(new URL('../../public/index.html', import.meta.url));

/**
 * The investor's whole journey in headless Chromium against a real Bourse
 * (simulator feed, Postgres): anonymous quotes, register, search, build a
 * watchlist, live prices, the chart, an alert that fires, reload, and a server
 * restart. Every endpoint the client uses must be on the server: a missing one
 * fails the test rather than skipping steps.
 */
test('web client end to end', { timeout: 240_000, skip: chromiumMissing() }, async (t) => {
  assert.ok(existsSync(BUILT), `the web client is not built (${BUILT}): run npm run build`);
  mkdirSync(RESULTS, { recursive: true });
  const db = await emptyPostgresDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'bourse-e2e-'));
  // Same database, data directory (signing keys) and port across the restart.
  const env = { FEED: 'simulator', SIM_RATE: '1500', SIM_SEED: '7', DATABASE_URL: db.url, DATA_DIR: dataDir };
  let server: ServerHandle | undefined = await startTestServer(env);
  const port = server.port;
  const base = `http://127.0.0.1:${port}`;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  await seedBarHistory(db.url, base, 'AAPL', 120);

  const missing = {
    auth: await absent(base, 'POST', '/v1/auth/register'),
    search: await absent(base, 'GET', '/v1/search?q=a'),
    dashboards: await absent(base, 'GET', '/v1/dashboards'),
    alerts: await absent(base, 'GET', '/v1/alerts'),
    notifications: await absent(base, 'GET', '/v1/notifications/stream'),
  };
  // Every endpoint the client uses is on the server: a missing one is a failure, not a skip.
  assert.deepEqual(Object.keys(missing).filter((k) => missing[k as keyof typeof missing]), [], 'endpoints the web client needs');

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => void d.accept(dialogAnswers.shift() ?? ''));
  const dialogAnswers: string[] = [];
  const email = `e2e-${Date.now()}@example.com`;
  let loggedIn = false;

  await t.test('anonymous: the page loads from the gateway and live quotes stream in', async () => {
    const res = await page.goto(base + '/');
    assert.equal(res?.status(), 200);
    await live(page);
    await rowPriceChanges(page, 'AAPL');
    await shot(page, 'anonymous');
  });

  await t.test('register and log in', async () => {
    await page.goto(base + '/register');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'correct horse battery');
    await page.click('button[type=submit]');
    await page.waitForSelector(`text=${email}`, { timeout: 10_000 });
    loggedIn = true;
    await live(page);
  });

  await t.test('build a watchlist: create, rename, add, reorder, remove, delete', async () => {
    await page.goto(base + '/');
    dialogAnswers.push('Tech');
    await page.click('button.new-tab');
    await page.waitForSelector('.tab.active >> text=Tech');
    await page.click('.tab.active button[aria-label^="Rename"]');
    await page.fill('.tab input.rename', 'Tech stocks');
    await page.press('.tab input.rename', 'Enter');
    await page.waitForSelector('.tab.active >> text=Tech stocks');
    for (const symbol of ['MSFT', 'AAPL', 'NVDA']) await addViaDetail(page, symbol);
    assert.deepEqual(await rowOrder(page), ['MSFT', 'AAPL', 'NVDA']);
    // Keyboard reorder: Alt+↓ on MSFT moves it below AAPL.
    await page.focus('tr[data-symbol=MSFT] th a');
    await page.keyboard.press('Alt+ArrowDown');
    await until(async () => (await rowOrder(page)).join() === 'AAPL,MSFT,NVDA', 10_000, 'MSFT moved down');
    await page.click('button[aria-label="Remove NVDA"]');
    await until(async () => (await rowOrder(page)).join() === 'AAPL,MSFT', 10_000, 'NVDA removed');
    // A second dashboard, then delete it: the first stays.
    dialogAnswers.push('Scratch');
    await page.click('button.new-tab');
    await page.waitForSelector('.tab.active >> text=Scratch');
    dialogAnswers.push('');
    await page.click('.tab.active button[aria-label^="Delete"]');
    await page.waitForSelector('.tab >> text=Scratch', { state: 'detached' });
    await page.click('.tab >> text=Tech stocks');
    assert.deepEqual(await rowOrder(page), ['AAPL', 'MSFT']);
  });

  await t.test('a change made in another tab shows at once (dashboards pushed over the stream)', async (s) => {
    if (!loggedIn) return s.skip('needs a login (the register step failed)');
    const other = await context.newPage();
    try {
      await other.goto(base + '/');
      await other.waitForSelector('.tab >> text=Tech stocks');
      await other.click('.tab >> text=Tech stocks');
      await other.click('.tab.active button[aria-label^="Rename"]');
      await other.fill('.tab input.rename', 'Tech (shared)');
      await other.press('.tab input.rename', 'Enter');
      // The first tab never reloads: the server pushes the change to every session of the investor.
      await page.waitForSelector('.tab >> text=Tech (shared)', { timeout: 10_000 });
      await other.click('.tab.active button[aria-label^="Rename"]');
      await other.fill('.tab input.rename', 'Tech stocks');
      await other.press('.tab input.rename', 'Enter');
      await page.waitForSelector('.tab >> text=Tech stocks', { timeout: 10_000 });
    } finally {
      await other.close();
    }
  });

  await t.test('search as you type and add from the results', async () => {
    await page.fill('input[type=search]', 'nvd');
    const option = page.locator('#search-results [role=option]', { hasText: 'NVDA' });
    await option.first().waitFor({ timeout: 10_000 });
    await shot(page, 'search');
    await page.keyboard.press('Escape');
    await page.fill('input[type=search]', 'NVDA');
    await page.locator('#search-results [role=option]').first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForSelector('tr[data-symbol=NVDA]');
  });

  await t.test('prices change in the watchlist', async () => {
    if (page.url() !== base + '/') await page.goto(base + '/');
    await rowPriceChanges(page, 'AAPL');
    await rowPriceChanges(page, 'MSFT');
    await shot(page, 'watchlist');
  });

  await t.test('detail view: candlestick chart of 1-minute bars with indicators', async () => {
    await page.click('tr[data-symbol=AAPL] th a');
    await page.waitForURL(`${base}/s/AAPL`);
    await page.waitForSelector('.chart canvas');
    await page.waitForFunction(() => /\d/.test(document.querySelector('.detail [data-field=last]')?.textContent ?? ''));
    // The seeded history is long enough for every indicator.
    await page.waitForFunction(() => /SMA 30 \d/.test(document.querySelector('.legend')?.textContent ?? '') && /Volatility.*\d+\.\d%/.test(document.querySelector('.legend')?.textContent ?? ''));
    await shot(page, 'detail');
    await page.click('a.back');
  });

  await t.test('an alert fires from the simulator: toast and notifications list', async (s) => {
    if (!loggedIn) return s.skip('needs a login (the register step failed)');
    await page.goto(base + '/s/MSFT');
    await page.waitForFunction(() => /\d/.test(document.querySelector('.detail [data-field=last]')?.textContent ?? ''));
    // "above" a price far below the market fires on the next tick.
    await page.selectOption('.alert-form select[name=kind]', 'above');
    await page.fill('.alert-form input[name=value]', '1');
    await page.click('.alert-form button[type=submit]');
    await page.waitForSelector('.toast-alert >> text=MSFT', { timeout: 30_000 });
    await shot(page, 'alert-toast');
    await page.goto(base + '/alerts');
    await page.waitForSelector('.notifications li >> text=MSFT');
  });

  await t.test('reload: still logged in (refresh token rotated), watchlist kept', async (s) => {
    if (!loggedIn) return s.skip('needs a login (the register step failed)');
    // Make the stored access token stale so the reload must use the refresh token.
    const before = await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('bourse.session')!);
      localStorage.setItem('bourse.session', JSON.stringify({ ...s, accessToken: 'x.eyJleHAiOjF9.x' }));
      return s.refreshToken as string;
    });
    await page.goto(base + '/');
    await page.waitForSelector(`text=${email}`);
    await page.waitForSelector('.tab >> text=Tech stocks');
    await until(async () => (await page.evaluate(() => JSON.parse(localStorage.getItem('bourse.session') ?? '{}').refreshToken)) !== before, 10_000, 'refresh token rotated');
    await live(page);
    await rowPriceChanges(page, 'AAPL');
  });

  await t.test('survives a server restart: reconnects, resumes, prices flow again', async () => {
    await page.goto(base + '/');
    await live(page);
    await server!.stop();
    server = undefined;
    await page.waitForSelector('.conn:not([data-state=live])', { timeout: 10_000 });
    await shot(page, 'reconnecting');
    server = await startTestServer({ ...env, PORT: String(port) });
    await live(page, 30_000);
    await rowPriceChanges(page, 'AAPL');
    if (loggedIn) await page.waitForSelector(`text=${email}`);
    await shot(page, 'after-restart');
  });

  await t.test('phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 780 });
    await page.goto(base + '/');
    await live(page);
    await rowPriceChanges(page, 'AAPL');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone screen`);
    await shot(page, 'phone');
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

/**
 * Writes `minutes` closed 1-minute bars before the current minute into the
 * server's database (a random walk ending near the live price), as if the
 * server had been running: the chart's history comes from GET /v1/bars.
 */
async function seedBarHistory(url: string, base: string, symbol: string, minutes: number): Promise<void> {
  let last = 0;
  await until(
    async () => {
      const q = (await (await fetch(`${base}/v1/quotes/${symbol}`)).json()) as { seq: number; last: number | null };
      last = q.seq > 0 ? (q.last ?? 0) : 0;
      return last > 0;
    },
    10_000,
    `a live price for ${symbol}`,
  );
  assert.ok(last > 0, `no live price for ${symbol}`);
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const rows: unknown[][] = [];
  // Walk backwards from the live price with a fixed-seed LCG, so every run draws the same chart.
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  let close = last;
  for (let i = 1; i <= minutes; i++) {
    const open = close * (1 + rand() * 0.004 - 0.0003);
    const high = Math.max(open, close) * (1 + Math.abs(rand()) * 0.002);
    const low = Math.min(open, close) * (1 - Math.abs(rand()) * 0.002);
    rows.push([symbol, new Date(now - i * 60_000), open, high, low, close, Math.round(20_000 + (rand() + 0.5) * 40_000), 50 + i % 40]);
    close = open;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const r of rows) await c.query('insert into bars_1m (symbol, start, open, high, low, close, volume, trades) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing', r);
  } finally {
    await c.end();
  }
}

/** Whether the server lacks a route: the catch-all's 404 `not_found` / 405 `method_not_allowed` (not a 400/401 from a real handler). */
async function absent(base: string, method: string, path: string): Promise<boolean> {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
  if (res.status !== 404 && res.status !== 405) return false;
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return body.error?.code === 'not_found' || body.error?.code === 'method_not_allowed';
}

async function live(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForSelector('.conn[data-state=live]', { timeout });
}

/** Waits for a numeric last price in the row, then for it to change. */
async function rowPriceChanges(page: Page, symbol: string): Promise<void> {
  const cell = `tr[data-symbol=${symbol}] [data-field=last]`;
  await page.waitForFunction((sel) => /\d/.test(document.querySelector(sel)?.textContent ?? ''), cell, { timeout: 15_000 });
  const first = await page.textContent(cell);
  await page.waitForFunction(([sel, was]) => document.querySelector(sel!)?.textContent !== was, [cell, first], { timeout: 20_000 });
}

async function rowOrder(page: Page): Promise<string[]> {
  return page.$$eval('tr[data-symbol]', (rows) => rows.map((r) => r.getAttribute('data-symbol')!));
}

/** Adds a symbol to the active dashboard from its detail page (works without the search API). */
async function addViaDetail(page: Page, symbol: string): Promise<void> {
  const tab = (await page.textContent('.tab.active button[role=tab]'))!.replace(/\s*\d+\s*$/, '').trim();
  await page.evaluate((s) => (history.pushState(null, '', `/s/${s}`), dispatchEvent(new PopStateEvent('popstate'))), symbol);
  await page.click(`button:has-text("Add to ${tab}")`);
  await page.waitForSelector(`button:has-text("Add to ${tab}")`, { state: 'detached' });
  await page.click('a.back');
  await page.waitForSelector(`tr[data-symbol=${symbol}]`);
}

/** Saves web/test-results/<name>.png and checks it shows a rendered page, not a blank one. */
async function shot(page: Page, name: string): Promise<void> {
  const file = join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  const stats = pngStats(readFileSync(file));
  assert.ok(stats.colours > 20 && stats.inked > 0.01, `${name}.png looks blank (${stats.colours} colours, ${(stats.inked * 100).toFixed(1)}% inked)`);
}

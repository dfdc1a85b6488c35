import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TICK_FIELDS, TickField, TickKind } from '../../core/tick.js';
import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { Universe } from '../../core/universe.js';
import { MarketSimulator, type MarketSimulatorOptions } from '../../ingest/market-simulator.js';

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const MS_PER_TRADING_YEAR = 252 * 6.5 * 3600 * 1000;
const universe500 = new Universe(EMBEDDED_COMPANIES.slice(0, 500));

/** Drives `sim` in `stepMs` steps from T0 for `ms`, calling `each(records, count, now)` per step. */
function run(sim: MarketSimulator, ms: number, stepMs: number, each: (records: Float64Array, count: number, now: number) => void): number {
  const out = new Float64Array(8192 * TICK_FIELDS);
  let total = 0;
  for (let t = 0; t < ms; t += stepMs) {
    const now = T0 + t + stepMs;
    let due = sim.due(T0 + t, now);
    while (due > 0) {
      const n = sim.generate(out, Math.min(due, 8192), now);
      each(out, n, now);
      due -= n;
      total += n;
    }
  }
  return total;
}

const sim = (o: Partial<MarketSimulatorOptions>): MarketSimulator => new MarketSimulator({ universe: universe500, rate: 20_000, seed: 1, startMs: T0, ...o });

test('MarketSimulator: the same seed replays the same ticks; reference prices depend on the ticker only', () => {
  const a = sim({ seed: 42 });
  const b = sim({ seed: 42 });
  const c = sim({ seed: 43 });
  const ra = new Float64Array(1000 * TICK_FIELDS);
  const rb = new Float64Array(1000 * TICK_FIELDS);
  const rc = new Float64Array(1000 * TICK_FIELDS);
  for (let step = 1; step <= 5; step++) {
    assert.equal(a.generate(ra, 1000, T0 + step * 5), 1000);
    b.generate(rb, 1000, T0 + step * 5);
    c.generate(rc, 1000, T0 + step * 5);
    assert.deepEqual(ra, rb);
    assert.notDeepEqual(ra, rc);
  }
  for (let i = 0; i < universe500.size; i++) assert.equal(a.referencePrice(i), c.referencePrice(i));
  // Same ticker, another position in another universe: same starting price.
  const other = new MarketSimulator({ universe: new Universe([{ symbol: 'AAPL', name: 'Apple', exchange: 'Nasdaq' }]), rate: 1 });
  assert.equal(other.referencePrice(0), a.referencePrice(universe500.id('AAPL')));
  assert.notEqual(other.seed, 0);
});

test('MarketSimulator: per-symbol parameters are in range, prices positive on the cent grid, bid < ask, sizes plausible', () => {
  const s = sim({ profile: 'news', newsPerSecond: 5 });
  const onGrid = (p: number): boolean => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6;
  for (let i = 0; i < universe500.size; i++) {
    const ref = s.referencePrice(i);
    assert.ok(ref >= 5 && ref <= 600 && onGrid(ref), `reference ${ref}`);
    assert.ok(s.volatility(i) >= 0.15 && s.volatility(i) <= 0.9);
  }
  let trades = 0;
  let quotes = 0;
  let roundLots = 0;
  let blocks = 0;
  let lastSeq = 0;
  let bps = 0;
  run(s, 10_000, 5, (r, n, now) => {
    for (let k = 0; k < n; k++) {
      const o = k * TICK_FIELDS;
      const bid = r[o + TickField.bid];
      const ask = r[o + TickField.ask];
      assert.ok(bid > 0 && bid < ask && onGrid(bid) && onGrid(ask), `bid ${bid} ask ${ask}`);
      assert.ok(r[o + TickField.bidSize] >= 100 && r[o + TickField.bidSize] % 100 === 0);
      assert.ok(r[o + TickField.askSize] >= 100 && r[o + TickField.askSize] % 100 === 0);
      assert.equal(r[o + TickField.eventTs], now);
      assert.equal(r[o + TickField.arrival], 0);
      assert.equal(r[o + TickField.sourceSeq], ++lastSeq);
      bps += ((ask - bid) / ((ask + bid) / 2)) * 1e4;
      if (r[o + TickField.kind] === TickKind.trade) {
        trades++;
        const price = r[o + TickField.price];
        const size = r[o + TickField.size];
        assert.ok(price >= bid && price <= ask && onGrid(price), `trade ${price} outside ${bid}/${ask}`);
        assert.ok(Number.isInteger(size) && size >= 1);
        if (size % 100 === 0) roundLots++;
        if (size >= 1000) blocks++;
      } else {
        assert.equal(r[o + TickField.kind], TickKind.quote);
        quotes++;
      }
    }
  });
  const share = trades / (trades + quotes);
  assert.ok(Math.abs(share - 0.4) < 0.01, `trade share ${share}`);
  assert.ok(roundLots / trades > 0.75, 'mostly round lots');
  assert.ok(blocks / trades > 0.02 && blocks / trades < 0.1, `blocks ${blocks / trades}`);
  const meanBps = bps / (trades + quotes);
  assert.ok(meanBps > 1 && meanBps < 30, `mean spread ${meanBps} bps`);
});

test('MarketSimulator: realised volatility of log returns matches the configured volatility (GBM)', () => {
  // One symbol per simulator so every step moves it; 30-minute steps keep the cent grid's noise small.
  const picked: MarketSimulator[] = [];
  for (const c of EMBEDDED_COMPANIES) {
    const s = new MarketSimulator({ universe: new Universe([c]), rate: 1, seed: 2024 + picked.length, startMs: T0 });
    if (s.referencePrice(0) >= 50) picked.push(s);
    if (picked.length === 6) break;
  }
  const stepMs = 30 * 60_000;
  const steps = 3000;
  const out = new Float64Array(TICK_FIELDS);
  for (const s of picked) {
    let prevQuoted = s.referencePrice(0);
    let prevModel = s.midPrice(0);
    let sqQuoted = 0;
    let sqModel = 0;
    for (let k = 1; k <= steps; k++) {
      assert.equal(s.generate(out, 1, T0 + k * stepMs), 1);
      const quoted = (out[TickField.bid] + out[TickField.ask]) / 2;
      const model = s.midPrice(0);
      assert.ok(quoted > 0 && model > 0);
      sqQuoted += Math.log(quoted / prevQuoted) ** 2;
      sqModel += Math.log(model / prevModel) ** 2;
      prevQuoted = quoted;
      prevModel = model;
    }
    const years = (steps * stepMs) / MS_PER_TRADING_YEAR;
    const sigma = s.volatility(0);
    const model = Math.sqrt(sqModel / years);
    const quoted = Math.sqrt(sqQuoted / years);
    // Standard error of the estimate is σ/√(2·3000) ≈ 1.3%.
    assert.ok(Math.abs(model / sigma - 1) < 0.06, `${s.universe.symbol(0)}: model ${model} vs ${sigma}`);
    assert.ok(Math.abs(quoted / sigma - 1) < 0.08, `${s.universe.symbol(0)}: quoted ${quoted} vs ${sigma}`);
  }
});

test('MarketSimulator: due() carries fractions so the long-run count is exact', () => {
  const s = sim({ rate: 33_333 });
  let total = 0;
  for (let t = 0; t < 10_000; t += 3) total += s.due(T0 + t, T0 + t + 3);
  assert.ok(Math.abs(total - 33_333 * 10.002) <= 1, `total ${total}`);
  assert.equal(sim({ rate: 0 }).due(T0, T0 + 1000), 0);
  assert.equal(new MarketSimulator({ universe: new Universe([]), rate: 1000 }).due(T0, T0 + 1000), 0);
});

test('MarketSimulator: the open profile starts several times faster and decays to the steady rate', () => {
  const periodMs = 60_000;
  const s = sim({ profile: 'open', rate: 10_000, openPeriodMs: periodMs, openRateMultiplier: 8 });
  const perSecond: number[] = [];
  run(s, 90_000, 5, (_r, n, now) => {
    const second = Math.floor((now - T0 - 1) / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + n;
  });
  const first = perSecond.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
  const last = perSecond.slice(70, 90).reduce((a, b) => a + b, 0) / 20;
  assert.ok(first > 6 * 10_000, `first seconds ${first}/s`);
  assert.ok(Math.abs(last - 10_000) <= 1, `after the open ${last}/s`);
  for (let i = 1; i < 60; i++) assert.ok(perSecond[i] <= perSecond[i - 1] + 1, `rate rises at ${i}s`);
  // ∫ of 1 + 7·(1 − t/T)² over the period is T·(1 + 7/3).
  const total = perSecond.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 10_000 * (60 * (1 + 7 / 3) + 30)) <= 1, `total ${total}`);
  assert.equal(s.currentRate(T0), 80_000);
  assert.equal(s.currentRate(T0 + periodMs), 10_000);
});

test('MarketSimulator: the open profile is more volatile early than after the open', () => {
  const company = EMBEDDED_COMPANIES[0];
  const s = new MarketSimulator({ universe: new Universe([company]), rate: 1, profile: 'open', seed: 11, startMs: T0, openPeriodMs: 60_000, openVolatilityMultiplier: 2.5 });
  const out = new Float64Array(TICK_FIELDS);
  const variance = (fromMs: number, toMs: number): number => {
    let prev = s.midPrice(0);
    let sq = 0;
    let steps = 0;
    for (let t = fromMs + 10; t <= toMs; t += 10, steps++) {
      s.generate(out, 1, T0 + t);
      sq += Math.log(s.midPrice(0) / prev) ** 2;
      prev = s.midPrice(0);
    }
    return sq / steps;
  };
  const early = variance(0, 3000);
  variance(3000, 60_000);
  const late = variance(60_000, 63_000);
  // Volatility multiplier ≈ 2.4 over the first 3 s: variance ≈ 5.8×.
  assert.ok(early / late > 4 && early / late < 8, `early/late variance ${early / late}`);
});

test('MarketSimulator: news bursts concentrate activity on a few symbols for a few seconds', () => {
  const windowMs = 1000;
  const seconds = 60;
  const cells = (profile: 'steady' | 'news'): { hot: Set<number>; total: number } => {
    const s = sim({ profile, seed: 5, newsPerSecond: 0.5 });
    const counts = new Float64Array(seconds * universe500.size);
    const total = run(s, seconds * windowMs, 5, (r, n, now) => {
      const w = Math.floor((now - T0 - 1) / windowMs);
      for (let k = 0; k < n; k++) counts[w * universe500.size + r[k * TICK_FIELDS + TickField.symbol]]++;
    });
    // A cell is hot when a symbol ticks 8× its average rate over the run.
    const hot = new Set<number>();
    for (let sym = 0; sym < universe500.size; sym++) {
      let sum = 0;
      for (let w = 0; w < seconds; w++) sum += counts[w * universe500.size + sym];
      const typical = Math.max(sum / seconds, 1);
      for (let w = 0; w < seconds; w++) if (counts[w * universe500.size + sym] > 8 * typical) hot.add(sym);
    }
    return { hot, total };
  };
  const steady = cells('steady');
  const news = cells('news');
  assert.equal(steady.hot.size, 0);
  assert.ok(news.hot.size >= 5, `symbols with bursts: ${news.hot.size}`);
  assert.ok(news.total > steady.total, 'bursts add ticks on top of the base rate');
});

test('MarketSimulator: at 100,000 ticks/s over 500 symbols every symbol ticks in (nearly) every 50 ms window', () => {
  for (const profile of ['steady', 'news'] as const) {
    const s = sim({ profile, rate: 100_000 });
    const seen = new Uint8Array(universe500.size);
    let windows = 0;
    let complete = 0;
    let lastWindow = -1;
    const close = (): void => {
      windows++;
      if (seen.every((x) => x === 1)) complete++;
      seen.fill(0);
    };
    run(s, 2000, 5, (r, n, now) => {
      const w = Math.floor((now - T0 - 1) / 50);
      if (w !== lastWindow && lastWindow >= 0) close();
      lastWindow = w;
      for (let k = 0; k < n; k++) seen[r[k * TICK_FIELDS + TickField.symbol]] = 1;
    });
    close();
    assert.equal(windows, 40);
    assert.ok(complete / windows >= 0.95, `${profile}: ${complete}/${windows} windows with every symbol`);
  }
});

test('MarketSimulator: activity is skewed towards the largest companies', () => {
  const s = sim({ rate: 50_000 });
  const counts = new Float64Array(universe500.size);
  run(s, 2000, 5, (r, n) => {
    for (let k = 0; k < n; k++) counts[r[k * TICK_FIELDS + TickField.symbol]]++;
  });
  const top = counts.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
  const bottom = counts.slice(400).reduce((a, b) => a + b, 0) / 100;
  assert.ok(top > 4 * bottom, `top ${top} bottom ${bottom}`);
});

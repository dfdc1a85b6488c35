/**
 * npm run bench:alerts -- [--rules 10000] [--ticks 2000000] [--symbols 600] [--no-record]
 *
 * Cost per tick of evaluating alert rules inside a shard: the same stream of
 * trade ticks (a random walk per symbol, ±0.1% a trade, event time advancing
 * 1 ms a tick) is applied through Shard.apply with no alert engine, and with
 * an engine holding --rules rules over --symbols symbols (40% above/below,
 * 20% cross at levels ±0.2–10% from the start price, 20% pct_move 1–5% over
 * 60–900 s, 20% volume_spike 3–10× over 60–600 s; a third re-arming with
 * a 60 s cooldown; `--kinds above,below` etc. for one kind at a time). One shard thread owns every symbol,
 * as the worst case. Reported: ns per tick each way, the difference (the
 * engine's cost), firings. Results: bench/results/alerts-<time>.json, and a
 * table row for docs/benchmarks.md (section "Alert evaluation") printed.
 */
import { AlertEngine } from '../actors/alert-engine.js';
import { QuoteTable } from '../actors/quote-table.js';
import { Shard } from '../actors/shard.js';
import { ALERT_KINDS, InterestTable, SymbolDirectory, TICK_FIELDS, TickKind, Universe, systemClock, writeTick, type AlertRule } from '../core/index.js';
import { EMBEDDED_COMPANIES } from '../core/universe-data.js';
import { RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';

interface Args {
  /** Only these kinds (default: the mix below). */
  kinds: string[] | null;
  rules: number;
  ticks: number;
  symbols: number;
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { kinds: null, rules: 10_000, ticks: 2_000_000, symbols: 600, record: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-record') {
      a.record = false;
      continue;
    }
    if (argv[i] === '--kinds') {
      a.kinds = argv[++i].split(',');
      if (!a.kinds.every((k) => (ALERT_KINDS as readonly string[]).includes(k))) throw new Error(`--kinds: one or more of ${ALERT_KINDS.join(',')}`);
      continue;
    }
    const key = argv[i].replace(/^--/, '') as keyof Args;
    const v = Number(argv[++i]);
    if (!(key in a) || !Number.isFinite(v) || v <= 0) throw new Error(`bad argument ${argv[i - 1]} ${argv[i]}`);
    (a as unknown as Record<string, number>)[key] = v;
  }
  return a;
}

/** xorshift32: the same sequence every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function ticks(n: number, symbols: number, start: number): Float64Array {
  const r = rng(7);
  const price = Float64Array.from({ length: symbols }, () => 100);
  const out = new Float64Array(n * TICK_FIELDS);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(r() * symbols);
    price[s] *= 1 + (r() - 0.5) * 0.002;
    writeTick(out, i, { symbol: s, kind: TickKind.trade, price: price[s], size: 1 + Math.floor(r() * 500), bid: 0, ask: 0, bidSize: 0, askSize: 0, eventTs: start + i, arrival: 0, sourceSeq: 0 });
  }
  return out;
}

function rules(n: number, universe: Universe, symbols: number, only: string[] | null): AlertRule[] {
  const r = rng(11);
  const out: AlertRule[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    const kind = only ? (only[i % only.length] as (typeof ALERT_KINDS)[number]) : u < 0.2 ? 'above' : u < 0.4 ? 'below' : u < 0.6 ? 'cross' : u < 0.8 ? 'pct_move' : 'volume_spike';
    const off = 0.002 + r() * 0.098;
    const rearm = r() < 1 / 3;
    const base = { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, symbol: universe.symbol(Math.floor(r() * symbols)), kind, rearm, cooldownSec: 60, fireSeq: 0, lastFiredAt: null } as const;
    if (kind === 'above') out.push({ ...base, price: 100 * (1 + off), threshold: null, windowSec: null });
    else if (kind === 'below') out.push({ ...base, price: 100 * (1 - off), threshold: null, windowSec: null });
    else if (kind === 'cross') out.push({ ...base, price: 100 * (1 + (r() < 0.5 ? off : -off)), threshold: null, windowSec: null });
    else if (kind === 'pct_move') out.push({ ...base, price: null, threshold: 1 + r() * 4, windowSec: 60 + Math.floor(r() * 840) });
    else out.push({ ...base, price: null, threshold: 3 + r() * 7, windowSec: 60 + Math.floor(r() * 540) });
  }
  return out;
}

function run(a: Args, withRules: boolean, recs: Float64Array, universe: Universe): { nsPerTick: number; fired: number } {
  const directory = new SymbolDirectory(universe, 1);
  const table = new QuoteTable(QuoteTable.allocate(universe.size));
  const interest = new InterestTable(InterestTable.allocate(1, universe.size), 1, universe.size);
  const alerts = withRules ? new AlertEngine({ symbolId: (s) => universe.id(s), clock: systemClock }) : undefined;
  alerts?.replace(rules(a.rules, universe, a.symbols, a.kinds));
  const shard = new Shard({ shard: 0, universe, directory, table, interest, clock: systemClock, indicatorWindow: 20, alerts });
  let fired = 0;
  const FLUSH_EVERY = 5000; // ticks between flushes (a 50 ms window at 100k ticks/s)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < a.ticks; i++) {
    shard.apply(recs, i * TICK_FIELDS);
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) {
      shard.flush(0);
      if (alerts) fired += alerts.takeFirings().length;
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (alerts) fired += alerts.takeFirings().length;
  return { nsPerTick: ns / a.ticks, fired };
}

const a = parseArgs(process.argv.slice(2));
const universe = new Universe(EMBEDDED_COMPANIES.slice(0, a.symbols));
a.symbols = universe.size;
// Event times from now on: the shard's flush closes bars by server time, and a trade for a closed minute is late (no alerts).
const recs = ticks(a.ticks, a.symbols, Date.now());
// Warm up both paths, then alternate measured runs and keep each one's best.
run({ ...a, ticks: Math.min(a.ticks, 200_000) }, false, recs, universe);
run({ ...a, ticks: Math.min(a.ticks, 200_000) }, true, recs, universe);
let base = Infinity;
let withRules = Infinity;
let fired = 0;
for (let k = 0; k < 3; k++) {
  base = Math.min(base, run(a, false, recs, universe).nsPerTick);
  const w = run(a, true, recs, universe);
  withRules = Math.min(withRules, w.nsPerTick);
  fired = w.fired;
}
const result = {
  bench: 'alerts',
  at: new Date().toISOString(),
  rules: a.rules,
  symbols: a.symbols,
  ticks: a.ticks,
  kinds: a.kinds ?? ALERT_KINDS,
  nsPerTickWithout: Math.round(base),
  nsPerTickWith: Math.round(withRules),
  alertNsPerTick: Math.round(withRules - base),
  firings: fired,
  node: process.version,
};
process.stdout.write(
  `${a.ticks} trades over ${a.symbols} symbols, ${a.rules} rules (~${Math.round(a.rules / a.symbols)} a symbol; ${(a.kinds ?? ['mix']).join(',')})\n` +
    `  shard apply without alerts: ${result.nsPerTickWithout} ns/tick\n` +
    `  shard apply with alerts:    ${result.nsPerTickWith} ns/tick (alert evaluation ≈ ${result.alertNsPerTick} ns/tick)\n` +
    `  firings in one run: ${fired}\n`,
);
if (a.record) {
  const file = await writeResultJson(RESULTS_DIR, 'alerts', result.at, result, { nameFirst: true });
  process.stdout.write(`docs row: | ${result.at.slice(0, 16).replace('T', ' ')} | ${(a.kinds ?? ['mix']).join(',')} | ${a.rules} | ${a.symbols} | ${a.ticks} | ${result.nsPerTickWithout} | ${result.nsPerTickWith} | ${result.alertNsPerTick} | ${fired} |\n`);
  process.stdout.write(`results: ${file}\n`);
}

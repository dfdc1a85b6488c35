import type { Config } from '../core/config.js';
import { TICK_FIELDS, TickField, TickKind } from '../core/tick.js';
import type { Universe } from '../core/universe.js';
import { Random, hashString } from './random.js';

export type SimProfile = Config['simProfile'];

export interface MarketSimulatorOptions {
  readonly universe: Universe;
  /** Ticks per second across all symbols, before profile multipliers and news bursts. */
  readonly rate: number;
  /** `steady` (default), `open` (opening burst decaying to steady) or `news` (random per-symbol bursts). */
  readonly profile?: SimProfile;
  /** PRNG seed; 0 or absent = random (the effective one is `seed`). */
  readonly seed?: number;
  /** Share of ticks that are trades; the rest are quotes. Default 0.4. */
  readonly tradeShare?: number;
  /** `open`: rate multiplier at the open, decaying to 1. Default 8. */
  readonly openRateMultiplier?: number;
  /** `open`: volatility multiplier at the open, decaying to 1. Default 2.5. */
  readonly openVolatilityMultiplier?: number;
  /** `open`: how long the opening burst takes to decay to steady. Default 120 s. */
  readonly openPeriodMs?: number;
  /** `news`: mean news events per second across the universe (Poisson). Default 0.5. */
  readonly newsPerSecond?: number;
  /** Session start (the open), ms since the epoch. Default: the time of the first due()/generate() call. */
  readonly startMs?: number;
}

/** Volatilities are per trading year: 252 sessions of 6.5 hours, so a simulated second is a second of session. */
const MS_PER_TRADING_YEAR = 252 * 6.5 * 3600 * 1000;
/**
 * Share of ticks handed out round-robin over the symbols, so that every symbol
 * ticks regularly however skewed the rest is: at 100,000 ticks/s over 500
 * symbols each one gets 5 of these per 50 ms window. The rest follow a Zipf-like
 * skew by universe rank (the SEC list is ordered by size), jittered per symbol.
 */
const COVERAGE_SHARE = 0.5;
const RANK_OFFSET = 5;
const MIN_PRICE = 5;
const MAX_PRICE = 600;
const MIN_VOL = 0.15;
const MAX_VOL = 0.9;
const MAX_BURSTS = 16;
const MEAN_QUOTE_LOTS = 4;
const MEAN_TRADE_LOTS = 2;
const ODD_LOT_SHARE = 0.15;
const BLOCK_SHARE = 0.03;
const MAX_TRADE_SIZE = 500_000;
/** Uniform draws reserved per tick (symbol, 2 for the normal, spread, kind, 2 for side/size or quote sizes, 1 spare). */
const UNIFORMS_PER_TICK = 8;
/** Ticks generated per bulk draw of uniforms. */
const CHUNK = 512;

const F_SYMBOL = TickField.symbol;
const F_KIND = TickField.kind;
const F_PRICE = TickField.price;
const F_SIZE = TickField.size;
const F_BID = TickField.bid;
const F_ASK = TickField.ask;
const F_BID_SIZE = TickField.bidSize;
const F_ASK_SIZE = TickField.askSize;
const F_EVENT_TS = TickField.eventTs;
const F_ARRIVAL = TickField.arrival;
const F_SOURCE_SEQ = TickField.sourceSeq;
const F_RESERVED = TickField.reserved;
const TRADE = TickKind.trade;
const QUOTE = TickKind.quote;

/**
 * A synthetic market over a universe: each symbol's mid price follows geometric
 * Brownian motion (zero drift) with its own annualised volatility; quotes sit on
 * a $0.01 grid around it; trades print at the bid, the ask or inside.
 *
 * Per-symbol parameters (starting price $5–$600, volatility 15%–90%, spread
 * 1–5 bps with a one-cent minimum, activity jitter) come from a hash of the
 * ticker, so AAPL starts at the same price in every run; the seed drives only
 * the path. Same seed + same call sequence = same ticks.
 *
 * Time is the caller's: `due()` says how many ticks fall between two times,
 * `generate()` writes them stamped with the given time; times passed to
 * due(), generate() and currentRate() must not go backwards. The session (and
 * the `open` profile's decay) starts at `startMs` or the first time seen.
 * No allocation per tick; all state is in typed arrays. Single-threaded.
 */
export class MarketSimulator {
  readonly universe: Universe;
  readonly rate: number;
  readonly profile: SimProfile;
  /** The effective seed (never 0): log it to replay a run. */
  readonly seed: number;

  readonly #n: number;
  readonly #rng: Random;
  readonly #events: Random;
  readonly #tradeShare: number;
  readonly #openRate: number;
  readonly #openVol: number;
  readonly #openPeriod: number;
  readonly #newsPerMs: number;

  // Per symbol.
  readonly #mid: Float64Array;
  readonly #sigma: Float64Array;
  readonly #volBoost: Float64Array;
  readonly #lastMs: Float64Array;
  readonly #spreadBps: Float64Array;
  readonly #reference: Float64Array;
  readonly #bidSize: Float64Array;
  readonly #askSize: Float64Array;
  /** Base share of all ticks (sums to 1). */
  readonly #share: Float64Array;
  /** Vose alias table over the skewed part. */
  readonly #aliasProb: Float64Array;
  readonly #alias: Int32Array;

  // Active news bursts, packed at 0..#burstCount-1.
  readonly #burstSymbol = new Int32Array(MAX_BURSTS);
  readonly #burstStart = new Float64Array(MAX_BURSTS);
  readonly #burstEnd = new Float64Array(MAX_BURSTS);
  /** Extra ticks of the bursting symbol, as a share of the base rate. */
  readonly #burstExtra = new Float64Array(MAX_BURSTS);
  #burstCount = 0;
  #nextNewsMs = NaN;

  /** Scratch for bulk uniform draws, CHUNK ticks at a time. */
  readonly #uniforms = new Float64Array(CHUNK * UNIFORMS_PER_TICK);
  #spare = 0;
  #hasSpare = false;
  #startMs: number;
  #carry = 0;
  #sweep = 0;
  #seq = 0;

  constructor(options: MarketSimulatorOptions) {
    const { universe } = options;
    if (!(options.rate >= 0) || !Number.isFinite(options.rate)) throw new RangeError(`rate must be a finite number >= 0, got ${options.rate}`);
    this.universe = universe;
    this.rate = options.rate;
    this.profile = options.profile ?? 'steady';
    this.#rng = new Random(options.seed ?? 0);
    this.seed = this.#rng.seed;
    this.#events = new Random(hashString(`news:${this.seed}`) || 1);
    this.#tradeShare = options.tradeShare ?? 0.4;
    this.#openRate = options.openRateMultiplier ?? 8;
    this.#openVol = options.openVolatilityMultiplier ?? 2.5;
    this.#openPeriod = options.openPeriodMs ?? 120_000;
    this.#newsPerMs = (options.newsPerSecond ?? 0.5) / 1000;
    this.#startMs = options.startMs ?? NaN;

    const n = (this.#n = universe.size);
    this.#mid = new Float64Array(n);
    this.#sigma = new Float64Array(n);
    this.#volBoost = new Float64Array(n).fill(1);
    this.#lastMs = new Float64Array(n).fill(this.#startMs);
    this.#spreadBps = new Float64Array(n);
    this.#reference = new Float64Array(n);
    this.#bidSize = new Float64Array(n);
    this.#askSize = new Float64Array(n);
    this.#share = new Float64Array(n);
    this.#aliasProb = new Float64Array(n);
    this.#alias = new Int32Array(n);

    const weight = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const h = new Random(hashString(universe.symbol(i)) || 1);
      const price = Math.round(Math.exp(Math.log(MIN_PRICE) + h.uniform() * Math.log(MAX_PRICE / MIN_PRICE)) * 100) / 100;
      this.#reference[i] = price;
      this.#mid[i] = price;
      this.#sigma[i] = MIN_VOL + h.uniform() * (MAX_VOL - MIN_VOL);
      this.#spreadBps[i] = 1 + h.uniform() * 4;
      this.#bidSize[i] = 100 * (1 + Math.floor(-Math.log(h.uniformOpen()) * MEAN_QUOTE_LOTS));
      this.#askSize[i] = 100 * (1 + Math.floor(-Math.log(h.uniformOpen()) * MEAN_QUOTE_LOTS));
      weight[i] = (0.5 + h.uniform()) / (i + RANK_OFFSET);
      total += weight[i];
    }
    for (let i = 0; i < n; i++) {
      weight[i] /= total;
      this.#share[i] = COVERAGE_SHARE / n + (1 - COVERAGE_SHARE) * weight[i];
    }
    buildAlias(weight, this.#aliasProb, this.#alias);
  }

  /** The starting price of a symbol (use it as the previous close). */
  referencePrice(symbolId: number): number {
    return this.#reference[symbolId];
  }

  /** The configured annualised volatility of a symbol, before profile and news multipliers. */
  volatility(symbolId: number): number {
    return this.#sigma[symbolId];
  }

  /** The current (unrounded) mid price of a symbol. */
  midPrice(symbolId: number): number {
    return this.#mid[symbolId];
  }

  /** Ticks per second the profile calls for at `nowMs`, news bursts included. */
  currentRate(nowMs: number): number {
    if (this.#n === 0) return 0;
    this.#begin(nowMs);
    this.#startNews(nowMs);
    this.#endNews(nowMs);
    let extra = 0;
    for (let j = 0; j < this.#burstCount; j++) extra += this.#burstExtra[j];
    return this.rate * (this.#openMultiplier(nowMs - this.#startMs, this.#openRate) + extra);
  }

  /**
   * How many ticks fall due in (fromMs, toMs] at the profile's rate. The
   * fractional remainder is carried to the next call, so over consecutive
   * intervals the count is exact to within one tick.
   */
  due(fromMs: number, toMs: number): number {
    if (this.#n === 0 || this.rate === 0 || !(toMs > fromMs)) return 0;
    this.#begin(fromMs);
    this.#startNews(toMs);
    let ms = this.#openIntegral(toMs - this.#startMs) - this.#openIntegral(fromMs - this.#startMs);
    for (let j = 0; j < this.#burstCount; j++) {
      const overlap = Math.min(toMs, this.#burstEnd[j]) - Math.max(fromMs, this.#burstStart[j]);
      if (overlap > 0) ms += overlap * this.#burstExtra[j];
    }
    this.#endNews(toMs);
    const exact = this.#carry + (ms * this.rate) / 1000;
    const whole = Math.floor(exact);
    this.#carry = exact - whole;
    return whole;
  }

  /**
   * Writes up to `maxRecords` tick records (bounded by the room in `out`) from
   * index 0, all with eventTs = nowMs, arrival 0 and increasing sourceSeq.
   * Returns how many it wrote.
   */
  generate(out: Float64Array, maxRecords: number, nowMs: number): number {
    const n = this.#n;
    const count = Math.min(Math.floor(maxRecords), Math.floor(out.length / TICK_FIELDS));
    if (n === 0 || !(count > 0)) return 0;
    this.#begin(nowMs);
    this.#startNews(nowMs);
    this.#endNews(nowMs);

    const rng = this.#rng;
    const uniforms = this.#uniforms;
    const mid = this.#mid;
    const sigma = this.#sigma;
    const volBoost = this.#volBoost;
    const lastMs = this.#lastMs;
    const spreadBps = this.#spreadBps;
    const bidSizes = this.#bidSize;
    const askSizes = this.#askSize;
    const aliasProb = this.#aliasProb;
    const alias = this.#alias;
    const burstSymbol = this.#burstSymbol;
    const burstExtra = this.#burstExtra;
    const burstCount = this.#burstCount;
    const tradeShare = this.#tradeShare;
    const openVol = this.#openMultiplier(nowMs - this.#startMs, this.#openVol);
    const varPerMs = (openVol * openVol) / MS_PER_TRADING_YEAR;
    let totalShare = 1;
    for (let j = 0; j < burstCount; j++) totalShare += burstExtra[j];
    let sweep = this.#sweep;
    let seq = this.#seq;
    let spare = this.#spare;
    let hasSpare = this.#hasSpare;

    for (let base = 0; base < count; base += CHUNK) {
      const chunk = Math.min(CHUNK, count - base);
      // Uniforms are drawn in bulk, a fixed UNIFORMS_PER_TICK per tick: no call
      // (and no boxed double) per draw, and the stream does not depend on chunking.
      rng.fillUniform(uniforms, chunk * UNIFORMS_PER_TICK);
      for (let t = 0; t < chunk; t++) {
        const k = base + t;
        const j = t * UNIFORMS_PER_TICK;

        // Which symbol: round-robin share, skewed share (alias table), or a news burst.
        let u = uniforms[j] * totalShare;
        let s: number;
        if (u < COVERAGE_SHARE) {
          s = sweep;
          if (++sweep === n) sweep = 0;
        } else if (u < 1) {
          const x = ((u - COVERAGE_SHARE) / (1 - COVERAGE_SHARE)) * n;
          const i = x | 0;
          s = x - i < aliasProb[i] ? i : alias[i];
        } else {
          u -= 1;
          let b = 0;
          while (b < burstCount - 1 && u >= burstExtra[b]) u -= burstExtra[b++];
          s = burstSymbol[b];
        }

        // Geometric Brownian motion over the time since this symbol last moved.
        let S = mid[s];
        let z = 0;
        const dt = nowMs - lastMs[s];
        if (dt > 0) {
          if (hasSpare) {
            z = spare;
            hasSpare = false;
          } else {
            // Box–Muller; 1 − u is in (0, 1], safe for the log.
            const r = Math.sqrt(-2 * Math.log(1 - uniforms[j + 1]));
            const theta = 6.283185307179586 * uniforms[j + 2];
            z = r * Math.cos(theta);
            spare = r * Math.sin(theta);
            hasSpare = true;
          }
          const sig = sigma[s] * volBoost[s];
          const v = sig * sig * varPerMs * dt;
          S *= Math.exp(Math.sqrt(v) * z - 0.5 * v);
          if (S < 0.01) S = 0.01;
          mid[s] = S;
        }
        lastMs[s] = nowMs;

        // Quote on the cent grid: spread of a few bps, at least a cent, sometimes wider.
        const w = uniforms[j + 3];
        let spread = Math.round(S * spreadBps[s] * 0.01);
        if (spread < 1) spread = 1;
        if (w < 0.1) spread += 2;
        else if (w < 0.3) spread += 1;
        let bidCents = Math.round(S * 100 - spread * 0.5);
        if (bidCents < 1) bidCents = 1;
        const askCents = bidCents + spread;

        const o = k * TICK_FIELDS;
        if (uniforms[j + 4] < tradeShare) {
          // Trade: at the ask when buyers push the price up, at the bid when sellers push it down, sometimes inside.
          const side = uniforms[j + 5];
          const pAsk = z > 0 ? 0.7 : z < 0 ? 0.3 : 0.5;
          let priceCents: number;
          if (spread >= 2 && side < 0.1) priceCents = bidCents + (spread >> 1);
          else priceCents = (spread >= 2 ? (side - 0.1) / 0.9 : side) < pAsk ? askCents : bidCents;
          const r = uniforms[j + 6];
          let size: number;
          if (r < ODD_LOT_SHARE) {
            size = 1 + Math.floor((r / ODD_LOT_SHARE) * 99);
          } else if (r < 1 - BLOCK_SHARE) {
            const q = (r - ODD_LOT_SHARE) / (1 - BLOCK_SHARE - ODD_LOT_SHARE);
            size = 100 * (1 + Math.floor(-Math.log(1 - q) * MEAN_TRADE_LOTS));
          } else {
            // Blocks: Pareto tail (alpha 1.5) from 1,000 shares.
            const q = (r - (1 - BLOCK_SHARE)) / BLOCK_SHARE;
            size = 100 * Math.floor(10 * Math.pow(1 - q, -1 / 1.5));
            if (size > MAX_TRADE_SIZE) size = MAX_TRADE_SIZE;
          }
          out[o + F_KIND] = TRADE;
          out[o + F_PRICE] = priceCents / 100;
          out[o + F_SIZE] = size;
        } else {
          bidSizes[s] = 100 * (1 + Math.floor(-Math.log(1 - uniforms[j + 5]) * MEAN_QUOTE_LOTS));
          askSizes[s] = 100 * (1 + Math.floor(-Math.log(1 - uniforms[j + 6]) * MEAN_QUOTE_LOTS));
          out[o + F_KIND] = QUOTE;
          out[o + F_PRICE] = 0;
          out[o + F_SIZE] = 0;
        }
        out[o + F_SYMBOL] = s;
        out[o + F_BID] = bidCents / 100;
        out[o + F_ASK] = askCents / 100;
        out[o + F_BID_SIZE] = bidSizes[s];
        out[o + F_ASK_SIZE] = askSizes[s];
        out[o + F_EVENT_TS] = nowMs;
        out[o + F_ARRIVAL] = 0;
        out[o + F_SOURCE_SEQ] = ++seq;
        out[o + F_RESERVED] = 0;
      }
    }
    this.#sweep = sweep;
    this.#seq = seq;
    this.#spare = spare;
    this.#hasSpare = hasSpare;
    return count;
  }

  /** Fixes the session start at the first time seen. */
  #begin(nowMs: number): void {
    if (!Number.isNaN(this.#startMs)) return;
    this.#startMs = nowMs;
    this.#lastMs.fill(nowMs);
  }

  /** `open`: a multiplier that starts at `peak` and decays (quadratically) to 1 at the end of the opening period. */
  #openMultiplier(sinceStartMs: number, peak: number): number {
    if (this.profile !== 'open' || sinceStartMs >= this.#openPeriod) return 1;
    const left = 1 - Math.max(0, sinceStartMs) / this.#openPeriod;
    return 1 + (peak - 1) * left * left;
  }

  /** ∫ of the rate multiplier from the start to `sinceStartMs`, in ms (closed form of #openMultiplier). */
  #openIntegral(sinceStartMs: number): number {
    if (this.profile !== 'open' || sinceStartMs <= 0) return sinceStartMs;
    const T = this.#openPeriod;
    const left = 1 - Math.min(sinceStartMs, T) / T;
    return sinceStartMs + ((this.#openRate - 1) * T * (1 - left * left * left)) / 3;
  }

  /** `news`: starts the bursts whose (Poisson) arrival is at or before `nowMs`. */
  #startNews(nowMs: number): void {
    if (this.profile !== 'news' || this.#newsPerMs <= 0) return;
    const ev = this.#events;
    if (Number.isNaN(this.#nextNewsMs)) this.#nextNewsMs = this.#startMs - Math.log(ev.uniformOpen()) / this.#newsPerMs;
    while (this.#nextNewsMs <= nowMs) {
      const at = this.#nextNewsMs;
      this.#nextNewsMs = at - Math.log(ev.uniformOpen()) / this.#newsPerMs;
      const s = ev.int(this.#n);
      const activity = 10 + 10 * ev.uniform();
      const duration = 2000 + 4000 * ev.uniform();
      const volJump = 3 + 3 * ev.uniform();
      const gap = (ev.uniform() < 0.5 ? -1 : 1) * (0.005 + 0.025 * ev.uniform());
      if (this.#burstCount === MAX_BURSTS || this.#volBoost[s] !== 1) continue; // dropped: too much news at once
      const j = this.#burstCount++;
      this.#burstSymbol[j] = s;
      this.#burstStart[j] = at;
      this.#burstEnd[j] = at + duration;
      this.#burstExtra[j] = (activity - 1) * this.#share[s];
      this.#volBoost[s] = volJump;
      this.#mid[s] *= Math.exp(gap); // the news itself moves the price
    }
  }

  /** `news`: ends the bursts that are over at `nowMs`. */
  #endNews(nowMs: number): void {
    for (let j = 0; j < this.#burstCount; ) {
      if (this.#burstEnd[j] > nowMs) {
        j++;
        continue;
      }
      this.#volBoost[this.#burstSymbol[j]] = 1;
      const last = --this.#burstCount;
      this.#burstSymbol[j] = this.#burstSymbol[last];
      this.#burstStart[j] = this.#burstStart[last];
      this.#burstEnd[j] = this.#burstEnd[last];
      this.#burstExtra[j] = this.#burstExtra[last];
    }
  }
}

/** Vose's alias method: after this, pick i uniformly, keep it with probability prob[i], else take alias[i]. */
function buildAlias(weights: Float64Array, prob: Float64Array, alias: Int32Array): void {
  const n = weights.length;
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    scaled[i] = weights[i] * n;
    if (scaled[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) {
    const l = large[--nl];
    prob[l] = 1;
    alias[l] = l;
  }
  while (ns > 0) {
    const s = small[--ns];
    prob[s] = 1;
    alias[s] = s;
  }
}

import { randomBytes } from 'node:crypto';

/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman and
 * Vigna), 32-bit state words, seeded through splitmix32 so that nearby seeds
 * give unrelated streams. Not cryptographic; meant for the market simulator,
 * where the same seed must replay the same market.
 *
 * Seed 0 means "pick one at random"; `seed` then holds the seed drawn, so a
 * run can be logged and reproduced.
 */
export class Random {
  /** The effective seed (never 0). */
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare = 0;
  #hasSpare = false;

  constructor(seed = 0) {
    let s = seed >>> 0;
    while (s === 0) s = randomBytes(4).readUInt32LE(0);
    this.seed = s;
    // State words are kept as int32 (`| 0`) so V8 stores them as small integers.
    this.#a = splitmix32(s) | 0;
    this.#b = splitmix32(this.#a) | 0;
    this.#c = splitmix32(this.#b) | 0;
    this.#d = splitmix32(this.#c) | 0;
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#d = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const b = this.#b;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9);
    const t = b << 9;
    this.#c ^= this.#a;
    this.#d ^= b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return r >>> 0;
  }

  /**
   * Fills out[0..count) with uniforms in [0, 1): the same values as `count`
   * calls of uniform(), without a call per draw (for hot loops).
   */
  fillUniform(out: Float64Array, count = out.length): void {
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < count; i++) {
      const r = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      out[i] = (r >>> 0) * 2.3283064365386963e-10;
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }

  /** Uniform in [0, 1), 32-bit resolution. */
  uniform(): number {
    return this.nextUint32() * 2.3283064365386963e-10; // 2^-32
  }

  /** Uniform in (0, 1): safe to take the log of. */
  uniformOpen(): number {
    return (this.nextUint32() + 0.5) * 2.3283064365386963e-10;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniformOpen()));
    const theta = 6.283185307179586 * this.uniform();
    this.#spare = r * Math.sin(theta);
    this.#hasSpare = true;
    return r * Math.cos(theta);
  }
}

/** FNV-1a over the UTF-16 code units of `s`, finished with murmur3's fmix32: a stable 32-bit hash. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

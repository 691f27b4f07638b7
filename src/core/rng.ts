/**
 * Seeded random streams (STYLE.md principle 5). One master seed, one derived
 * stream per component, so adding a component never shifts another's draws
 * (ABIDES' seed tree). The generator is xoshiro128** (Blackman & Vigna 2018):
 * 32-bit arithmetic only, 128 bits of state held in a Uint32Array so the
 * engine can snapshot and restore it with a bar (docs/model.md#reading-history).
 */

/** 32-bit FNV-1a over a string, then mixed; used only to derive child seeds from labels. */
function hashLabel(label: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mix32(h);
}

/** splitmix32-style finaliser: spreads nearby seeds across the state space. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export class Rng {
  /** xoshiro128** state; exposed for snapshot/restore. */
  readonly state: Uint32Array;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32): ${seed}`);
    }
    this.state = new Uint32Array(4);
    let s = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      s = mix32(s + i);
      this.state[i] = s;
    }
    if ((this.state[0] | this.state[1] | this.state[2] | this.state[3]) === 0) this.state[0] = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1): safe for logarithms. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Standard normal by Box–Muller; no cached second draw, so the state is only `state`. */
  normal(): number {
    const u1 = this.uniformOpen();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(this.uniformOpen()) / rate;
  }

  /** Poisson by inversion (fine for the small means used per bar). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > l) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  snapshot(): Uint32Array {
    return this.state.slice();
  }

  restore(snap: Uint32Array): void {
    this.state.set(snap);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A node of the seed tree: `child('dealer')` always yields the same seed for
 * the same master seed, whatever other children are created.
 */
export class SeedTree {
  constructor(readonly seed: number) {}

  child(label: string): SeedTree {
    return new SeedTree(hashLabel(label, this.seed));
  }

  rng(label: string): Rng {
    return new Rng(hashLabel(label, this.seed));
  }
}

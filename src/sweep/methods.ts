/**
 * Search methods over the unit cube [0, 1)^d (space.ts decodes points).
 * Random and Latin hypercube propose every point at once; TPE (tpe.ts)
 * proposes rounds from the losses seen so far. Every draw comes from a
 * stream of the sweep's seed, so a method's points are a function of the
 * seed, the dimension and (for TPE) the losses in trial order: never of
 * which worker finished first.
 */
import type { Rng } from '../core/rng.js';

/** `count` independent uniform points. */
export function randomPoints(rng: Rng, count: number, dims: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const u = new Array<number>(dims);
    for (let k = 0; k < dims; k++) u[k] = rng.uniform();
    out.push(u);
  }
  return out;
}

/**
 * Latin hypercube (McKay, Beckman & Conover 1979): each dimension cut into
 * `count` equal strata, every stratum used once, the strata of each
 * dimension shuffled independently (Fisher–Yates), a uniform point within
 * each stratum.
 */
export function latinHypercube(rng: Rng, count: number, dims: number): number[][] {
  const out: number[][] = Array.from({ length: count }, () => new Array<number>(dims));
  const perm = new Array<number>(count);
  for (let k = 0; k < dims; k++) {
    for (let i = 0; i < count; i++) perm[i] = i;
    for (let i = count - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    for (let i = 0; i < count; i++) out[i][k] = (perm[i] + rng.uniform()) / count;
  }
  return out;
}

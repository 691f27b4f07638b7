/**
 * Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011,
 * "Algorithms for hyper-parameter optimization"), written here because no
 * maintained npm package offers it. On the unit cube, one dimension at a
 * time (the independent form hyperopt uses):
 *
 * - the points seen so far are split by loss: the best γ·n (at least one)
 *   are "good", the rest "bad";
 * - each group gives a density per dimension, a mixture of normals
 *   truncated to [0, 1] centred on its points plus a broad prior
 *   N(0.5, 1), all with equal weight;
 * - candidates are drawn from the good density and the one with the
 *   largest l(x)/g(x) (summed log ratio over dimensions) is proposed, which
 *   maximises expected improvement under the model (the paper's §4.1).
 *
 * Until `startup` losses are known the proposals are a Latin hypercube.
 * Infeasible and failed trials have loss +Infinity: always "bad". Ties in
 * loss keep trial order, so the split does not depend on finishing order.
 */
import type { Rng } from '../core/rng.js';
import { normCdf, normPdf } from '../pricing/normal.js';
import { latinHypercube } from './methods.js';

export interface Observation {
  readonly u: readonly number[];
  /** Lower is better; +Infinity for an infeasible or failed trial. */
  readonly loss: number;
}

export interface TpeOptions {
  /** Share of the points called good. */
  readonly gamma: number;
  /** Candidates drawn from the good density per proposal. */
  readonly candidates: number;
  /** Losses needed before the model is used. */
  readonly startup: number;
}

export const TPE_DEFAULTS: TpeOptions = { gamma: 0.25, candidates: 24, startup: 10 };

const PRIOR_MEAN = 0.5;
const PRIOR_SD = 1;

interface Mixture {
  readonly means: Float64Array;
  readonly sds: Float64Array;
  /** Mass of each component inside [0, 1], for the truncated density. */
  readonly mass: Float64Array;
}

/**
 * Per-kernel bandwidths as hyperopt's adaptive Parzen estimator: the wider
 * gap to a neighbouring centre (the cube's edges count as neighbours),
 * clipped to [PRIOR_SD / min(100, n + 1), PRIOR_SD] where n is the number of
 * points seen; the clip keeps the density from collapsing onto one point.
 */
function mixture(centres: readonly number[], seen: number): Mixture {
  const m = centres.length;
  const order = centres.map((_, i) => i).sort((a, b) => centres[a] - centres[b]);
  const means = new Float64Array(m + 1);
  const sds = new Float64Array(m + 1);
  const mass = new Float64Array(m + 1);
  const lowest = PRIOR_SD / Math.min(100, seen + 1);
  for (let r = 0; r < m; r++) {
    const i = order[r];
    const left = r > 0 ? centres[i] - centres[order[r - 1]] : centres[i];
    const right = r < m - 1 ? centres[order[r + 1]] - centres[i] : 1 - centres[i];
    means[i] = centres[i];
    sds[i] = Math.min(PRIOR_SD, Math.max(lowest, left, right));
  }
  means[m] = PRIOR_MEAN;
  sds[m] = PRIOR_SD;
  for (let i = 0; i <= m; i++) mass[i] = normCdf((1 - means[i]) / sds[i]) - normCdf(-means[i] / sds[i]);
  return { means, sds, mass };
}

function density(mx: Mixture, x: number): number {
  let sum = 0;
  for (let i = 0; i < mx.means.length; i++) sum += normPdf((x - mx.means[i]) / mx.sds[i]) / (mx.sds[i] * mx.mass[i]);
  return sum / mx.means.length;
}

/** One draw from component i of the truncated mixture, by rejection into [0, 1). */
function sample(mx: Mixture, i: number, rng: Rng): number {
  for (let tries = 0; tries < 64; tries++) {
    const x = mx.means[i] + mx.sds[i] * rng.normal();
    if (x >= 0 && x < 1) return x;
  }
  // A kernel almost wholly outside the cube (not reachable with centres inside it): fall back to uniform.
  return rng.uniform();
}

/** Proposes `count` new points from the history (see the module comment). */
export function tpePropose(rng: Rng, history: readonly Observation[], count: number, dims: number, options: TpeOptions = TPE_DEFAULTS): number[][] {
  if (history.length < options.startup) return latinHypercube(rng, count, dims);
  const order = history.map((_, i) => i).sort((a, b) => cmpLoss(history[a].loss, history[b].loss) || a - b);
  const finite = order.filter((i) => Number.isFinite(history[i].loss)).length;
  const nGood = Math.max(1, Math.min(finite, Math.ceil(options.gamma * history.length)));
  const good = order.slice(0, nGood);
  const bad = order.slice(nGood);
  const l: Mixture[] = [];
  const g: Mixture[] = [];
  for (let k = 0; k < dims; k++) {
    l.push(mixture(good.map((i) => history[i].u[k]), history.length));
    g.push(mixture(bad.map((i) => history[i].u[k]), history.length));
  }
  const out: number[][] = [];
  for (let c = 0; c < count; c++) {
    let best: number[] = [];
    let bestScore = -Infinity;
    for (let j = 0; j < options.candidates; j++) {
      const x = new Array<number>(dims);
      let score = 0;
      // One component for every dimension (the multivariate form of Falkner, Klein & Hutter 2018):
      // a draw stays near one good point, which follows curved valleys better than mixing coordinates of several.
      const comp = rng.int(good.length + 1);
      for (let k = 0; k < dims; k++) {
        x[k] = sample(l[k], comp, rng);
        score += Math.log(density(l[k], x[k])) - Math.log(density(g[k], x[k]));
      }
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    out.push(best);
  }
  return out;
}

/** NaN sorts last, like +Infinity. */
function cmpLoss(a: number, b: number): number {
  const x = Number.isNaN(a) ? Infinity : a;
  const y = Number.isNaN(b) ? Infinity : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

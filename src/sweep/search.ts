/**
 * A search as rounds of proposals over the unit cube. Random and Latin
 * hypercube give all their points in the first round; TPE a first round of
 * `startup` points (a Latin hypercube), then rounds of `batch` points, each
 * proposed from the losses of every earlier round. A round is run whole
 * before the next is proposed, and losses are read in trial order, so the
 * proposals do not depend on the number of workers.
 */
import { Rng } from '../core/rng.js';
import { latinHypercube, randomPoints } from './methods.js';
import { TPE_DEFAULTS, tpePropose, type Observation } from './tpe.js';

export type CubeMethod = 'random' | 'lhs' | 'tpe';

export interface SearchOptions {
  readonly method: CubeMethod;
  readonly seed: number;
  readonly dims: number;
  /** Total points. */
  readonly trials: number;
  /** Points per TPE round after the first. */
  readonly batch: number;
}

export class CubeSearch {
  private readonly rng: Rng;
  private proposed = 0;

  constructor(private readonly opts: SearchOptions) {
    this.rng = new Rng(opts.seed >>> 0);
  }

  /** The next round given the observations of every earlier point (in proposal order); null when the budget is spent. */
  next(history: readonly Observation[]): number[][] | null {
    const left = this.opts.trials - this.proposed;
    if (left <= 0) return null;
    const { method, dims } = this.opts;
    let round: number[][];
    if (method === 'random') round = randomPoints(this.rng, left, dims);
    else if (method === 'lhs') round = latinHypercube(this.rng, left, dims);
    else {
      const startup = Math.min(left, Math.max(TPE_DEFAULTS.startup, this.opts.batch));
      round = this.proposed === 0 ? latinHypercube(this.rng, startup, dims) : tpePropose(this.rng, history, Math.min(left, this.opts.batch), dims);
    }
    this.proposed += round.length;
    return round;
  }
}

/** Runs a search against a function of the cube (tests and the bench): returns every observation in order. */
export function minimise(fn: (u: readonly number[]) => number, opts: SearchOptions): Observation[] {
  const search = new CubeSearch(opts);
  const history: Observation[] = [];
  for (let round = search.next(history); round !== null; round = search.next(history)) {
    for (const u of round) history.push({ u, loss: fn(u) });
  }
  return history;
}

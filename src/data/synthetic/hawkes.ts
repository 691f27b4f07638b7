/**
 * Self-exciting point process with an exponential kernel (Hawkes 1971):
 *
 *   λ(t) = μ(t) + Σ_{t_j < t} α·e^{−β (t − t_j)},   n = α/β (branching ratio)
 *
 * Each event raises the intensity by α, which decays with half-life ln2/β;
 * on average each event has n children, so for n < 1 the cluster stays
 * finite. Simulated exactly by Ogata's (1981) thinning: between events the
 * excitation only decays, so the intensity just after the last event bounds
 * it until the next candidate, and no time grid is involved.
 * Time unit is the caller's (days in this module's users); rates per that unit.
 */
import type { Rng } from '../../core/rng.js';

export interface HawkesExpParams {
  /** Immigrant (baseline) rate μ while the baseline is on, events per time unit. */
  readonly baselineRate: number;
  /** n = α/β: expected direct children per event; must be < 1 for a finite mean. */
  readonly branchingRatio: number;
  /** β: excitation decay rate per time unit (half-life ln2/β). */
  readonly decayRate: number;
}

/**
 * Event times in [0, horizon), sorted. The baseline is on during
 * [0, baselineUntil) and off after it (the crash regime ends), while
 * excitation from earlier events keeps producing children after it.
 */
export function simulateHawkesExp(
  p: HawkesExpParams,
  horizon: number,
  rng: Rng,
  baselineUntil: number = horizon,
): Float64Array {
  const { baselineRate: mu, branchingRatio: n, decayRate: beta } = p;
  if (!(mu >= 0) || !(n >= 0 && n < 1) || !(beta > 0) || !(horizon >= 0)) {
    throw new RangeError(`Hawkes parameters out of range: baselineRate=${mu}, branchingRatio=${n}, decayRate=${beta}, horizon=${horizon}`);
  }
  const alpha = n * beta;
  const out: number[] = [];
  let t = 0;
  let excitation = 0; // Σ α e^{−β(t − t_j)} just after time t
  for (;;) {
    const base = t < baselineUntil ? mu : 0;
    const bound = base + excitation;
    if (bound <= 0) break;
    const w = rng.exponential(bound);
    const tNext = t + w;
    // The baseline may switch off inside the step; thinning with the old bound is still valid (the bound stays an upper bound).
    excitation *= Math.exp(-beta * w);
    t = tNext;
    if (t >= horizon) break;
    const rate = (t < baselineUntil ? mu : 0) + excitation;
    if (rng.uniform() * bound < rate) {
      out.push(t);
      excitation += alpha;
    }
  }
  return Float64Array.from(out);
}

/**
 * Closed-form E[N(T)] from an empty history with the baseline always on.
 * E[λ(t)] solves dm/dt = βμ − β(1−n)m with m(0) = μ, giving
 * m(t) = μ/(1−n) − μn/(1−n)·e^{−β(1−n)t}; integrating over [0, T]:
 *   E[N(T)] = μT/(1−n) − μn/(β(1−n)²)·(1 − e^{−β(1−n)T}).
 * For T ≫ 1/(β(1−n)) this tends to the stationary μT/(1−n).
 */
export function hawkesExpectedCount(p: HawkesExpParams, horizon: number): number {
  const { baselineRate: mu, branchingRatio: n, decayRate: beta } = p;
  const k = beta * (1 - n);
  return (mu * horizon) / (1 - n) - ((mu * n) / (beta * (1 - n) ** 2)) * (1 - Math.exp(-k * horizon));
}

/** Total expected events (children included, whenever they occur) from immigrants over a baseline span: μ·span/(1−n). */
export function hawkesClusterTotal(p: HawkesExpParams, baselineSpan: number): number {
  return (p.baselineRate * baselineSpan) / (1 - p.branchingRatio);
}

/**
 * Overfitting guards for parameter sweeps: how much of the best trial's
 * result is the luck of having tried many.
 *
 * - Deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe
 *   Ratio", Journal of Portfolio Management 40(5), 2014): the probability
 *   that the selected trial's true Sharpe ratio exceeds the Sharpe ratio the
 *   best of N skill-less trials would show by chance, given the sample length
 *   and the skewness and kurtosis of its returns.
 * - Probability of backtest overfitting by combinatorially symmetric
 *   cross-validation (Bailey, Borwein, López de Prado & Zhu, "The Probability
 *   of Backtest Overfitting", Journal of Computational Finance 20(4), 2017):
 *   how often the in-sample best trial lands at or below the median out of
 *   sample.
 *
 * Sharpe ratios here are per period (per bar of the return series), not
 * annualised: the formulas take the sample length T in the same periods.
 */
import { NumericalError } from '../core/errors.js';
import { normCdf, normInv } from '../pricing/normal.js';

/** Euler–Mascheroni constant γ, in the expected maximum of N normal draws. */
export const EULER_MASCHERONI = 0.5772156649015329;

/** Moments of a return series, as the deflated Sharpe ratio needs them. */
export interface ReturnMoments {
  /** Observations T. */
  readonly count: number;
  readonly mean: number;
  /** Sample standard deviation (T − 1 in the denominator), per period. */
  readonly sd: number;
  /** mean / sd, per period; NaN when sd = 0. */
  readonly sharpe: number;
  /** m3 / m2^(3/2) with central moments m_k = Σ(r − mean)^k / T (0 for a normal law). */
  readonly skewness: number;
  /** m4 / m2² (3 for a normal law, not the excess). */
  readonly kurtosis: number;
}

/**
 * Mean, sd, Sharpe, skewness and kurtosis of `returns` (NaN skipped). The
 * higher moments use the plain 1/T estimators the DSR paper writes, the sd
 * the T − 1 one that performanceStats uses for its Sharpe ratio, so a sweep
 * deflates the same Sharpe it reports.
 */
export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (Number.isNaN(r)) continue;
    n++;
    sum += r;
  }
  const mean = n > 0 ? sum / n : Number.NaN;
  // Second pass on deviations: the moments of a series with a large mean lose nothing to cancellation.
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (Number.isNaN(r)) continue;
    const d = r - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = n >= 2 ? Math.sqrt(m2 / (n - 1)) : Number.NaN;
  const c2 = m2 / n;
  return {
    count: n,
    mean,
    sd,
    sharpe: sd > 0 ? mean / sd : Number.NaN,
    skewness: c2 > 0 ? m3 / n / c2 ** 1.5 : Number.NaN,
    kurtosis: c2 > 0 ? m4 / n / (c2 * c2) : Number.NaN,
  };
}

/**
 * Expected maximum of N per-period Sharpe ratios of skill-less trials whose
 * Sharpe ratios vary across trials with variance V (the DSR paper's SR₀):
 *   SR₀ = √V · [(1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))].
 * One trial has nothing selected from it: SR₀ = 0.
 */
export function expectedMaxSharpe(trials: number, trialSharpeVariance: number): number {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new NumericalError(`number of trials must be a whole number ≥ 1, got ${trials}`, { field: 'trials' });
  }
  if (!(trialSharpeVariance >= 0) || !Number.isFinite(trialSharpeVariance)) {
    throw new NumericalError(`variance of the trials' Sharpe ratios must be finite and ≥ 0, got ${trialSharpeVariance}`, { field: 'trialSharpeVariance' });
  }
  if (trials === 1) return 0;
  const g = EULER_MASCHERONI;
  return Math.sqrt(trialSharpeVariance) * ((1 - g) * normInv(1 - 1 / trials) + g * normInv(1 - 1 / (trials * Math.E)));
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado 2012): P(true SR >
 * benchmark) for an observed per-period Sharpe `sharpe` over T observations,
 *   Φ( (SR − SR*) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 · SR²) ).
 */
export function probabilisticSharpe(sharpe: number, benchmark: number, observations: number, skewness: number, kurtosis: number): number {
  if (!Number.isInteger(observations) || observations < 2) {
    throw new NumericalError(`a Sharpe ratio's probability needs ≥ 2 observations, got ${observations}`, { field: 'observations' });
  }
  for (const [field, v] of [['sharpe', sharpe], ['benchmark', benchmark], ['skewness', skewness], ['kurtosis', kurtosis]] as const) {
    if (!Number.isFinite(v)) throw new NumericalError(`${field} must be finite, got ${v}`, { field });
  }
  const denom = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(denom > 0)) {
    // Only reachable with moments no sample has (kurtosis ≥ 1 + skewness² always holds for data).
    throw new NumericalError(`Sharpe ratio variance term 1 − γ₃·SR + (γ₄ − 1)/4·SR² is ${denom} ≤ 0 (skewness ${skewness}, kurtosis ${kurtosis})`, { field: 'kurtosis' });
  }
  return normCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(denom));
}

export interface DeflatedSharpeInput {
  /** Per-period (not annualised) Sharpe ratio of the selected trial. */
  readonly sharpe: number;
  /** Return observations T behind that Sharpe ratio. */
  readonly observations: number;
  /** Skewness γ₃ of the selected trial's returns (0 for a normal law). */
  readonly skewness: number;
  /** Kurtosis γ₄ of the selected trial's returns (3 for a normal law; not the excess). */
  readonly kurtosis: number;
  /** Independent trials N tried before selecting this one. */
  readonly trials: number;
  /** Variance V across the trials of their per-period Sharpe ratios. */
  readonly trialSharpeVariance: number;
}

export interface DeflatedSharpe {
  /** SR₀, the expected maximum per-period Sharpe ratio of N skill-less trials. */
  readonly expectedMaxSharpe: number;
  /** P(true SR > SR₀): the DSR, in [0, 1]; above 0.95 is the paper's bar for a discovery. */
  readonly probability: number;
}

/** The deflated Sharpe ratio: the probabilistic Sharpe ratio against SR₀ (see the module comment). */
export function deflatedSharpe(input: DeflatedSharpeInput): DeflatedSharpe {
  const sr0 = expectedMaxSharpe(input.trials, input.trialSharpeVariance);
  return { expectedMaxSharpe: sr0, probability: probabilisticSharpe(input.sharpe, sr0, input.observations, input.skewness, input.kurtosis) };
}

/**
 * The deflated Sharpe ratio of a selected trial from its return series and
 * the per-period Sharpe ratios of every trial tried (it among them): N is
 * their count and V their sample variance (N − 1 in the denominator).
 */
export function deflatedSharpeOfReturns(returns: ArrayLike<number>, trialSharpes: ArrayLike<number>): DeflatedSharpe {
  const m = returnMoments(returns);
  const n = trialSharpes.length;
  if (n < 1) throw new NumericalError('no trial Sharpe ratios given', { field: 'trialSharpes' });
  let mean = 0;
  for (let i = 0; i < n; i++) mean += trialSharpes[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (trialSharpes[i] - mean) ** 2;
  return deflatedSharpe({
    sharpe: m.sharpe,
    observations: m.count,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
    trials: n,
    trialSharpeVariance: n >= 2 ? ss / (n - 1) : 0,
  });
}

/** How a trial's performance over a set of periods is scored for ranking. */
export type PboMetric = 'sharpe' | 'mean';

export interface PboOptions {
  /** Submatrices S the T periods are cut into: even, ≥ 2, ≤ T. */
  readonly partitions: number;
  /** Score of a trial over a set of rows: mean / sd (sample sd; default) or the mean. */
  readonly metric?: PboMetric;
}

export interface PboResult {
  /** Share of the combinations whose logit is ≤ 0: the in-sample best was at or below the median out of sample. */
  readonly pbo: number;
  /** Combinations C(S, S/2). */
  readonly combinations: number;
  /** λ_c = ln(ω_c / (1 − ω_c)) for each combination, in the lexicographic order of its in-sample blocks. */
  readonly logits: Float64Array;
  /** Out-of-sample score of the in-sample best trial, per combination. */
  readonly oosScoreOfBest: Float64Array;
  /** Share of combinations where the in-sample best scored < 0 out of sample. */
  readonly probabilityOfLoss: number;
}

/**
 * Probability of backtest overfitting by CSCV. `performance` is a T × N
 * matrix, row-major (row = period, column = trial): performance[t·N + n] is
 * trial n's result (usually its return) in period t.
 *
 * The T rows are cut into S contiguous blocks of ⌊T/S⌋ or ⌈T/S⌉ rows (the
 * first T mod S blocks take the extra row; the paper requires S to divide T,
 * this is the same when it does). For every choice of S/2 blocks as the
 * in-sample set J (the rest J̄ out of sample):
 *   1. score each trial on J and on J̄;
 *   2. n* = the in-sample best (ties: the lowest index);
 *   3. its relative rank ω = rank / (N + 1), rank in 1 … N of its J̄ score
 *      among the N trials ascending (ties take their mid-rank, so a trial no
 *      better than the others sits at the middle, not at an extreme);
 *   4. λ = ln(ω / (1 − ω)).
 * PBO = #{λ ≤ 0} / C(S, S/2). A Sharpe score over rows with zero spread is
 * ±Infinity by the sign of its mean (0 for a zero mean), so a riskless gain
 * outranks every risky one.
 */
export function pbo(performance: ArrayLike<number>, trials: number, options: PboOptions): PboResult {
  const S = options.partitions;
  const metric = options.metric ?? 'sharpe';
  const N = trials;
  if (!Number.isInteger(N) || N < 2) throw new NumericalError(`PBO ranks trials against each other: needs ≥ 2 trials, got ${N}`, { field: 'trials' });
  if (performance.length % N !== 0) {
    throw new NumericalError(`performance has ${performance.length} entries, not a multiple of ${N} trials`, { field: 'performance' });
  }
  const T = performance.length / N;
  if (!Number.isInteger(S) || S < 2 || S % 2 !== 0) throw new NumericalError(`partitions must be an even whole number ≥ 2, got ${S}`, { field: 'partitions' });
  if (S > T) throw new NumericalError(`partitions (${S}) cannot exceed the periods (${T})`, { field: 'partitions' });
  for (let i = 0; i < performance.length; i++) {
    if (!Number.isFinite(performance[i])) {
      throw new NumericalError(`performance of trial ${i % N} in period ${Math.floor(i / N)} is ${performance[i]}`, { field: 'performance' });
    }
  }

  // Per block and trial: row count, mean and sum of squared deviations (two passes within the
  // block), so a union of blocks is scored by merging S/2 of them (Chan, Golub & LeVeque 1979)
  // without the cancellation of raw sums of squares.
  const blockCount = new Float64Array(S);
  const blockMean = new Float64Array(S * N);
  const blockM2 = new Float64Array(S * N);
  const base = Math.floor(T / S);
  const extra = T % S;
  let first = 0;
  for (let b = 0; b < S; b++) {
    const rows = base + (b < extra ? 1 : 0);
    blockCount[b] = rows;
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let r = first; r < first + rows; r++) sum += performance[r * N + n];
      const mean = sum / rows;
      let m2 = 0;
      for (let r = first; r < first + rows; r++) m2 += (performance[r * N + n] - mean) ** 2;
      blockMean[b * N + n] = mean;
      blockM2[b * N + n] = m2;
    }
    first += rows;
  }

  const half = S / 2;
  const combos = binomial(S, half);
  const logits = new Float64Array(combos);
  const oosBest = new Float64Array(combos);
  const inSet = new Uint8Array(S);
  const chosen = Int32Array.from({ length: half }, (_, i) => i);
  const isScore = new Float64Array(N);
  const oosScore = new Float64Array(N);
  let overfit = 0;
  let losses = 0;

  for (let c = 0; c < combos; c++) {
    inSet.fill(0);
    for (let k = 0; k < half; k++) inSet[chosen[k]] = 1;
    for (let n = 0; n < N; n++) {
      isScore[n] = scoreOf(blockCount, blockMean, blockM2, inSet, 1, n, N, metric);
      oosScore[n] = scoreOf(blockCount, blockMean, blockM2, inSet, 0, n, N, metric);
    }
    let best = 0;
    for (let n = 1; n < N; n++) if (isScore[n] > isScore[best]) best = n;
    const x = oosScore[best];
    let below = 0;
    let equal = 0;
    for (let n = 0; n < N; n++) {
      if (oosScore[n] < x) below++;
      else if (oosScore[n] === x) equal++;
    }
    // Mid-rank: the `equal` tied trials (n* among them) share ranks below+1 … below+equal.
    const rank = below + (equal + 1) / 2;
    const omega = rank / (N + 1);
    const lambda = Math.log(omega / (1 - omega));
    logits[c] = lambda;
    oosBest[c] = x;
    if (lambda <= 0) overfit++;
    if (x < 0) losses++;
    nextCombination(chosen, S);
  }

  return { pbo: overfit / combos, combinations: combos, logits, oosScoreOfBest: oosBest, probabilityOfLoss: losses / combos };
}

function scoreOf(
  count: Float64Array,
  blockMean: Float64Array,
  blockM2: Float64Array,
  inSet: Uint8Array,
  side: number,
  n: number,
  N: number,
  metric: PboMetric,
): number {
  let k = 0;
  let mean = 0;
  let m2 = 0;
  for (let b = 0; b < count.length; b++) {
    if (inSet[b] !== side) continue;
    const kb = count[b];
    const mb = blockMean[b * N + n];
    const total = k + kb;
    const delta = mb - mean;
    mean += (delta * kb) / total;
    m2 += blockM2[b * N + n] + (delta * delta * k * kb) / total;
    k = total;
  }
  if (metric === 'mean') return mean;
  const variance = k >= 2 ? m2 / (k - 1) : 0;
  if (variance === 0) return mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  return mean / Math.sqrt(variance);
}

/** C(n, k) exactly for the sizes a sweep uses (C(24, 12) = 2 704 156). */
export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Advances `chosen` (ascending indices in 0 … S − 1) to the next combination in lexicographic order. */
function nextCombination(chosen: Int32Array, S: number): void {
  const k = chosen.length;
  let i = k - 1;
  while (i >= 0 && chosen[i] === S - k + i) i--;
  if (i < 0) return;
  chosen[i]++;
  for (let j = i + 1; j < k; j++) chosen[j] = chosen[j - 1] + 1;
}

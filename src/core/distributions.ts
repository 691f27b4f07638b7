/**
 * The samplers every component draws its parameters with: one
 * implementation per law, each written the way the golden cards pin it
 * (the order of operations fixes the bits). A sampler takes the variate it
 * transforms (a uniform u, or a standard normal z) rather than the stream, so
 * the caller keeps the order in which its stream is consumed. The log-normal's
 * spread is `logSd`, the standard deviation of the log, whatever a config
 * calls it (`sigma`, `sigmaLog`, `logSd`: the scenario files keep their names).
 */
import { NumericalError } from './errors.js';
import type { Rng } from './rng.js';

/** min + (max − min)·u: uniform on [min, max] at u in [0, 1). */
export function uniformAt(min: number, max: number, u: number): number {
  return min + (max - min) * u;
}

/** mean + sd · z: normal at the standard normal z. */
export function normalAt(mean: number, sd: number, z: number): number {
  return mean + sd * z;
}

/** median · exp(logSd · z): log-normal at the standard normal z. */
export function lognormalAt(median: number, logSd: number, z: number): number {
  return median * Math.exp(logSd * z);
}

/** exp(logMean + logSd · z): the same law written by the mean of the log (not the same bits as lognormalAt(exp(logMean), …)). */
export function lognormalLogMeanAt(logMean: number, logSd: number, z: number): number {
  return Math.exp(logMean + logSd * z);
}

/** min · u^(−1/tailIndex): Pareto with P(X > x) = (min/x)^tailIndex, at u in (0, 1]. */
export function paretoAt(min: number, tailIndex: number, u: number): number {
  return min * Math.pow(u, -1 / tailIndex);
}

/** A positive parameter drawn once per class, bidder or group (the schemas' `distribution` shape). */
export type ParameterDistribution =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** median · exp(sigma · N(0,1)); `sigma` is the log-sd. */
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number };

/** One draw: fixed takes nothing from the stream, uniform one uniform, lognormal one normal. */
export function drawParameter(d: ParameterDistribution, rng: Rng): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return uniformAt(d.min, d.max, rng.uniform());
    case 'lognormal':
      return lognormalAt(d.median, d.sigma, rng.normal());
  }
}

/** Inverse standard normal CDF (Acklam 2003; relative error below 1.2e-9), for stratified threshold draws. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new NumericalError(`normal quantile needs p in (0, 1), got ${p}`, { field: 'p' });
  const a1 = -3.969683028665376e1, a2 = 2.209460984245205e2, a3 = -2.759285104469687e2;
  const a4 = 1.38357751867269e2, a5 = -3.066479806614716e1, a6 = 2.506628277459239;
  const b1 = -5.447609879822406e1, b2 = 1.615858368580409e2, b3 = -1.556989798598866e2;
  const b4 = 6.680131188771972e1, b5 = -1.328068155288572e1;
  const c1 = -7.784894002430293e-3, c2 = -3.223964580411365e-1, c3 = -2.400758277161838;
  const c4 = -2.549732539343734, c5 = 4.374664141464968, c6 = 2.938163982698783;
  const d1 = 7.784695709041462e-3, d2 = 3.224671290700398e-1, d3 = 2.445134137142996, d4 = 3.754408661907416;
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q) / (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1);
}

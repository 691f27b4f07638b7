/**
 * Historical value at risk and expected shortfall of a loss series (losses
 * positive), and the "margin set by ES" comparison of docs/model.md#var-and-expected-shortfall.
 *
 * Definitions (for N observed losses sorted x(1) ≤ … ≤ x(N), level α):
 * - VaR_α = x(k) with k = ⌈αN⌉: the smallest loss l with F_N(l) ≥ α (the
 *   lower α-quantile of the empirical distribution).
 * - ES_α = [Σ_{i>k} x(i) + (k − αN)·x(k)] / (N(1 − α)): the exact expected
 *   shortfall of the empirical distribution (Acerbi & Tasche 2002, eq. 3.3
 *   with the fractional weight on the VaR observation), so it is coherent and
 *   equals the mean of the N(1 − α) largest losses when αN is an integer.
 * NaN observations are skipped (bars where the loss is undefined).
 */

export interface VarEs {
  readonly level: number;
  /** Non-NaN observations used. */
  readonly count: number;
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`quantile level must lie in (0, 1), got ${level}`);
}

/** k = ⌈αN⌉, robust to αN landing a few ulps above an integer (0.975·200 = 195.00000000000003). */
function quantileRank(level: number, n: number): number {
  const an = level * n;
  const r = Math.round(an);
  const k = Math.abs(an - r) <= 1e-9 * Math.max(1, an) ? r : Math.ceil(an);
  return Math.min(n, Math.max(1, k));
}

/**
 * VaR and ES of `losses` at `level` (e.g. 0.99). `scratch` (length ≥
 * losses.length) avoids allocating the sorted copy; the input is not changed.
 */
export function historicalVarEs(losses: Float64Array, level: number, scratch?: Float64Array): VarEs {
  checkLevel(level);
  const buf = scratch !== undefined && scratch.length >= losses.length ? scratch : new Float64Array(losses.length);
  let n = 0;
  for (let i = 0; i < losses.length; i++) {
    const x = losses[i];
    if (!Number.isNaN(x)) buf[n++] = x;
  }
  if (n === 0) return { level, count: 0, valueAtRisk: Number.NaN, expectedShortfall: Number.NaN };
  const sorted = buf.subarray(0, n).sort();
  const k = quantileRank(level, n);
  const varLoss = sorted[k - 1];
  let tail = 0;
  for (let i = k; i < n; i++) tail += sorted[i];
  const es = (tail + (k - level * n) * varLoss) / (n * (1 - level));
  return { level, count: n, valueAtRisk: varLoss, expectedShortfall: es };
}

/** Historical VaR_α of a loss series (see the module comment). */
export function historicalVar(losses: Float64Array, level: number, scratch?: Float64Array): number {
  return historicalVarEs(losses, level, scratch).valueAtRisk;
}

/** Historical ES_α of a loss series (see the module comment). */
export function expectedShortfall(losses: Float64Array, level: number, scratch?: Float64Array): number {
  return historicalVarEs(losses, level, scratch).expectedShortfall;
}

/**
 * Loss fraction of a position held over `horizonBars`, from every start bar:
 * l_t = 1 − P_{t+h} / P_t for t = 0 … N − h − 1 (overlapping windows). A rise
 * is a negative loss.
 */
export function horizonLosses(prices: Float64Array, horizonBars: number, out?: Float64Array): Float64Array {
  if (!Number.isInteger(horizonBars) || horizonBars < 1) throw new RangeError(`horizon must be a whole number of bars ≥ 1, got ${horizonBars}`);
  const m = Math.max(0, prices.length - horizonBars);
  const res = out !== undefined && out.length >= m ? out.subarray(0, m) : new Float64Array(m);
  for (let t = 0; t < m; t++) res[t] = 1 - prices[t + horizonBars] / prices[t];
  return res;
}

export interface EsMarginComparison {
  readonly horizonBars: number;
  readonly level: number;
  /** Start bars with a full horizon after them. */
  readonly horizons: number;
  /** VaR_α and ES_α of the horizon loss fraction. */
  readonly varLoss: number;
  readonly esLoss: number;
  /** Collateral / debt that covers a fall of ES_α over the horizon: 1 / (1 − ES_α) (∞ when ES_α ≥ 1). */
  readonly esCollateralRatio: number;
  /** The static ratio at the liquidation point: 1 / LT. */
  readonly staticCollateralRatio: number;
  /** Horizons whose loss exceeded 1 − LT: the static ratio left debt uncovered. */
  readonly staticBreaches: number;
}

/**
 * Margin set by expected shortfall vs a static collateral ratio on the same
 * path. An account liquidated when collateral·P = debt / LT holds collateral
 * worth CR·debt with CR = 1/LT, and the liquidation takes `horizonBars` to
 * complete. If the price falls by a fraction l meanwhile the collateral is
 * worth CR·(1 − l)·debt, which covers the debt iff CR ≥ 1 / (1 − l). So the
 * ratio that covers the ES_α of l is 1 / (1 − ES_α), and the static ratio is
 * breached (bad debt) on the horizons with l > 1 − LT. The penalty and
 * execution cost are not in the ratio: it is the margin for price risk alone.
 */
export function esMarginComparison(
  prices: Float64Array,
  horizonBars: number,
  level: number,
  liquidationThreshold: number,
): EsMarginComparison {
  checkLevel(level);
  if (!(liquidationThreshold > 0 && liquidationThreshold <= 1)) {
    throw new RangeError(`liquidation threshold must lie in (0, 1], got ${liquidationThreshold}`);
  }
  const losses = horizonLosses(prices, horizonBars);
  const { valueAtRisk, expectedShortfall: es } = historicalVarEs(losses, level);
  let breaches = 0;
  const limit = 1 - liquidationThreshold;
  for (let t = 0; t < losses.length; t++) if (losses[t] > limit) breaches++;
  return {
    horizonBars,
    level,
    horizons: losses.length,
    varLoss: valueAtRisk,
    esLoss: es,
    esCollateralRatio: es >= 1 ? Infinity : Number.isNaN(es) ? Number.NaN : 1 / (1 - es),
    staticCollateralRatio: 1 / liquidationThreshold,
    staticBreaches: breaches,
  };
}

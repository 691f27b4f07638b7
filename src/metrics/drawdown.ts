/** Largest peak-to-trough fall of a price path, as a fraction of the peak (0 when it never falls). */
export interface Drawdown {
  /** (peak - trough) / peak, in [0, 1). */
  readonly fraction: number;
  readonly peakIndex: number;
  readonly troughIndex: number;
}

export function maxDrawdown(prices: Float64Array, from = 0, to = prices.length): Drawdown {
  let peak = -Infinity;
  let peakAt = from;
  let best = 0;
  let bestPeak = from;
  let bestTrough = from;
  for (let i = from; i < to; i++) {
    const p = prices[i];
    if (p > peak) {
      peak = p;
      peakAt = i;
    }
    const dd = (peak - p) / peak;
    if (dd > best) {
      best = dd;
      bestPeak = peakAt;
      bestTrough = i;
    }
  }
  return { fraction: best, peakIndex: bestPeak, troughIndex: bestTrough };
}

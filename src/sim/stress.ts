/**
 * Public stress signals (docs/model.md#stress-signals): what any market
 * participant can see at the start of a bar, computed by the engine from
 * information up to the end of the previous bar (no look-ahead). Behaviours
 * (deleveraging, backstop flight, liquidity providers, herding) respond to
 * them, each participant with its own thresholds.
 */
export interface StressSignals {
  /** Fraction below the running peak of the simulated mid, at the bar start, in [0, 1). */
  drawdown: number;
  /** Realised vol (fast EWMA, known at the bar start) over the calm vol: 1 = calm. */
  volRatio: number;
  /**
   * Forced-selling velocity: EWMA (half-life `liquidationHalfLifeMs`) of the
   * quote volume of liquidation and auction fills per minute, through the
   * previous bar.
   */
  liquidationQuotePerMin: number;
}

export function makeStressSignals(): StressSignals {
  return { drawdown: 0, volRatio: 1, liquidationQuotePerMin: 0 };
}

/** Thresholds of one participant: it acts when any signal reaches its threshold. */
export interface StressThresholds {
  drawdown: number;
  volRatio: number;
  liquidationQuotePerMin: number;
}

/**
 * How far past its thresholds a participant is: max over signals of
 * signal / threshold (≥ 1 means it acts). An infinite threshold ignores that
 * signal.
 */
export function stressScore(s: StressSignals, t: StressThresholds): number {
  const a = t.drawdown > 0 ? s.drawdown / t.drawdown : Infinity;
  const b = t.volRatio > 0 ? s.volRatio / t.volRatio : Infinity;
  const c = t.liquidationQuotePerMin > 0 ? s.liquidationQuotePerMin / t.liquidationQuotePerMin : Infinity;
  return Math.max(a, b, c);
}

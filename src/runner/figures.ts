import { esMarginComparison } from '../metrics/riskMeasures.js';
import { attributeImpact } from '../metrics/impactAttribution.js';
import { paradoxIndex } from '../metrics/paradox.js';
import type { Columns } from '../sim/recorder.js';
import type { TradeLog } from '../sim/tradeLog.js';

/**
 * Figures that combine several owners' records (the engine's path and trade
 * log, the protocol's, the dealer's, the behaviours'). Each reads the typed
 * columns its owners declared, so a renamed column fails to compile here.
 */

/** Share of the endogenous move due to each trade cause, causes with no share left out. */
export function moveShareByCause(trades: TradeLog): Record<string, number> {
  const impact = attributeImpact(trades);
  return Object.fromEntries(Object.entries(impact.shares).filter(([, v]) => v !== 0));
}

/**
 * Peak over the bars of the liquidation and gamma branching ratios summed
 * (docs/model.md#branching-ratios-and-criticality); an absent owner or an undefined (NaN) bar counts 0.
 */
export function peakBranchingRatioSum(
  bars: number,
  protocol: Columns<'liquidation_branching_ratio'> | null,
  dealer: Columns<'gamma_branching_ratio'> | null,
): number {
  const l = protocol ? protocol.liquidation_branching_ratio : null;
  const g = dealer ? dealer.gamma_branching_ratio : null;
  let peak = 0;
  for (let i = 0; i < bars; i++) {
    const sum = (l && !Number.isNaN(l[i]) ? l[i] : 0) + (g && !Number.isNaN(g[i]) ? g[i] : 0);
    if (sum > peak) peak = sum;
  }
  return peak;
}

/** The protocol's static collateral ratio against the ES of 60-bar moves of the simulated path. */
export function marginFigures(market: Columns<'simulated_close'>, meanThreshold: number): Record<string, number> {
  const margin = esMarginComparison(market.simulated_close, 60, 0.99, meanThreshold);
  return {
    esCollateralRatio60Bars: margin.esCollateralRatio,
    staticCollateralRatio: margin.staticCollateralRatio,
    staticRatioBreaches60Bars: margin.staticBreaches,
  };
}

/** The series the paradox figures read, each from its owner; null where the owner is absent. */
export interface ParadoxSources {
  readonly market: Columns<'simulated_close'>;
  /** The engine's venue columns (with a liquidity model). */
  readonly venue: Columns<'depth_per_log_price'> | null;
  readonly liquidityProviders: Columns<'lp_depth_factor'> | null;
  readonly protocol: Columns<'liquidation_volume_quote'>;
  readonly flight: Columns<
    'backstop_flight_stress_flag' | 'backstop_flight_paid_quote' | 'backstop_flight_available_quote' | 'backstop_flight_withdrawn_total_quote'
  > | null;
}

/**
 * The paradox index (src/metrics/paradox.ts): capital that left (backstop
 * withdrawals plus book depth withdrawn, quote) between the first stress
 * signal and the trough, over the liquidations near the trough. The onset is
 * the first bar any depositor's thresholds were crossed, else the first bar
 * the liquidity providers pulled depth, else the first liquidation.
 */
export function paradoxFigures(src: ParadoxSources): Record<string, unknown> {
  const close = src.market.simulated_close;
  const n = close.length;
  const stress = new Float64Array(n);
  const flag = src.flight ? src.flight.backstop_flight_stress_flag : null;
  const lp = src.liquidityProviders ? src.liquidityProviders.lp_depth_factor : null;
  const liq = src.protocol.liquidation_volume_quote;
  for (let i = 0; i < n; i++) {
    stress[i] = (flag && flag[i] >= 1) || (lp && lp[i] < 1) || (!flag && !lp && liq[i] > 0) ? 1 : 0;
  }
  const withdrawn = src.flight ? src.flight.backstop_flight_paid_quote : undefined;
  const available = src.flight ? src.flight.backstop_flight_available_quote : undefined;
  // Book capital: the quote that moves the price 1%, D · 0.01 · S.
  let depthQuote: Float64Array | undefined;
  if (src.venue) {
    const d = src.venue.depth_per_log_price;
    depthQuote = new Float64Array(n);
    for (let i = 0; i < n; i++) depthQuote[i] = d[i] * 0.01 * close[i];
  }
  const p = paradoxIndex({
    simulatedClose: close,
    liquidationQuote: liq,
    stress,
    ...(depthQuote ? { depthQuote } : {}),
    ...(withdrawn ? { backstopWithdrawnQuote: withdrawn } : {}),
    ...(available ? { backstopAvailableQuote: available } : {}),
  });
  // Backstop capacity lost to flight at the moment of peak liquidations:
  // what depositors had withdrawn by the bar with the largest liquidation volume.
  let peakBar = 0;
  for (let i = 1; i < n; i++) if (liq[i] > liq[peakBar]) peakBar = i;
  const withdrawnTotal = src.flight ? src.flight.backstop_flight_withdrawn_total_quote : null;
  return {
    paradoxIndex: p.index,
    backstopLostAtPeakLiquidationsQuote: withdrawnTotal ? withdrawnTotal[peakBar] : 0,
    paradox: {
      stressBar: p.stressBar,
      troughBar: p.troughBar,
      backstopLeftQuote: p.backstopLeftQuote,
      depthLeftQuote: p.depthLeftQuote,
      liquidationNearTroughQuote: p.liquidationNearTroughQuote,
      backstopAvailableAtTroughQuote: p.backstopAvailableAtTroughQuote,
    },
  };
}

import type { Scenario } from '../config/scenario.js';
import { DealerAgent } from '../dealer/dealerAgent.js';
import { ProtocolAgent } from '../protocol/protocolAgent.js';
import { SETTLE } from '../protocol/settlement.js';
import { attributeImpact } from '../metrics/impactAttribution.js';
import { esMarginComparison, historicalVarEs } from '../metrics/riskMeasures.js';
import { paradoxIndex } from '../metrics/paradox.js';
import { HerdingAgent } from '../behaviour/herding.js';
import { buildEngineParts, type BuildOverrides, type BuildReport } from './build.js';
import { runSimulation, type RunData, type RunHooks, type RunResult } from '../engine/run.js';

export interface BacktestResult extends RunResult {
  readonly build: BuildReport;
}

/** Builds the scenario's parts and runs them over the data; figures gain the dealer's totals. */
export function runBacktest(scenario: Scenario, data: RunData, baseDir: string, hooks: RunHooks = {}, overrides: BuildOverrides = {}): BacktestResult {
  const { parts, report } = buildEngineParts(scenario, data, baseDir, overrides);
  const result = runSimulation(scenario, data, parts, hooks);
  const dealer = parts.agents.find((a): a is DealerAgent => a instanceof DealerAgent);
  const rec = result.recorder;
  let peakGamma = 0;
  if (rec.has('gamma_branching_ratio')) {
    const g = rec.get('gamma_branching_ratio');
    for (let i = 0; i < g.length; i++) if (g[i] > peakGamma) peakGamma = g[i];
  }
  const zeroPnl = { total: 0, delta: 0, gamma: 0, vega: 0, vanna: 0, volga: 0, theta: 0, execution: 0, newPositions: 0, residual: 0 };
  Object.assign(result.figures, {
    peakGammaBranchingRatio: peakGamma,
    dealerPnl: dealer ? { ...dealer.totals.pnl } : zeroPnl,
    hedgeVolume: dealer ? dealer.totals.hedgeVolumeBase : 0,
    hedgeVolumeQuote: dealer ? dealer.totals.hedgeVolumeQuote : 0,
    executionCost: dealer ? dealer.totals.executionCost : 0,
    dealerStartWealth: dealer ? dealer.totals.startWealth : 0,
    depth1PctQuote: report.depth1PctQuote,
    depthCalibration: report.depthCalibration,
    dealerOptions: report.dealerOptions,
    dealerNetQtyBase: report.dealerNetQtyBase,
  });
  const protocol = parts.agents.find((a): a is ProtocolAgent => a instanceof ProtocolAgent);
  const b = scenario.behaviour;
  const behaviourOn = b.herding.enabled || b.deleveraging.enabled || b.liquidityProviders.enabled || b.backstopFlight.enabled;
  Object.assign(result.figures, protocolFigures(protocol, result, report.protocol?.meanThreshold ?? 1, behaviourOn));
  const herding = parts.agents.find((a): a is HerdingAgent => a instanceof HerdingAgent);
  if (herding) Object.assign(result.figures, { herdingStylized: { note: 'STYLIZED ASSUMPTION: herding holders', ...herding.totals } });
  if (report.warnings.length > 0) Object.assign(result.figures, { warnings: report.warnings });
  return { ...result, build: report };
}

/**
 * The protocol's headline figures (names fixed: `cascade compare` and users'
 * scripts read them).
 */
function protocolFigures(protocol: ProtocolAgent | undefined, result: RunResult, meanThreshold: number, behaviourOn: boolean): Record<string, unknown> {
  const rec = result.recorder;
  const impact = attributeImpact(result.trades);
  const byCause = Object.fromEntries(Object.entries(impact.shares).filter(([, v]) => v !== 0));
  let peakCriticality = 0;
  if (rec.has('liquidation_branching_ratio') || rec.has('gamma_branching_ratio')) {
    const l = rec.has('liquidation_branching_ratio') ? rec.get('liquidation_branching_ratio') : null;
    const g = rec.has('gamma_branching_ratio') ? rec.get('gamma_branching_ratio') : null;
    for (let i = 0; i < rec.bars; i++) {
      const sum = (l && !Number.isNaN(l[i]) ? l[i] : 0) + (g && !Number.isNaN(g[i]) ? g[i] : 0);
      if (sum > peakCriticality) peakCriticality = sum;
    }
  }
  const base = { endogenousMoveShareByCause: byCause, peakBranchingRatioSum: peakCriticality };
  // Without a protocol its figures are absent (empty in `cascade compare`), not zero.
  if (!protocol) return base;
  const t = protocol.totals;
  const s = protocol.settlementTotals();
  // The protocol's loss per bar: what the fund paid plus what became bad debt or was socialized.
  const paid = rec.get('insurance_fund_paid_quote');
  const bad = rec.get('bad_debt_quote');
  const soc = rec.get('socialized_loss_quote');
  const loss = new Float64Array(rec.bars);
  for (let i = 0; i < rec.bars; i++) loss[i] = (paid[i] || 0) + (bad[i] || 0) + (soc[i] || 0);
  const varEs = historicalVarEs(loss, 0.99);
  const margin = esMarginComparison(rec.get('simulated_close'), 60, 0.99, meanThreshold);
  return {
    ...base,
    // Only with a behaviour on: with every behaviour off the outputs stay
    // byte-identical to the run without the behavioural layer.
    ...(behaviourOn ? paradoxFigures(rec) : {}),
    badDebt: s[SETTLE.badDebtQuote],
    socializedLoss: s[SETTLE.socializedQuote],
    liquidationCount: t.liquidationCount,
    firstRoundLiquidations: t.firstRoundLiquidations,
    laterRoundLiquidations: t.laterRoundLiquidations,
    liquidationVolume: t.liquidationVolume,
    liquidatedBase: t.seizedBase,
    insuranceFundUsed: s[SETTLE.fundPaidQuote],
    insuranceFundIncome: s[SETTLE.fundIncomeQuote],
    penaltyIncome: s[SETTLE.penaltyQuote],
    keeperIncome: s[SETTLE.keeperQuote],
    peakMlr: t.peakMlr,
    peakLiquidationBranchingRatio: t.peakLiquidationBranchingRatio,
    peakLiquidationsPerBar: t.peakLiquidationsPerBar,
    barsBlockedByMarginFloor: t.barsBlockedByFloor,
    barsCircuitBreakerTripped: t.barsPaused,
    protocolLossVar99PerBar: varEs.valueAtRisk,
    protocolLossEs99PerBar: varEs.expectedShortfall,
    esCollateralRatio60Bars: margin.esCollateralRatio,
    staticCollateralRatio: margin.staticCollateralRatio,
    staticRatioBreaches60Bars: margin.staticBreaches,
  };
}

/**
 * The paradox index (src/metrics/paradox.ts): capital that left (backstop
 * withdrawals plus book depth withdrawn, quote) between the first stress
 * signal and the trough, over the liquidations near the trough. The onset is
 * the first bar any depositor's thresholds were crossed, else the first bar
 * the liquidity providers pulled depth, else the first liquidation.
 */
function paradoxFigures(rec: RunResult['recorder']): Record<string, unknown> {
  const n = rec.bars;
  const stress = new Float64Array(n);
  const flag = rec.has('backstop_flight_stress_flag') ? rec.get('backstop_flight_stress_flag') : null;
  const lp = rec.has('lp_depth_factor') ? rec.get('lp_depth_factor') : null;
  const liq = rec.get('liquidation_volume_quote');
  for (let i = 0; i < n; i++) {
    stress[i] = (flag && flag[i] >= 1) || (lp && lp[i] < 1) || (!flag && !lp && liq[i] > 0) ? 1 : 0;
  }
  const withdrawn = rec.has('backstop_flight_paid_quote') ? rec.get('backstop_flight_paid_quote') : undefined;
  const available = rec.has('backstop_flight_available_quote') ? rec.get('backstop_flight_available_quote') : undefined;
  // Book capital: the quote that moves the price 1%, D · 0.01 · S.
  const close = rec.get('simulated_close');
  let depthQuote: Float64Array | undefined;
  if (rec.has('depth_per_log_price')) {
    const d = rec.get('depth_per_log_price');
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
  const withdrawnTotal = rec.has('backstop_flight_withdrawn_total_quote') ? rec.get('backstop_flight_withdrawn_total_quote') : null;
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

import type { Scenario } from '../config/scenario.js';
import { DealerAgent } from '../dealer/dealerAgent.js';
import { buildEngineParts, type BuildReport } from './build.js';
import { runSimulation, type RunData, type RunHooks, type RunResult } from './run.js';

export interface BacktestResult extends RunResult {
  readonly build: BuildReport;
}

/** Builds the scenario's parts and runs them over the data; figures gain the dealer's totals. */
export function runBacktest(scenario: Scenario, data: RunData, baseDir: string, hooks: RunHooks = {}): BacktestResult {
  const { parts, report } = buildEngineParts(scenario, data, baseDir);
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
  return { ...result, build: report };
}

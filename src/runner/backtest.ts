import type { Scenario } from '../config/scenario.js';
import { noDealerFigures } from '../dealer/dealerAgent.js';
import { buildEngineParts, type BuildOverrides, type BuildReport } from './build.js';
import { marginFigures, moveShareByCause, paradoxFigures, peakBranchingRatioSum } from './figures.js';
import { Simulation, type RunData, type RunHooks, type RunResult } from '../engine/run.js';
import { StressProfileTracker, type StressProfiles } from './stressProfiles.js';

export interface BacktestResult extends RunResult {
  readonly build: BuildReport;
  /** Smile and dealer gamma profile at the calmest and most stressed bar, for the run report. */
  readonly profiles: StressProfiles;
}

/**
 * Builds the scenario's parts and runs them over the data. The figures gain,
 * in this order (summary.json keeps it): the dealer's (zeros without one),
 * the build's, the cross-owner ones, then with a protocol the paradox
 * figures, the protocol's own and its margin comparison, and the herding
 * holders'. Names are fixed: `cascade compare` and users' scripts read them.
 */
export function runBacktest(scenario: Scenario, data: RunData, baseDir: string, hooks: RunHooks = {}, overrides: BuildOverrides = {}): BacktestResult {
  const { parts, report, roles } = buildEngineParts(scenario, data, baseDir, overrides);
  const { dealer, protocol, herding, flight } = roles;
  // The tracker binds to the columns the Simulation declares in its constructor; the hook
  // first fires inside run(), after that. run() never rolls a bar back, so every call is final.
  const sim = new Simulation(scenario, data, parts, {
    ...hooks,
    onBarEnd: (bar, ledger) => {
      tracker.onBarEnd(bar);
      hooks.onBarEnd?.(bar, ledger);
    },
  });
  const loop = sim.columns.loop;
  const tracker = new StressProfileTracker(loop.realised_vol, loop.simulated_close, loop.time, parts.market.surface, dealer ? dealer.optionBook : null, parts.market.rate, parts.market.dividend);
  const result = sim.run();
  const cols = result.columns;
  const b = scenario.behaviour;
  const behaviourOn = b.herding.enabled || b.deleveraging.enabled || b.liquidityProviders.enabled || b.backstopFlight.enabled;
  Object.assign(
    result.figures,
    dealer ? dealer.summaryFigures() : noDealerFigures(),
    {
      depth1PctQuote: report.depth1PctQuote,
      depthCalibration: report.depthCalibration,
      dealerOptions: report.dealerOptions,
      dealerNetQtyBase: report.dealerNetQtyBase,
      endogenousMoveShareByCause: moveShareByCause(result.trades),
      peakBranchingRatioSum: peakBranchingRatioSum(result.recorder.bars, protocol ? protocol.columns : null, dealer ? dealer.columns : null),
    },
    // Without a protocol its figures are absent (empty in `cascade compare`), not zero.
    protocol
      ? {
          // Only with a behaviour on: with every behaviour off the outputs stay
          // byte-identical to the run without the behavioural layer.
          ...(behaviourOn
            ? paradoxFigures({
                market: cols.loop,
                venue: cols.venue,
                liquidityProviders: cols.liquidityProviders,
                protocol: protocol.columns,
                flight: flight ? flight.columns : null,
              })
            : {}),
          ...protocol.summaryFigures(),
          ...marginFigures(cols.loop, report.protocol?.meanThreshold ?? 1),
        }
      : {},
    herding ? herding.summaryFigures() : {},
    report.warnings.length > 0 ? { warnings: report.warnings } : {},
  );
  return { ...result, build: report, profiles: tracker.profiles() };
}

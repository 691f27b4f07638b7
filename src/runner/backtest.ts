import type { Scenario } from '../config/scenario.js';
import { noDealerFigures } from '../dealer/dealerAgent.js';
import { buildEngineParts, strategyRunConfig, type BuildOverrides, type BuildReport, type LoadedStrategy } from './build.js';
import type { StrategyAgent } from '../strategy/agent.js';
import { runNaiveTwin } from '../strategy/naive.js';
import type { OrdersLog } from '../strategy/ordersLog.js';
import { MS_PER_MINUTE } from '../core/time.js';
import { marginFigures, moveShareByCause, paradoxFigures, peakBranchingRatioSum } from './figures.js';
import { strategyPerformance } from './strategyStats.js';
import { Simulation, type RunData, type RunHooks, type RunResult } from '../engine/run.js';
import { StressProfileTracker, type StressProfiles } from './stressProfiles.js';
import { CascadeError } from '../core/errors.js';
import { StrategyError } from '../strategy/errors.js';
import { recordLiquidationPrints } from './liquidationPrints.js';
import type { AdlEvents } from '../protocol/perp/adl.js';

export interface BacktestResult extends RunResult {
  readonly build: BuildReport;
  /** Smile and dealer gamma profile at the calmest and most stressed bar, for the run report (absent from a run its strategy stopped). */
  readonly profiles?: StressProfiles;
  /** The strategy's orders log (strategy_orders.csv), when a strategy ran. */
  readonly strategyOrders?: OrdersLog;
  /** Auto-deleveraging fills (adl_events.csv), when the protocol runs a perp venue. */
  readonly adlEvents?: AdlEvents;
}

/**
 * A run stopped by its strategy's own error. It carries what the run had
 * recorded up to the failing bar, so the report folder can still be
 * written, marked incomplete (docs/strategies.md#when-a-strategy-fails).
 */
export class IncompleteRunError extends CascadeError {
  readonly partial: BacktestResult;
  /** Bars fully stepped before the failure (the failing bar is `barsCompleted`). */
  readonly barsCompleted: number;

  constructor(cause: StrategyError, partial: BacktestResult, barsCompleted: number) {
    super(cause.reason, cause.location);
    this.cause = cause;
    this.partial = partial;
    this.barsCompleted = barsCompleted;
  }
}

/**
 * Builds the scenario's parts and runs them over the data. The figures gain,
 * in this order (summary.json keeps it): the dealer's (zeros without one),
 * the build's, the cross-owner ones, then with a protocol the paradox
 * figures, the protocol's own and its margin comparison, the herding
 * holders', and with a strategy its figures and statistics beside its
 * naive twin's. Names are fixed: `cascade compare` and users' scripts read them.
 */
export function runBacktest(scenario: Scenario, data: RunData, baseDir: string, hooks: RunHooks = {}, overrides: BuildOverrides = {}): BacktestResult {
  const { parts, report, roles } = buildEngineParts(scenario, data, baseDir, overrides);
  const { dealer, protocol, herding, flight, strategy } = roles;
  // The tracker binds to the columns the Simulation declares in its constructor; the hook
  // first fires inside run(), after that. In inferred mode run() tries bars and rolls them back, but
  // fires the hook only once a bar is final, so every call is final.
  const sim = new Simulation(scenario, data, parts, {
    ...hooks,
    onBarEnd: (bar, ledger) => {
      tracker.onBarEnd(bar);
      hooks.onBarEnd?.(bar, ledger);
    },
  });
  const loop = sim.columns.loop;
  const tracker = new StressProfileTracker(loop.realised_vol, loop.simulated_close, loop.time, parts.market.surface, dealer ? dealer.optionBook : null, parts.market.rate, parts.market.dividend);
  let result: RunResult;
  try {
    result = sim.run();
  } catch (err) {
    if (!(err instanceof StrategyError)) throw err;
    throw new IncompleteRunError(err, { ...sim.result(), build: report, ...(strategy ? { strategyOrders: strategy.log } : {}) }, sim.nextBar);
  }
  const cols = result.columns;
  const b = scenario.behaviour;
  const behaviourOn = b.herding.enabled || b.deleveraging.enabled || b.liquidityProviders.enabled || b.backstopFlight.enabled;
  // A contagion bond is judged by the paradox index too (with and without it), so it turns the paradox figures on.
  const paradoxOn = behaviourOn || scenario.protocol.defences.contagionBond !== undefined;
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
          ...(paradoxOn
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
    report.surfaceChain ? { surfaceChain: report.surfaceChain } : {},
    report.warnings.length > 0 ? { warnings: report.warnings } : {},
    strategy && overrides.strategy ? { strategy: strategyFigures(scenario, data, overrides.strategy, strategy) } : {},
    recordLiquidationPrints(scenario, baseDir, result.recorder, loop.time),
  );
  const perp = protocol?.perp;
  return { ...result, build: report, profiles: tracker.profiles(), ...(strategy ? { strategyOrders: strategy.log } : {}), ...(perp ? { adlEvents: perp.events } : {}) };
}

/**
 * The strategy's figures from the simulated run and from its naive twin on
 * the same bars (no market model), side by side, each with its performance
 * statistics under `stats`; the twin's equity goes into the
 * strategy_naive_equity column.
 */
function strategyFigures(scenario: Scenario, data: RunData, loaded: LoadedStrategy, agent: StrategyAgent): Record<string, unknown> {
  const s = scenario.strategy;
  const capital = s?.capitalQuote ?? Number.NaN;
  const figures = agent.figures();
  const cols = agent.columns;
  const simulated = cols
    ? {
        ...figures,
        stats: strategyPerformance(data.bars, capital, {
          equity: cols.strategy_equity,
          positionBase: cols.strategy_position_base,
          // The column holds cash + position · mid, so the mid is recovered where there is a position.
          mark: (i) => (cols.strategy_position_base[i] !== 0 ? (cols.strategy_equity[i] - cols.strategy_cash[i]) / cols.strategy_position_base[i] : 0),
          figures,
          log: agent.log,
        }),
      }
    : figures;
  let naive: unknown = null;
  if (s?.naiveTwin) {
    const twin = runNaiveTwin({
      ...strategyRunConfig(scenario, loaded),
      bars: data.bars,
      ...(data.warmup ? { warmup: data.warmup } : {}),
      realisedVolHalfLifeMs: scenario.engine.realisedVolHalfLifeMinutes * MS_PER_MINUTE,
      initialVolPerYear: scenario.market.initialVolPerYear,
    });
    if (agent.columns) agent.columns.strategy_naive_equity.set(twin.equity);
    naive = {
      ...twin.figures,
      stats: strategyPerformance(data.bars, capital, { equity: twin.equity, positionBase: twin.positionBase, mark: (i) => data.bars.close[i], figures: twin.figures, log: twin.log }),
    };
  }
  return { id: loaded.definition.id, capitalQuote: s?.capitalQuote, simulated, naive };
}

/**
 * Counterfactual replay (docs/model.md#counterfactual-replay): infer the
 * exogenous shocks under one design (history.mode inferred: every bar solved
 * so that, with every agent acting, it ends at the historical close), then
 * run other designs in overlay mode on those shocks. The question it answers
 * is "how deep would this crash have been with another mechanism, defence or
 * book", where an overlay run on the raw history answers "what if this book
 * had been there as well".
 */
import type { Scenario } from '../config/scenario.js';
import { ConfigError } from '../core/errors.js';
import type { RunData, RunHooks } from '../engine/run.js';
import { maxDrawdown } from '../metrics/drawdown.js';
import { runBacktest, type BacktestResult } from './backtest.js';
import { endogenousByCause, type EndogenousByCause } from './endogenousByCause.js';

/** A design to replay the inferred shocks under: a scenario whose data is ignored (the shocks replace it). */
export interface ReplayDesign {
  readonly name: string;
  readonly scenario: Scenario;
  /** Folder its relative paths (dealer book, positions, gas) resolve against. */
  readonly baseDir: string;
}

/** One row of the per-design table. */
export interface ReplayFigures {
  /** Lowest simulated close, quote. */
  readonly low: number;
  /** Largest peak-to-trough fall of the simulated closes, fraction. */
  readonly maxDrawdown: number;
  /** Liquidations over the run; NaN without a protocol. */
  readonly liquidations: number;
  /** Bad debt left at the end, quote; NaN without a protocol. */
  readonly badDebt: number;
  /** maxDrawdown / the historical max drawdown: below 1 the design would have made the crash shallower. */
  readonly deAmplification: number;
  /** Largest |simulated / historical − 1| over the bars the inference fitted: how far the row is from the history where the history was reached. */
  readonly maxMissOnFittedBars: number;
}

export interface ReplayRow {
  readonly name: string;
  readonly figures: ReplayFigures;
  readonly result: BacktestResult;
}

/** The inferred shock series, one entry per bar (inferred_shocks.csv). */
export interface InferredShocks {
  readonly time: Float64Array;
  readonly historicalClose: Float64Array;
  /** Exogenous reference price each bar was run at. */
  readonly reference: Float64Array;
  /** ln(reference_i / reference_{i−1}), bar 0 from its historical close. */
  readonly exogenousReturn: Float64Array;
  /** Simulated log return minus the exogenous one. */
  readonly endogenousReturn: Float64Array;
  readonly byCause: EndogenousByCause;
  readonly tries: Float64Array;
  /** 1 where no exogenous return reached the close (past the critical point). */
  readonly flagged: Float64Array;
  /** Simulated / historical close − 1 of a flagged bar, 0 where fitted. */
  readonly gap: Float64Array;
}

export interface ReplayResult {
  /** The base design in inferred mode. */
  readonly inferred: BacktestResult;
  readonly shocks: InferredShocks;
  readonly historicalLow: number;
  readonly historicalMaxDrawdown: number;
  /** The base design replayed on its own inferred shocks first (a check: it retraces the inference), then every design in order. */
  readonly rows: readonly ReplayRow[];
}

export interface ReplayHooks {
  /** Called when a run starts: 'infer', then each row's name. */
  onStage?: (stage: string) => void;
  onProgress?: RunHooks['onProgress'];
}

/** The name of the first row: the inferring design replayed on its own shocks. */
export const BASE_ROW = 'as inferred';

/**
 * Infers the shocks under `base` (a strategy is refused: inferred mode rolls
 * every agent back, and a strategy's state cannot be), then replays them
 * under the base design and under each design. `data` is the base's
 * prepared bars.
 */
export function runReplay(base: Scenario, data: RunData, baseDir: string, designs: readonly ReplayDesign[], hooks: ReplayHooks = {}): ReplayResult {
  if (data.exogenous) throw new Error('runReplay infers the exogenous path itself; give it the historical data');
  const tolerance = base.history?.tolerance ?? 1e-10;
  hooks.onStage?.('infer');
  const inferScenario: Scenario = { ...base, history: { mode: 'inferred', tolerance } };
  const inferred = runBacktest(inferScenario, data, baseDir, hooks.onProgress ? { onProgress: hooks.onProgress } : {});
  const inf = inferred.columns.inferred;
  if (!inf) throw new Error('the inferred run recorded no inferred columns');
  const n = data.bars.length;
  const loop = inferred.columns.loop;
  const shocks: InferredShocks = {
    time: loop.time,
    historicalClose: loop.historical_close,
    reference: inf.inferred_reference,
    exogenousReturn: loop.exogenous_return,
    endogenousReturn: loop.endogenous_return,
    byCause: endogenousByCause(loop, inferred.trades, n),
    tries: inf.inferred_tries,
    flagged: inf.inferred_unsolved,
    gap: inf.inferred_gap,
  };
  const hist = maxDrawdown(data.bars.close);
  const replayData: RunData = { ...data, exogenous: inf.inferred_reference };
  const all: ReplayDesign[] = [{ name: BASE_ROW, scenario: base, baseDir }, ...designs];
  const names = new Set<string>();
  const rows = all.map((d) => {
    if (names.has(d.name)) throw new ConfigError(`two designs are named '${d.name}'; name each design once`);
    names.add(d.name);
    if (d.scenario.strategy) throw new ConfigError(`design '${d.name}' has a strategy: a replay compares market designs, run strategies with \`cascade run\``, { field: 'strategy' });
    hooks.onStage?.(d.name);
    const overlay: Scenario = { ...d.scenario, history: { mode: 'overlay', tolerance } };
    const result = runBacktest(overlay, replayData, d.baseDir, hooks.onProgress ? { onProgress: hooks.onProgress } : {});
    return { name: d.name, figures: replayFigures(result, inf.inferred_unsolved, hist.fraction), result };
  });
  return { inferred, shocks, historicalLow: minOf(data.bars.close), historicalMaxDrawdown: hist.fraction, rows };
}

function replayFigures(r: BacktestResult, flagged: Float64Array, historicalDrawdown: number): ReplayFigures {
  const loop = r.columns.loop;
  const sim = loop.simulated_close;
  const hist = loop.historical_close;
  let miss = 0;
  for (let i = 0; i < sim.length; i++) {
    if (flagged[i] !== 0) continue;
    const m = Math.abs(sim[i] / hist[i] - 1);
    if (m > miss) miss = m;
  }
  const f = r.figures;
  const dd = maxDrawdown(sim).fraction;
  return {
    low: minOf(sim),
    maxDrawdown: dd,
    liquidations: typeof f.liquidationCount === 'number' ? f.liquidationCount : Number.NaN,
    badDebt: typeof f.badDebt === 'number' ? f.badDebt : Number.NaN,
    deAmplification: historicalDrawdown > 0 ? dd / historicalDrawdown : Number.NaN,
    maxMissOnFittedBars: miss,
  };
}

function minOf(x: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] < m) m = x[i];
  return m;
}

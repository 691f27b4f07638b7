import { maxDrawdown } from '../metrics/drawdown.js';
import type { Columns } from '../sim/recorder.js';
import type { TradeLog } from '../sim/tradeLog.js';

/** The run's headline figures; README documents each with its unit. */
export interface RunFigures {
  bars: number;
  historicalMaxDrawdown: number;
  simulatedMaxDrawdown: number;
  amplification: number;
  endogenousShare: number;
  maxCascadeRounds: number;
  meanCascadeRounds: number;
  cappedBars: number;
  fills: number;
  [extra: string]: unknown;
}

/** The engine's figures, from its own columns (`cols`) and the trade log. */
export function summariseRun(cols: Columns<'historical_close' | 'simulated_close' | 'cascade_rounds' | 'cascade_capped'>, trades: TradeLog): RunFigures {
  const { historical_close: histClose, simulated_close: simClose, cascade_rounds: rounds, cascade_capped: capped } = cols;
  const hist = maxDrawdown(histClose);
  const sim = maxDrawdown(simClose);
  let maxR = 0;
  let sumR = 0;
  let cappedBars = 0;
  for (let i = 0; i < rounds.length; i++) {
    if (rounds[i] > maxR) maxR = rounds[i];
    sumR += rounds[i];
    cappedBars += capped[i];
  }
  // Endogenous share: the part of the simulated peak-to-trough log move that
  // the history over the same bars does not explain.
  const simLog = sim.fraction > 0 ? Math.log(simClose[sim.peakIndex] / simClose[sim.troughIndex]) : 0;
  const histLog = sim.fraction > 0 ? Math.log(histClose[sim.peakIndex] / histClose[sim.troughIndex]) : 0;
  return {
    bars: simClose.length,
    historicalMaxDrawdown: hist.fraction,
    simulatedMaxDrawdown: sim.fraction,
    amplification: hist.fraction > 0 ? sim.fraction / hist.fraction : 1,
    endogenousShare: simLog > 0 ? (simLog - histLog) / simLog : 0,
    maxCascadeRounds: maxR,
    meanCascadeRounds: rounds.length > 0 ? sumR / rounds.length : 0,
    cappedBars,
    fills: trades.length,
  };
}

import { ATR, BollingerBands, MACD, RSI } from 'technicalindicators';
import type { BarSeries } from '../data/bars.js';
import type { BarsSoFar, StrategyAccount, StrategyContext, StrategyIndicators, StrategyMetrics } from './api.js';

/**
 * The bar series as a strategy may read it: an index past the current bar
 * throws, so a look-ahead is an error at the line that made it, not a
 * silently better backtest.
 */
export class BarWindow implements BarsSoFar {
  private readonly bars: BarSeries;
  current = 0;

  constructor(bars: BarSeries) {
    this.bars = bars;
  }

  get length(): number {
    return this.current + 1;
  }

  private at(col: Float64Array, i: number): number {
    if (!(i >= 0 && i <= this.current) || !Number.isInteger(i)) {
      throw new RangeError(`bar ${i} is not known at bar ${this.current} (bars so far: 0..${this.current})`);
    }
    return col[i];
  }

  time(i: number): number {
    return this.at(this.bars.time, i);
  }
  open(i: number): number {
    return this.at(this.bars.open, i);
  }
  high(i: number): number {
    return this.at(this.bars.high, i);
  }
  low(i: number): number {
    return this.at(this.bars.low, i);
  }
  close(i: number): number {
    return this.at(this.bars.close, i);
  }
  volume(i: number): number {
    return this.at(this.bars.volume, i);
  }
}

/** Writable behind the read-only interface: the owner (agent or naive twin) fills it, the strategy reads it. */
export interface MutableMetrics extends StrategyMetrics {
  drawdown: number;
  realisedVol: number;
  calmVol: number;
  liquidationQuotePerMin: number;
  mlr: number;
  liquidationBranchingRatio: number;
  gammaBranchingRatio: number;
  riskReversal25: number;
  dealerGamma: number;
}

export function makeMetrics(calmVol: number): MutableMetrics {
  return {
    drawdown: 0, realisedVol: Number.NaN, calmVol, liquidationQuotePerMin: 0, mlr: Number.NaN,
    liquidationBranchingRatio: Number.NaN, gammaBranchingRatio: Number.NaN, riskReversal25: Number.NaN, dealerGamma: Number.NaN,
  };
}

/** Indicator periods; the classic defaults. */
export const INDICATOR_PERIODS = { rsi: 14, atr: 14, bollinger: 20, bollingerStdDev: 2, macdFast: 12, macdSlow: 26, macdSignal: 9 } as const;

/**
 * RSI, ATR, Bollinger bands and MACD, each fed once per bar with
 * `nextValue` (O(1) per bar): the library's incremental form, never a
 * recomputation over the history. Values are NaN until an indicator is warm.
 */
export class Indicators implements StrategyIndicators {
  rsi = Number.NaN;
  atr = Number.NaN;
  bollingerLower = Number.NaN;
  bollingerMiddle = Number.NaN;
  bollingerUpper = Number.NaN;
  macd = Number.NaN;
  macdSignal = Number.NaN;
  macdHistogram = Number.NaN;
  private readonly rsiInd = new RSI({ period: INDICATOR_PERIODS.rsi, values: [] });
  private readonly atrInd = new ATR({ period: INDICATOR_PERIODS.atr, high: [], low: [], close: [] });
  private readonly bbInd = new BollingerBands({ period: INDICATOR_PERIODS.bollinger, stdDev: INDICATOR_PERIODS.bollingerStdDev, values: [] });
  private readonly macdInd = new MACD({
    values: [], fastPeriod: INDICATOR_PERIODS.macdFast, slowPeriod: INDICATOR_PERIODS.macdSlow, signalPeriod: INDICATOR_PERIODS.macdSignal,
    SimpleMAOscillator: false, SimpleMASignal: false,
  });
  private readonly candle = { open: 0, high: 0, low: 0, close: 0 };

  /** Feeds bar `i` of `bars` (call once per bar, in order). */
  next(bars: BarSeries, i: number): void {
    const close = bars.close[i];
    const c = this.candle;
    c.open = bars.open[i];
    c.high = bars.high[i];
    c.low = bars.low[i];
    c.close = close;
    this.rsi = num(this.rsiInd.nextValue(close));
    this.atr = num(this.atrInd.nextValue(c));
    const bb = this.bbInd.nextValue(close);
    this.bollingerLower = num(bb?.lower);
    this.bollingerMiddle = num(bb?.middle);
    this.bollingerUpper = num(bb?.upper);
    const m = this.macdInd.nextValue(close);
    this.macd = num(m?.MACD);
    this.macdSignal = num(m?.signal);
    this.macdHistogram = num(m?.histogram);
  }
}

function num(x: number | undefined): number {
  return x === undefined ? Number.NaN : x;
}

export interface MutableAccount extends StrategyAccount {
  cashQuote: number;
  positionBase: number;
  equityQuote: number;
  openOrders: number;
  optionsValueQuote: number;
  optionsHeldBase: number;
  initialMarginQuote: number;
  maintenanceMarginQuote: number;
  backstopQuote: number;
}

/** The context object handed to the strategy; its owner updates the fields before each callback. */
export interface MutableContext extends StrategyContext {
  bar: number;
  time: number;
  round: number;
  readonly bars: BarWindow;
  readonly metrics: MutableMetrics;
  readonly indicators: Indicators;
  readonly account: MutableAccount;
}

export function makeContext(
  bars: BarWindow,
  metrics: MutableMetrics,
  indicators: Indicators,
  mid: () => number,
  depth: () => number,
  impliedVol: (strike: number, expiryMs: number) => number,
): MutableContext {
  return {
    bar: 0,
    time: 0,
    round: -1,
    bars,
    mid,
    depthPerLogPrice: depth,
    impliedVol,
    metrics,
    indicators,
    account: {
      cashQuote: 0, positionBase: 0, equityQuote: 0, openOrders: 0,
      optionsValueQuote: 0, optionsHeldBase: 0, initialMarginQuote: 0, maintenanceMarginQuote: 0, backstopQuote: 0,
    },
  };
}

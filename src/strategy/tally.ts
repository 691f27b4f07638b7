import type { OrdersLog } from './ordersLog.js';

/**
 * The raw figures of one strategy run, the same shape for the simulated run
 * and the naive twin (summary.json `strategy.simulated`, `strategy.naive`).
 * Performance statistics proper (Sharpe, drawdown, ...) are computed from
 * the equity series by the metrics layer.
 */
export interface StrategyFigures {
  /** Cash + position at the last simulated mid (naive: the last close), quote. */
  finalEquityQuote: number;
  /** finalEquity / capital − 1, decimal. */
  returnFraction: number;
  /** Fills of the strategy's orders (each partial fill counts). */
  fills: number;
  /** Base units bought and sold (both ≥ 0). */
  boughtBase: number;
  soldBase: number;
  /** Orders rejected for want of capital or validity. */
  rejectedOrders: number;
  /** Forced liquidations of the strategy's position under maintenance. */
  liquidations: number;
  /** Σ (fill price − mid before the fill) × size, quote: spread and impact paid; 0 in the naive twin. */
  executionCostQuote: number;
  /** Σ (fill price − the bar's historical close) × size, quote: what buying and selling cost against the prices a naive backtest fills at. */
  costVsHistoricalCloseQuote: number;
  /** Volume-weighted buy price over the bars' historical closes at those fills, minus 1, decimal; NaN without buys. */
  buyPremiumOverClose: number;
}

/** Running totals of the strategy's fills. */
export class FillTally {
  fills = 0;
  boughtBase = 0;
  soldBase = 0;
  boughtQuote = 0;
  boughtAtCloseQuote = 0;
  liquidations = 0;
  executionCostQuote = 0;
  costVsCloseQuote = 0;

  add(size: number, price: number, cost: number, close: number): void {
    this.fills++;
    if (size > 0) {
      this.boughtBase += size;
      this.boughtQuote += size * price;
      this.boughtAtCloseQuote += size * close;
    } else {
      this.soldBase -= size;
    }
    this.executionCostQuote += cost;
    this.costVsCloseQuote += (price - close) * size;
  }

  figures(capitalQuote: number, finalEquityQuote: number, log: OrdersLog): StrategyFigures {
    return {
      finalEquityQuote,
      returnFraction: finalEquityQuote / capitalQuote - 1,
      fills: this.fills,
      boughtBase: this.boughtBase,
      soldBase: this.soldBase,
      rejectedOrders: log.count('rejected'),
      liquidations: this.liquidations,
      executionCostQuote: this.executionCostQuote,
      costVsHistoricalCloseQuote: this.costVsCloseQuote,
      buyPremiumOverClose: this.boughtBase > 0 ? this.boughtQuote / this.boughtAtCloseQuote - 1 : Number.NaN,
    };
  }
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrdersLog } from '../../src/strategy/ordersLog.js';
import type { StrategyFigures } from '../../src/strategy/tally.js';
import { runScenario } from './helpers.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const FILE = 'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv';

/**
 * buy-the-fear on real 1-minute bars of the 10 October 2025 crash, against
 * its naive twin. Only the book is modelled (no dealer, no protocol), so the
 * one thing that moves the simulated price off the history is the
 * strategy's own trading: its buys lift the thin book, so it pays above the
 * historical close a naive backtest fills at, and the two results differ.
 */
describe.skipIf(!DATA_DIR)(`buy-the-fear on real 1-minute bars (${DATA_DIR ? FILE : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  it('differs from its naive twin because its own buying moves the thin book: its buys fill above the historical close', async () => {
    const { result, data } = await runScenario(
      {
        name: 'real-1m-buy-the-fear',
        data: { bars: { source: 'file', path: join(DATA_DIR as string, FILE) } },
        market: { liquidity: { kind: 'book' } },
        // Thresholds a 1-minute crash reaches without a protocol: the drawdown (no MLR or branching ratio here).
        strategy: { path: 'buy-the-fear', capitalQuote: 5_000_000, params: { entryDrawdown: 0.03, trancheFraction: 0.2, cooldownBars: 30 } },
      },
      process.cwd(),
    );
    const s = result.figures.strategy as { simulated: StrategyFigures; naive: StrategyFigures };
    const info = JSON.stringify(s);
    expect(s.simulated.boughtBase, info).toBeGreaterThan(0);
    expect(s.naive.boughtBase, info).toBeGreaterThan(0);
    expect(s.simulated.finalEquityQuote, info).not.toBe(s.naive.finalEquityQuote);
    expect(s.simulated.executionCostQuote, info).toBeGreaterThan(0);
    expect(s.naive.executionCostQuote, info).toBe(0);
    expect(s.simulated.buyPremiumOverClose, info).toBeGreaterThan(0);
    // Each buy before its first sale (nothing of its own has pushed the price down yet) fills above that bar's close.
    const log = result.strategyOrders as OrdersLog;
    let buys = 0;
    for (let k = 0; k < log.length; k++) {
      if (log.status[k] !== 'filled') continue;
      if (log.size[k] < 0) break;
      buys++;
      expect(log.price[k], `fill ${k} at bar ${log.bar[k]}`).toBeGreaterThan(data.bars.close[log.bar[k]]);
    }
    expect(buys, info).toBeGreaterThan(0);
    // The simulated run's mid is the history with only the strategy's impact on it.
    const hist = result.recorder.get('historical_close');
    const sim = result.recorder.get('simulated_close');
    let moved = 0;
    for (let i = 0; i < hist.length; i++) if (sim[i] !== hist[i]) moved++;
    expect(moved, info).toBeGreaterThan(0);
  });
});

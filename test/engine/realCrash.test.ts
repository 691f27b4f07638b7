import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { prepareRunData } from '../../src/runner/prepareData.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const FILE = 'crypto_ohlc/btcusdt_binance_spot_1h_2020-03-12.csv';

/**
 * Black Thursday on real Binance BTCUSDT hourly bars. A dealer short crash
 * puts is long delta that grows as the price falls, so hedging sells into
 * the fall (negative gamma). With the same depth (calibrated from the file's
 * own volume) a larger book must give a deeper drawdown, and an empty book
 * none at all. Sizes stay below the critical point (peak branching < 1).
 */
describe.skipIf(!DATA_DIR)(`real crash: BTC 2020-03-12 (${DATA_DIR ? FILE : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  const INVENTORIES = [0, 500, 1000, 2000];

  // The depth the first day's volume gives (0.3 x the trailing 24 h at
  // 2020-03-06 00:00, the figure a 24 h warm-up reads), fixed so that the run
  // can start on 5 March with the puts struck at that day's price: no bar of
  // the run sets it.
  const FIRST_DAY_DEPTH_1PCT = 6_562_000;

  function run(totalQtyBase: number, warmup: 'fixed-depth' | 'warm-up' = 'fixed-depth') {
    const scenario = validateScenario({
      name: 'real-2020-03-12',
      data: { bars: { source: 'file', path: join(DATA_DIR as string, FILE) }, ...(warmup === 'fixed-depth' ? { warmupBars: 0 } : {}) },
      ...(warmup === 'fixed-depth' ? { market: { depth: { source: 'fixed', depth1PctQuote: FIRST_DAY_DEPTH_1PCT } } } : {}),
      dealer: { inventory: totalQtyBase === 0 ? { kind: 'none' } : { kind: 'customer-crash-puts', totalQtyBase } },
    });
    const prepared = prepareRunData(scenario, process.cwd());
    return runBacktest(scenario, prepared.data, process.cwd()).figures;
  }

  it('amplifies the drawdown more as the dealer sells more puts, and not at all with none', () => {
    const figures = INVENTORIES.map((q) => run(q));
    const info = JSON.stringify(figures.map((f, i) => ({ qty: INVENTORIES[i], hist: f.historicalMaxDrawdown, sim: f.simulatedMaxDrawdown, amp: f.amplification, peak: f.peakGammaBranchingRatio })));
    // The history: 54.86% peak to trough (9,150.90 on 2020-03-05 19:00 to 4,130.64 at 2020-03-13 01:00 close).
    expect(figures[0].historicalMaxDrawdown, info).toBeCloseTo(0.5486, 4);
    expect(figures[0].amplification, info).toBe(1);
    expect(figures[0].simulatedMaxDrawdown, info).toBe(figures[0].historicalMaxDrawdown);
    for (let k = 1; k < figures.length; k++) {
      expect(figures[k].simulatedMaxDrawdown, info).toBeGreaterThan(figures[k - 1].simulatedMaxDrawdown);
      expect(figures[k].amplification, info).toBeGreaterThan(1);
      expect(figures[k].peakGammaBranchingRatio as number, info).toBeLessThan(1);
      expect(figures[k].cappedBars, info).toBe(0);
    }
  });

  it('the same book sold one day later (after a 24 h warm-up) damps the crash instead: amplification < 1', () => {
    // A counterexample to "more short puts, deeper crash", pinned: starting
    // on 6 March (first close 8,990 against 8,860 on the 5th), the puts are
    // struck about 1.5% higher and the realised vols start from the warm-up's
    // returns instead of the prior; the position meets the 12 March fall
    // with a different delta profile and on this path its hedging buys more
    // than it sells into the fall (0.93 with 2,000 BTC). Found while adding
    // the warm-up; the mechanism is measured, not yet decomposed. Whether short gamma amplifies depends on where the strikes
    // sit against the path, which the tool measures rather than assumes.
    const f = run(2000, 'warm-up');
    expect(f.amplification).toBeLessThan(1);
    expect(f.amplification).toBeGreaterThan(0.85);
  });
});

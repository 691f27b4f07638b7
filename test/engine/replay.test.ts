import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/runner/backtest.js';
import { gbmBars, testScenario, runData } from './helpers.js';

// docs/model.md#checks-that-pin-the-model: with no agents the simulated path equals the history bar
// for bar, whatever liquidity model is configured (impact is an overlay that
// only orders can move).
describe('no agents: the history, exactly', () => {
  const bars = gbmBars({ bars: 3000, volPerYear: 0.9, seed: 3 });
  for (const liquidity of [{ kind: 'linear' }, { kind: 'sqrt' }, { kind: 'book' }] as const) {
    it(`reproduces every close bit for bit with ${liquidity.kind} liquidity and an empty dealer book`, () => {
      const scenario = testScenario({ market: { liquidity, depth: { source: 'fixed', depth1PctQuote: 1e6 } } });
      const data = runData(scenario, bars);
      const r = runBacktest(scenario, data, process.cwd());
      const sim = r.recorder.get('simulated_close');
      let mismatches = 0;
      for (let i = 0; i < data.bars.length; i++) if (sim[i] !== data.bars.close[i]) mismatches++;
      expect(mismatches).toBe(0);
      expect(r.trades.length).toBe(0);
      expect(r.figures.amplification).toBe(1);
      expect(r.figures.endogenousShare).toBe(0);
      const endo = r.recorder.get('endogenous_return');
      expect(endo.every((x) => x === 0)).toBe(true);
    });
  }

  it('a dealer with a hedge policy of none holds options but never trades, so the path is the history', () => {
    const scenario = testScenario({
      market: { depth: { source: 'fixed', depth1PctQuote: 1e6 } },
      dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 500 }, hedge: { kind: 'none' } },
    });
    const r = runBacktest(scenario, { bars, dataSha256: 'x' }, process.cwd());
    const sim = r.recorder.get('simulated_close');
    expect(Array.from(sim)).toEqual(Array.from(bars.close));
    expect(r.figures.dealerOptions).toBeGreaterThan(0);
  });
});

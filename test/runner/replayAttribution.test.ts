import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/sim/recorder.js';
import { CAUSE_CODE, TradeLog } from '../../src/sim/tradeLog.js';
import { endogenousByCause } from '../../src/runner/endogenousByCause.js';

/**
 * The attribution rule on a hand-worked three-bar example (docs/model.md,
 * "Counterfactual replay"): each fill's ln(midAfter / midBefore) goes to its
 * cause; the book's recovery is read from the bar's first fill.
 */
describe('endogenous move by cause, hand-worked', () => {
  // Bar 0: nothing happens at 100. Bar 1: the reference falls to 99; the dealer hedges 99 → 97, a liquidation
  // sells 97 → 95. Bar 2: the reference stays at 99; the book has recovered to 97 before a herding sale takes it to 96.5.
  const rec = new Recorder(3);
  const loop = rec.columns(['historical_close', 'simulated_close', 'exogenous_return'] as const);
  loop.historical_close.set([100, 99, 99]);
  loop.simulated_close.set([100, 95, 96.5]);
  loop.exogenous_return.set([0, Math.log(0.99), 0]);
  const trades = new TradeLog();
  trades.push(0, 1, 0, CAUSE_CODE.hedge, -2, 98, 99, 97, 0);
  trades.push(0, 1, 1, CAUSE_CODE.liquidation, -2, 96, 97, 95, 0);
  trades.push(0, 2, 0, CAUSE_CODE.herding, -0.5, 96.7, 97, 96.5, 0);
  const r = endogenousByCause(loop, trades, 3);
  const total = (i: number): number => Math.log(loop.simulated_close[i] / (i > 0 ? loop.simulated_close[i - 1] : 100)) - loop.exogenous_return[i];

  it('gives each fill to its cause and the carried impact to the recovery', () => {
    const expected = [
      { hedge: 0, liquidation: 0, other: 0, recovery: 0 },
      { hedge: Math.log(97 / 99), liquidation: Math.log(95 / 97), other: 0, recovery: 0 },
      { hedge: 0, liquidation: 0, other: Math.log(96.5 / 97), recovery: Math.log(97 / 95) },
    ];
    for (let i = 0; i < 3; i++) {
      const e = expected[i];
      const got = { hedge: r.hedge[i], liquidation: r.liquidation[i], other: r.other[i], recovery: r.recovery[i] };
      for (const k of ['hedge', 'liquidation', 'other', 'recovery'] as const) expect(got[k], `bar ${i} ${k}: ${JSON.stringify(got)}`).toBeCloseTo(e[k], 14);
    }
  });

  it('the causes add to the bar\'s endogenous move', () => {
    for (let i = 0; i < 3; i++) expect(r.hedge[i] + r.liquidation[i] + r.other[i] + r.recovery[i]).toBeCloseTo(total(i), 14);
  });
});

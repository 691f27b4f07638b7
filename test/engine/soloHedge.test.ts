/**
 * engine.soloHedge: a dealer trading alone sends its rounds' limit as one
 * order. Against the plain rounds on the same path: the same run to the
 * rounds' own precision (they stop once a round orders ≤ quietSizeBase, so
 * each bar leaves up to that much unhedged), in about one round per bar.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { buildEngineParts } from '../../src/runner/build.js';
import { runSimulation } from '../../src/engine/run.js';
import { gbmBars } from './helpers.js';

function run(soloHedge: 'fixed-point' | 'rounds', protocol = false, near?: { quiet: number }) {
  const bars = gbmBars({ bars: near ? 1500 : 3000, volPerYear: near ? 1.5 : 0.9, seed: 4, startPrice: 8000 });
  const scenario = validateScenario({
    name: 'solo-hedge',
    data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12', barMinutes: 1 }, warmupBars: 0 },
    market: { liquidity: { kind: 'book' }, depth: { source: 'fixed', depth1PctQuote: near ? 1.2e6 : 1e7 } },
    engine: near ? { soloHedge, quietSizeBase: near.quiet, maxCascadeRounds: 10_000 } : { soloHedge },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, strikes: 20, tenorsDays: [7, 30] }, hedge: { kind: 'every-bar' } },
    ...(protocol ? { protocol: { enabled: true, population: { kind: 'generated', count: 2000, totalNotionalQuote: 20_000_000 } } } : {}),
  });
  const data = { bars, dataSha256: 'test' };
  const { parts } = buildEngineParts(scenario, data, process.cwd());
  const r = runSimulation(scenario, data, parts);
  return { r, dealer: (parts.agents.at(-1) as unknown as { summaryFigures(): Record<string, number> }).summaryFigures() };
}

describe('engine.soloHedge', () => {
  it('fixed-point: the rounds\' results to 1e-7 relative in about one round per bar', () => {
    const a = run('rounds');
    const b = run('fixed-point');
    const n = a.r.columns.loop.simulated_close.length;
    let worstClose = 0;
    for (let i = 0; i < n; i++) worstClose = Math.max(worstClose, Math.abs(b.r.columns.loop.simulated_close[i] / a.r.columns.loop.simulated_close[i] - 1));
    expect(worstClose).toBeLessThan(1e-7);
    // The hedge position differs by the residuals the rounds leave (≤ quietSizeBase = 1e-8 base per bar).
    const pa = a.r.recorder.get('hedge_position');
    const pb = b.r.recorder.get('hedge_position');
    let worstHedge = 0;
    for (let i = 0; i < n; i++) worstHedge = Math.max(worstHedge, Math.abs(pa[i] - pb[i]));
    expect(worstHedge).toBeLessThan(1e-6);
    expect(worstHedge).toBeGreaterThan(0); // the two really are different methods
    expect(Math.abs(b.dealer.hedgeVolume / a.dealer.hedgeVolume - 1)).toBeLessThan(1e-8);
    const pnlA = a.dealer.dealerPnl as unknown as Record<string, number>;
    const pnlB = b.dealer.dealerPnl as unknown as Record<string, number>;
    expect(Math.abs(pnlB.total / pnlA.total - 1)).toBeLessThan(1e-8);
    // The same cash for the same hedge, booked differently: each fill's cost is counted against the mid
    // just before it, so one order books as execution cost the impact that later rounds would have met as
    // a move of the mid (hedge delta P&L). Execution plus delta P&L is the same.
    expect(b.dealer.executionCost).toBeGreaterThan(a.dealer.executionCost);
    expect(Math.abs(pnlB.execution + pnlB.delta - (pnlA.execution + pnlA.delta))).toBeLessThan(1e-8 * Math.abs(pnlA.total));
    expect(a.r.figures.meanCascadeRounds).toBeGreaterThan(3);
    expect(b.r.figures.meanCascadeRounds).toBeLessThan(1.5);
    expect(b.r.figures.fills).toBeLessThan(a.r.figures.fills / 3);
  });

  it('is off when the dealer is not alone: with a protocol the run is the rounds\' bit for bit', () => {
    const a = run('rounds', true);
    const b = run('fixed-point', true);
    expect(b.r.figures).toEqual(a.r.figures);
    expect(Array.from(b.r.columns.loop.simulated_close)).toEqual(Array.from(a.r.columns.loop.simulated_close));
  });

  it('near criticality the rounds stop visibly short, and approach the fixed point as quietSizeBase shrinks', () => {
    // A thin book and a violent path: ratios near 1, a dozen rounds a bar, and a residual of
    // quietSizeBase/(1 − ratio) left each bar that the path carries forward.
    const fp = run('fixed-point', false, { quiet: 1e-8 }).r.columns.loop.simulated_close;
    const gap = (quiet: number): number => {
      const c = run('rounds', false, { quiet }).r.columns.loop.simulated_close;
      let w = 0;
      for (let i = 0; i < c.length; i++) w = Math.max(w, Math.abs(c[i] / fp[i] - 1));
      return w;
    };
    // Measured on the book whose mid is the touches' midpoint: 13 rounds a bar, gaps 2.2e-7, 2.0e-9,
    // 2.3e-11 for quiet 1e-8, 1e-10, 1e-12 (1.3e-7, 1.2e-9, 1.2e-11 at 3e6 depth on the book whose mid
    // was the last walk's end; 0.3%, 3e-5, 3.6e-7 on the book with free round trips): the gap shrinks in
    // proportion to the threshold, far above rounding (1e-15), so the single order sits at the rounds' limit.
    const coarse = gap(1e-8);
    const middle = gap(1e-10);
    const fine = gap(1e-12);
    expect(coarse).toBeGreaterThan(1e-8);
    expect(middle).toBeLessThan(coarse / 30);
    expect(fine).toBeLessThan(middle / 30);
  });
});

import { describe, expect, it } from 'vitest';
import { criticalBar, cumulative, drawdownOf, hedgeFlowSplit, pnlAttributionChart, runCharts, summedBranching } from '../../../src/report/html/runCharts.js';

const cols = (o: Record<string, number[]>): Map<string, Float64Array> => new Map(Object.entries(o).map(([k, v]) => [k, Float64Array.from(v)]));

/** The per-bar arithmetic behind the charts, on numbers small enough to check by hand. */
describe('run chart series', () => {
  it('cumulative P&L (NaN counts 0) and drawdown from the running peak', () => {
    expect(Array.from(cumulative(Float64Array.from([1, NaN, -3, 2])))).toEqual([1, 1, -2, 0]);
    expect(Array.from(drawdownOf(Float64Array.from([100, 120, 90, 130])))).toEqual([0, 0, 0.25, 0]);
  });

  it('P&L attribution: each part cumulative from zero, unstacked, and the total their sum, first', () => {
    // A short-gamma dealer's bar: delta gains what gamma loses and more; the parts carry both signs.
    const spec = pnlAttributionChart(cols({ pnl_delta: [5, 3], pnl_gamma: [-4, -2], pnl_residual: [0.5, NaN] }));
    expect(spec.stacked).toBeUndefined();
    expect(spec.series.map((s) => s.label)).toEqual(['total', 'delta', 'gamma', 'residual']);
    expect(spec.series.map((s) => Array.from(s.values))).toEqual([
      [1.5, 2.5],
      [5, 8],
      [-4, -6],
      [0.5, 0.5],
    ]);
    expect(pnlAttributionChart(cols({ mlr: [1] })).series).toEqual([]);
    // Every part has a colour of its own, none the total's black.
    const all = pnlAttributionChart(cols(Object.fromEntries(['delta', 'gamma', 'vega', 'vanna', 'volga', 'theta', 'execution', 'new_positions', 'residual'].map((g) => [`pnl_${g}`, [1]])))).series.map((s) => s.color);
    expect(all[0]).toBe('#000000');
    expect(new Set(all).size).toBe(10);
  });

  it('summed branching ratio and the first bar where it reaches 1', () => {
    const c = cols({ liquidation_branching_ratio: [0.2, 0.5, 0.7, 0.1], gamma_branching_ratio: [0.1, 0.4, 0.3, 0.1] });
    expect(Array.from(summedBranching(c)!)).toEqual([0.30000000000000004, 0.9, 1, 0.2]);
    expect(criticalBar(c)).toBe(2);
    expect(criticalBar(cols({ mlr: [1, 2] }))).toBe(-1);
  });

  it('hedge flow split: −Γ·ΔS and −vanna·Δσ with the previous bar\'s greeks; the rest closes the sum', () => {
    // Bar 1: Γ0 = −0.1, ΔS = −10 → delta part −1; vanna0 = 50, Δσ = 0.02 → vanna part −1; flow −2.5 → rest −0.5.
    const c = cols({
      hedge_flow: [0, -2.5, 0.4],
      dealer_gamma: [-0.1, -0.2, -0.2],
      dealer_vanna: [50, 40, 40],
      simulated_close: [100, 90, 92],
      atm_vol: [0.6, 0.62, 0.62],
    });
    const out = hedgeFlowSplit(c, 3);
    if (!('chart' in out)) throw new Error('expected a chart');
    const [g, v, rest] = out.chart.series.map((s) => Array.from(s.values));
    expect(g[1]).toBeCloseTo(-1, 12);
    expect(v[1]).toBeCloseTo(-1, 12);
    expect(rest[1]).toBeCloseTo(-0.5, 12);
    // Bar 2: ΔS = 2, Γ1 = −0.2 → +0.4; Δσ = 0; the rest 0.
    expect(g[2]).toBeCloseTo(0.4, 12);
    expect(rest[2]).toBeCloseTo(0, 12);
    expect(Number.isNaN(g[0])).toBe(true);
    expect('omitted' in hedgeFlowSplit(cols({ simulated_close: [1, 2] }), 2)).toBe(true);
  });
});

describe('strategy charts', () => {
  it('equity and drawdown of the strategy and its naive twin when the run recorded them; a note otherwise', () => {
    const series = { rows: 3, numeric: cols({ strategy_equity: [100, 120, 90], strategy_naive_equity: [100, 110, 99] }), text: new Map() };
    const run = { summary: {}, config: {}, timing: undefined, profiles: undefined, time: Float64Array.from([0, 60_000, 120_000]), series, trades: { rows: 0, numeric: new Map(), text: new Map() } };
    const chart = runCharts(run).find((c) => 'chart' in c && c.chart.id === 'strategy');
    if (chart === undefined || !('chart' in chart)) throw new Error('expected the strategy chart');
    expect(chart.chart.series.map((s) => [s.label, Array.from(s.values)])).toEqual([
      ['strategy equity', [100, 120, 90]],
      ['naive twin equity', [100, 110, 99]],
      ['strategy drawdown', [0, 0, 0.25]],
      ['naive twin drawdown', [0, 0, 0.09999999999999998]],
    ]);
    const bare = runCharts({ ...run, series: { rows: 3, numeric: cols({ simulated_close: [1, 2, 3] }), text: new Map() } });
    expect(bare.some((c) => 'omitted' in c && c.omitted.reason === 'no strategy ran')).toBe(true);
  });
});

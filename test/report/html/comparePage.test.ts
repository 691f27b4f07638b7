import { describe, expect, it } from 'vitest';
import { buildComparisonReport, heatmap, scatter, STRATEGY_RETURN_BY_DRAWDOWN, tickText, viridis, type CompareDoc } from '../../../src/report/html/comparePage.js';

/**
 * The comparison page from a hand-made compare.json: a 3 × 2 grid whose
 * peak summed branching ratio is 0.5 + 0.5·i (i the first input's index),
 * so the critical line is the vertical x = 1 (cell centre of the second
 * column) across the whole grid.
 */
const AXIS_X = { path: 'market.depth.fractionOfHourlyQuoteVolume', values: [0.3, 0.1, 0.03] };
const AXIS_Y = { path: 'dealer.inventory.totalQtyBase', values: [1500, 6000] };

function doc(): CompareDoc {
  const rows = AXIS_X.values.flatMap((x, i) =>
    AXIS_Y.values.map((y, j) => ({
      variant: i * 2 + j,
      values: { [AXIS_X.path]: x, [AXIS_Y.path]: y },
      set: [],
      figures: { amplification: 1 + i + 0.1 * j, badDebt: 1000 * i, peakBranchingRatioSum: 0.5 + 0.5 * i },
    })),
  );
  return { scenarioName: 'grid', seed: 1, synthetic: true, vary: [AXIS_X, AXIS_Y], metrics: ['amplification', 'badDebt', 'peakBranchingRatioSum'], rows };
}

describe('comparison page with a strategy', () => {
  it('adds the strategy\'s return against its drawdown, a dot per variant; without the strategy\'s columns no such section', () => {
    const d = doc();
    const withStrategy: CompareDoc = {
      ...d,
      metrics: [...d.metrics, 'strategy.simulated.returnFraction', 'strategy.simulated.stats.maxDrawdown'],
      rows: d.rows.map((r, k) => ({ ...r, figures: { ...r.figures, 'strategy.simulated.returnFraction': -0.1 * k, 'strategy.simulated.stats.maxDrawdown': 0.1 + 0.05 * k } })),
    };
    const html = buildComparisonReport(withStrategy);
    expect(html).toContain('<h2>Strategy: return against drawdown</h2>');
    const svg = scatter(withStrategy, STRATEGY_RETURN_BY_DRAWDOWN);
    const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(dots).toHaveLength(6);
    // Drawdown grows to the right and the return falls: x increases and the dots go down the picture (y grows).
    for (let k = 1; k < dots.length; k++) {
      expect(dots[k][0]).toBeGreaterThan(dots[k - 1][0]);
      expect(dots[k][1]).toBeGreaterThan(dots[k - 1][1]);
    }
    expect(svg).toContain('id="strategy-scatter"');
    expect(buildComparisonReport(d)).not.toContain('Strategy: return against drawdown');
  });
});

describe('comparison page', () => {
  it('heatmap: one cell per variant coloured by amplification; the critical line at the column where the ratio is 1', () => {
    const svg = heatmap(doc());
    const cells = [...svg.matchAll(/<rect class="cell" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" fill="([^"]+)" data-amplification="([^"]*)"/g)];
    expect(cells).toHaveLength(6);
    // Lowest amplification (1, cell 0,0) is the first viridis stop, highest (3.1, cell 2,1) the last.
    expect(cells.find((c) => c[6] === '1')![5]).toBe(viridis(0));
    expect(cells.find((c) => c[6] === '3.1')![5]).toBe(viridis(1));
    const lines = [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"\/>/g)];
    expect(lines).toHaveLength(1);
    // Column i = 1 has its centre at L + 1.5·cw; cw = min(90, floor(560 / 3)) = 90, L = 150.
    expect(Number(lines[0][1])).toBeCloseTo(150 + 1.5 * 90, 6);
    expect(Number(lines[0][3])).toBeCloseTo(150 + 1.5 * 90, 6);
    expect(svg).toContain('Red line: the peak summed branching ratio equals 1');
    // The upward input is named level, above its values: turned along a two-row grid (120 px) its 29 characters were cut.
    expect(svg).toContain('<text x="4" y="18">↑ dealer.inventory.totalQtyBase</text>');
    expect(svg).not.toContain('rotate(');
  });

  it('no crossing: no line, and the page says why; one varied input: no heatmap, with a note', () => {
    const sub = doc();
    const flat = { ...sub, rows: sub.rows.map((r) => ({ ...r, figures: { ...r.figures, peakBranchingRatioSum: 0.2 } })) };
    expect(heatmap(flat)).not.toContain('<line');
    expect(heatmap(flat)).toContain('stays on one side of 1');
    const one = { ...sub, vary: [AXIS_X] };
    expect(heatmap(one)).toContain('needs exactly two varied inputs (this compare varies 1)');
  });

  it('the table shows every figure, equal to compare.json; without price paths the overlay is a note; no chart script', () => {
    const d = doc();
    const html = buildComparisonReport(JSON.parse(JSON.stringify(d)));
    for (const r of d.rows) {
      for (const [m, v] of Object.entries(r.figures)) expect(html).toContain(`data-metric="${m}" data-value="${v}"`);
    }
    expect(html).toContain('this compare.json carries no price paths');
    expect(html).toContain('SYNTHETIC path');
    expect(html).not.toContain('id="report-data"');
    expect(() => buildComparisonReport({ rows: [] })).toThrow(/compare\.json: no 'vary' list/);
  });
});

describe('tick text', () => {
  it('4 significant digits with k, M, B', () => {
    expect([27_760_000, 1234.5, 15_000, -2.5e9, 0.012345].map((v) => tickText(v))).toEqual(['27.76M', '1235', '15k', '-2.5B', '0.01235']);
  });
});

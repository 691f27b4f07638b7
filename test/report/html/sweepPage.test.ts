import { describe, expect, it } from 'vitest';
import { tickTexts, viridis } from '../../../src/report/html/comparePage.js';
import { buildSweepReport, type SweepDoc } from '../../../src/report/html/sweepPage.js';

/**
 * The sweep page from hand-made sweep.json documents: a 2 × 2 grid on two
 * windows whose objective is known in closed form, so the plotted means can
 * be checked against arithmetic done here.
 */
const A = { path: 'protocol.insuranceFundQuote', values: [0, 1_000_000] };
const B = { path: 'protocol.liquidation.penaltyPct', values: [2, 8] };
const WINDOWS = ['early', 'late'];

/** badDebt on window w at point (i, j): 100·(i + 2j) + 10·w, so its mean over the windows is 100·(i + 2j) + 5. */
function gridDoc(method = 'grid'): SweepDoc {
  const rows = A.values.flatMap((a, i) =>
    B.values.flatMap((b, j) =>
      WINDOWS.map((w, k) => ({
        variant: (i * 2 + j) * 2 + k,
        values: { window: w, [A.path]: a, [B.path]: b },
        figures: { badDebt: 100 * (i + 2 * j) + 10 * k, amplification: 1 + 0.1 * i, peakBranchingRatioSum: 0.5 + j },
      })),
    ),
  );
  return {
    kind: 'sweep',
    name: 'grid',
    scenarioName: 'grid',
    seed: 1,
    method,
    validation: 'leave-one-out',
    objective: { figure: 'badDebt', goal: 'min' },
    constraints: [{ figure: 'liquidationCount', max: 100 }],
    windows: WINDOWS,
    vary: [{ path: 'window', values: WINDOWS }, A, B],
    metrics: ['badDebt', 'amplification', 'peakBranchingRatioSum'],
    rows,
    analysis: {
      folds: [
        { name: 'hold-out early', train: ['late'], test: 'early', bestPoint: 0, values: { [A.path]: 0, [B.path]: 2 }, inSample: 10, outOfSample: 0, outOfSampleFeasible: true, outOfSampleRank: 1, ranked: 4 },
        { name: 'hold-out late', train: ['early'], test: 'late', bestPoint: null, values: null, inSample: null, outOfSample: null, outOfSampleFeasible: null, outOfSampleRank: null, ranked: null },
      ],
      overfitting: { deflatedSharpe: null, pbo: { pbo: 0.25, combinations: 2, partitions: 2, probabilityOfLoss: 0 }, notes: ['a note on the overfitting figures'] },
      counts: { trials: 8, ok: 8, invalid: 0, error: 0, missing: 0 },
    },
  };
}

describe('sweep page', () => {
  it('says what was tuned, the point each fold chose beside its held-out result, and the overfitting figures', () => {
    const html = buildSweepReport(JSON.parse(JSON.stringify(gridDoc())));
    expect(html).toContain('<h1>Sweep: grid (8 trials)</h1>');
    expect(html).toContain('<dt>objective</dt><dd>min badDebt (mean over the windows of a fold)</dd>');
    expect(html).toContain('<dt>constraints</dt><dd>liquidationCount ≤ 100</dd>');
    expect(html).toContain('<dt>trials</dt><dd>8: 8 ok, 0 invalid, 0 error</dd>');
    const folds = html.slice(html.indexOf('id="folds"'), html.indexOf('</table>', html.indexOf('id="folds"')));
    expect(folds).toContain('<td>hold-out early</td><td>late</td><td>protocol.insuranceFundQuote=0, protocol.liquidation.penaltyPct=2</td>');
    expect(folds).toContain('<td>early</td><td>0</td><td>1 of 4</td>');
    expect(folds).toContain('<td>no feasible point</td>');
    expect(html).toContain('<dt>probability of backtest overfitting</dt><dd>0.250 (2 splits of 2 windows)</dd>');
    expect(html).toContain('a note on the overfitting figures');
  });

  it('a fold whose choice was a tie says so beside the point, and a shared held-out value shows as a rank range', () => {
    const doc = gridDoc();
    const tied = { ...doc.analysis.folds[0], tiedInSample: 3, tiedOutOfSample: { min: 0, max: 40 }, outOfSampleTies: 2 };
    const html = buildSweepReport({ ...doc, analysis: { ...doc.analysis, folds: [tied, doc.analysis.folds[1]] } });
    expect(html).toContain('<span class="note" data-tied="3">tied in-sample with 2 other points: the first listed is taken, and the tie says nothing about which is better; held out, the tied points range from 0 to 40</span>');
    expect(html).toContain('<td>early</td><td>0</td><td>1-2 of 4</td>');
  });

  it('grid over two parameters: one cell per point, coloured by the mean objective over the windows', () => {
    const html = buildSweepReport(gridDoc());
    const cells = [...html.matchAll(/<rect class="cell" [^>]* fill="([^"]+)" data-value="([^"]*)"/g)].map((m) => ({ fill: m[1], value: Number(m[2]) }));
    expect(cells.map((c) => c.value).sort((x, y) => x - y)).toEqual([5, 105, 205, 305]);
    expect(cells.find((c) => c.value === 5)!.fill).toBe(viridis(0));
    expect(cells.find((c) => c.value === 305)!.fill).toBe(viridis(1));
    expect(html).toContain('Mean badDebt over the windows (lower is better) (colour)');
    // The peak summed branching ratio is 0.5 at j = 0 and 1.5 at j = 1: the critical line lies between the rows.
    expect(html).toMatch(/<g id="critical-line"[^>]*><line /);
  });

  it('another method over two parameters: a dot per point, coloured by the same mean', () => {
    const html = buildSweepReport(gridDoc('random'));
    expect(html).not.toContain('class="cell"');
    const dots = [...html.matchAll(/<circle [^>]*fill="([^"]+)"[^>]*><title>([^<]*)<\/title>/g)].filter((m) => m[2].includes('mean badDebt'));
    expect(dots).toHaveLength(4);
    expect(dots.find((m) => m[2].endsWith(': mean badDebt over the windows (lower is better) 5'))![1]).toBe(viridis(0));
  });

  it('one parameter: the objective on each window and its mean, over the parameter', () => {
    const doc = gridDoc();
    const one: SweepDoc = { ...doc, vary: [doc.vary[0], A], rows: doc.rows.filter((r) => r.values[B.path] === 2) };
    const html = buildSweepReport(one);
    const titles = [...html.matchAll(/<circle [^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles.filter((t) => t.startsWith('early, ') || t.startsWith('late, '))).toHaveLength(4);
    expect(titles.filter((t) => t.startsWith('mean over the windows'))).toEqual([
      'mean over the windows, protocol.insuranceFundQuote=0: badDebt 5',
      'mean over the windows, protocol.insuranceFundQuote=1000000: badDebt 105',
    ]);
  });

  it('three parameters: no plot, and the page says why', () => {
    const doc = gridDoc();
    const html = buildSweepReport({ ...doc, vary: [...doc.vary, { path: 'seed', values: [1] }], rows: doc.rows.map((r) => ({ ...r, values: { ...r.values, seed: 1 } })) });
    expect(html).toContain('this sweep varies 3');
  });

  it('a document that is not a sweep is refused', () => {
    const { kind: _kind, ...notSweep } = gridDoc();
    expect(() => buildSweepReport(notSweep)).toThrow(/sweep\.json: not a sweep document/);
  });
});

describe('tick texts', () => {
  it('as many digits as it takes to tell distinct values apart', () => {
    expect(tickTexts([1.2588503, 1.258895, 1.2589397])).toEqual(['1.25885', '1.2589', '1.25894']);
    expect(tickTexts([0, 5e6, 1e7])).toEqual(['0', '5M', '10M']);
    expect(tickTexts([2, 2])).toEqual(['2', '2']);
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { absoluteRawPaths } from '../../src/config/rebasePaths.js';
import { resolveTarget } from '../../src/config/resolveTarget.js';
import { ConfigError } from '../../src/core/errors.js';
import { compareToCsv, compareToJson, COMPARE_METRICS, formatCompareTable, formatSameRuns, runCompare, STRATEGY_COMPARE_FIGURES, type CompareResult } from '../../src/sweep/compare.js';
import { parseVaryAxes } from '../../src/sweep/vary.js';
import { FIXTURES } from '../strategy/helpers.js';
import { buildComparisonReport } from '../../src/report/html/comparePage.js';

const IDENTITY = { dataSource: 'test', dataSha256: 'ab'.repeat(32), synthetic: true, firstBar: '2020-03-12T00:00:00Z', lastBar: '2020-03-13T00:00:00Z' };

function literalResult(): CompareResult {
  const axes = parseVaryAxes(['market.liquidity={"kind":"book"},{"kind":"linear","note":"a \\"b\\""}', 'dealer.hedge.kind=none']);
  const figures = (amp: number | null, bad: number | null) => Object.fromEntries(COMPARE_METRICS.map((m) => [m, m === 'amplification' ? amp : m === 'badDebt' ? bad : null])) as CompareResult['rows'][number]['figures'];
  return {
    scenarioName: 'lit',
    seed: 3,
    compareHash: 'cd'.repeat(32),
    outputDir: 'reports/compare-cdcdcdcdcd',
    identity: IDENTITY,
    axes,
    metrics: COMPARE_METRICS,
    heatmapFigure: 'amplification',
    rows: [
      { index: 0, values: [{ kind: 'book' }, 'none'], sets: [], configHash: 'h0', figures: figures(1, null) },
      { index: 1, values: [{ kind: 'linear', note: 'a "b"' }, 'none'], sets: [], configHash: 'h1', figures: figures(1.25, Infinity) },
    ],
  };
}

describe('compare output formats (literal result)', () => {
  it('CSV: axis paths then the metrics; JSON values quoted per RFC 4180; missing figures empty', () => {
    const lines = compareToCsv(literalResult()).split('\n');
    expect(lines[0]).toBe(`market.liquidity,dealer.hedge.kind,${COMPARE_METRICS.join(',')}`);
    expect(lines[1]).toBe('"{""kind"":""book""}",none,,,,1,,,,,,,,,');
    expect(lines[2]).toBe('"{""kind"":""linear"",""note"":""a \\""b\\""""}",none,Infinity,,,1.25,,,,,,,,,');
    expect(lines[3]).toBe('');
    expect(lines.length).toBe(4);
  });

  it('JSON: null for missing, non-finite as strings, values keyed by path', () => {
    const doc = JSON.parse(compareToJson(literalResult()));
    expect(doc.rows[0].figures.badDebt).toBeNull();
    expect(doc.rows[1].figures.badDebt).toBe('Infinity');
    expect(doc.rows[1].figures.amplification).toBe(1.25);
    expect(doc.rows[1].values['market.liquidity']).toEqual({ kind: 'linear', note: 'a "b"' });
    expect(doc.dataLabel).toMatch(/SYNTHETIC/);
    expect(doc.metrics).toEqual([...COMPARE_METRICS]);
  });

  it('table: one header line and one line per variant', () => {
    const t = formatCompareTable(literalResult()).trimEnd().split('\n');
    expect(t.length).toBe(3);
    expect(t[0]).toMatch(/^market\.liquidity\s+dealer\.hedge\.kind\s+badDebt/);
    expect(t[2]).toMatch(/Infinity/);
  });
});

describe('compare refuses variants that would not share data and seed', () => {
  const target = resolveTarget('default');
  const input = { raw: target.raw, file: target.file, baseDir: target.baseDir, sets: [] as string[] };

  it('a varied seed', async () => {
    await expect(runCompare({ ...input, axes: parseVaryAxes(['seed=1,2']) })).rejects.toThrow(ConfigError);
    await expect(runCompare({ ...input, axes: parseVaryAxes(['seed=1,2']) })).rejects.toThrow(/variant 2 \(seed=2\): compare runs every variant with the same seed/);
  });

  it('varied data (a different resampling of the same file)', async () => {
    await expect(runCompare({ ...input, axes: parseVaryAxes(['data.resample=15m,1h']) })).rejects.toThrow(/variant 2 \(data\.resample="1h"\): changes the replayed data \(same file, different bars/);
  });

  it('an invalid variant is named in the error', async () => {
    await expect(runCompare({ ...input, axes: parseVaryAxes(['dealer.hedge.kind=none,bogus']) })).rejects.toThrow(/variant 2 \(dealer\.hedge\.kind="bogus"\): .*dealer\.hedge/);
  });
});

describe('compare with a strategy module given by path', () => {
  it("resolves the path against the scenario file's folder, as `cascade run` does", async () => {
    const target = resolveTarget('default');
    // The default scenario as if its file lay beside the strategy fixtures, naming one by a relative path.
    const raw = { ...(absoluteRawPaths(target.raw, target.baseDir) as Record<string, unknown>), strategy: { path: './market-once.ts' } };
    const r = await runCompare({
      raw,
      file: join(FIXTURES, 'scenario.json'),
      baseDir: FIXTURES,
      sets: ['data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-13T00:00:00Z"}'],
      axes: parseVaryAxes(['strategy.params.sizeBase=1,2']),
      figures: ['strategy.simulated.stats.sortino'],
    });
    expect(r.rows).toHaveLength(2);
    expect(r.rows.every((row) => row.figures.amplification !== null)).toBe(true);
    // A strategy's compare adds its columns, then the --figure ones; every one is read from the run.
    expect(r.metrics).toEqual([...COMPARE_METRICS, ...STRATEGY_COMPARE_FIGURES, 'strategy.simulated.stats.sortino']);
    for (const row of r.rows) expect(row.figures['strategy.simulated.returnFraction'], JSON.stringify(row.figures)).toEqual(expect.any(Number));
    // Buying 2 base units instead of 1 at the same bar doubles the position: the returns differ.
    expect(r.rows[1].figures['strategy.simulated.returnFraction']).not.toBe(r.rows[0].figures['strategy.simulated.returnFraction']);
    expect(compareToCsv(r).split('\n')[0]).toBe(['strategy.params.sizeBase', ...r.metrics].join(','));
    expect(formatCompareTable(r).split('\n')[0]).toContain('strategy.naive.returnFraction');
  });

  it('two varied strategy parameters: the phase diagram is coloured by the strategy\'s simulated return (or --heatmap\'s figure)', async () => {
    const target = resolveTarget('default');
    const raw = { ...(absoluteRawPaths(target.raw, target.baseDir) as Record<string, unknown>), strategy: { path: './market-once.ts' } };
    const input = {
      raw,
      file: join(FIXTURES, 'scenario.json'),
      baseDir: FIXTURES,
      sets: ['data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-12T06:00:00Z"}'],
      axes: parseVaryAxes(['strategy.params.sizeBase=1,2', 'strategy.params.atBar=5,10']),
    };
    const r = await runCompare(input);
    expect(r.heatmapFigure).toBe('strategy.simulated.returnFraction');
    const doc = JSON.parse(compareToJson(r));
    expect(doc.heatmapFigure).toBe('strategy.simulated.returnFraction');
    const cells = [...buildComparisonReport(doc).matchAll(/<rect class="cell" [^>]* data-value="([^"]*)"/g)].map((m) => Number(m[1]));
    expect(cells).toEqual(r.rows.map((row) => row.figures['strategy.simulated.returnFraction']));
    // --heatmap picks another figure, added as a column when it is not one; a compare without a strategy keeps amplification and writes no key.
    const dd = await runCompare({ ...input, heatmapFigure: 'strategy.simulated.stats.sortino' });
    expect(dd.metrics).toContain('strategy.simulated.stats.sortino');
    expect(JSON.parse(compareToJson(dd)).heatmapFigure).toBe('strategy.simulated.stats.sortino');
    expect('heatmapFigure' in JSON.parse(compareToJson(literalResult()))).toBe(false);
    await expect(runCompare({ ...input, heatmapFigure: 'strategy.simulated.totalReturn' })).rejects.toThrow(/^--heatmap: 'strategy\.simulated\.totalReturn' is not a summary figure/);
  });

  it('a --figure that is not a numeric summary figure is refused before any variant runs', async () => {
    const target = resolveTarget('default');
    await expect(runCompare({ raw: target.raw, baseDir: target.baseDir, sets: [], axes: parseVaryAxes(['seed=1']), figures: ['strategy.simulated.totalReturn'] })).rejects.toThrow(
      /--figure: 'strategy\.simulated\.totalReturn' is not a summary figure; under strategy\.simulated: strategy\.simulated\.stats\.totalReturn/,
    );
  });
});


describe('compare flags variants whose runs repeat an earlier one', () => {
  it('a field that does not reach the run: the later variant names the earlier, on the console, in compare.json and on the page', async () => {
    const target = resolveTarget('default');
    const r = await runCompare({
      raw: target.raw,
      baseDir: target.baseDir,
      sets: ['data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-12T12:00:00Z"}'],
      // The scenario's name labels the run and nothing in it; the hedge policy changes it.
      axes: parseVaryAxes(['name=a,b', 'dealer.hedge.kind=every-bar,none']),
    });
    expect(r.rows.map((row) => row.sameRunAs)).toEqual([undefined, undefined, 0, 1]);
    const lines = formatSameRuns(r).trimEnd().split('\n');
    expect(lines).toEqual([
      'note: variant 3 (name="b" dealer.hedge.kind="every-bar") gave every summary figure of variant 1 (name="a" dealer.hedge.kind="every-bar"): the change did not reach the run (a limit elsewhere binds first?)',
      'note: variant 4 (name="b" dealer.hedge.kind="none") gave every summary figure of variant 2 (name="a" dealer.hedge.kind="none"): the change did not reach the run (a limit elsewhere binds first?)',
    ]);
    const doc = JSON.parse(compareToJson(r));
    expect(doc.rows.map((row: { sameRunAs?: number }) => row.sameRunAs)).toEqual([undefined, undefined, 0, 1]);
    expect(buildComparisonReport(doc)).toContain('variant 3 (name=b, dealer.hedge.kind=every-bar) gave every summary figure of variant 1 (name=a, dealer.hedge.kind=every-bar)');
  });

  it('distinct runs carry no mark', () => {
    expect(formatSameRuns(literalResult())).toBe('');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareMarginFile, comparisonRows } from '../../src/portfolio/compare.js';
import { checkMarginDoc } from '../../src/report/html/marginPage.js';
import { marginDoc, marginTimeseriesColumns } from '../../src/report/writeMargin.js';
import { parse } from 'csv-parse/sync';
import { cli } from '../cli/capture.js';

const SYNTHETIC = resolve(__dirname, '../../data/scenarios/portfolio-synthetic.json');

/**
 * The margin comparison's folder: the bar-by-bar series must add up to the
 * table's figures (they are recorded by the same run, so they agree to the
 * rounding of a sum), the page rebuilds from its JSON alone, and the
 * folder is written whole through outputDir like every other command's.
 */
describe('margin compare: bar by bar', () => {
  const c = compareMarginFile(SYNTHETIC);
  const n = c.time.length;

  it('per-bar liquidation volume sums to each asset\'s total; the running counts end at the totals', () => {
    const rows = comparisonRows(c);
    c.runs.forEach((r, k) => {
      c.assets.forEach((name, a) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += r.bars.liquidatedQuote[a * n + i];
        expect(sum).toBeCloseTo(rows[k].liquidatedQuoteByAsset[name], 6);
      });
      let calls = 0;
      for (let i = 0; i < n; i++) calls += r.bars.marginCalls[i];
      expect(calls).toBe(r.marginCalls);
      expect(r.bars.accountsLiquidated[n - 1]).toBe(r.accountsLiquidated);
      expect(r.bars.badDebtQuote[n - 1]).toBe(r.badDebtQuote);
      // Running totals never fall.
      for (let i = 1; i < n; i++) {
        expect(r.bars.accountsLiquidated[i]).toBeGreaterThanOrEqual(r.bars.accountsLiquidated[i - 1]);
        expect(r.bars.badDebtQuote[i]).toBeGreaterThanOrEqual(r.bars.badDebtQuote[i - 1]);
      }
    });
    // Both rules liquidate on this path, so the sums above are not sums of zeros.
    expect(rows.every((r) => r.liquidatedQuote > 1e6)).toBe(true);
  });

  it('the recorded mids give the table\'s low against history', () => {
    c.runs.forEach((r) => {
      c.assets.forEach((_, a) => {
        let lowMid = Infinity;
        let lowClose = Infinity;
        for (let i = 0; i < n; i++) {
          lowMid = Math.min(lowMid, r.bars.mid[a * n + i]);
          lowClose = Math.min(lowClose, c.close[a][i]);
        }
        expect(100 * (lowMid / lowClose - 1)).toBeCloseTo(r.lowVsHistoryPct[a], 10);
      });
    });
  });

  it('the page\'s document passes its own check and names every asset and rule', () => {
    const doc = checkMarginDoc(JSON.parse(JSON.stringify(marginDoc(c))));
    expect(doc.assets).toEqual(['BTC', 'ETH']);
    expect(doc.paths.rules.map((r) => r.rule)).toEqual(['isolated', 'portfolio']);
    // 240 bars are drawn whole.
    expect(doc.paths.secondsAfterFirstBar).toHaveLength(n);
    expect(marginTimeseriesColumns(c)).toContain('portfolio:liquidated_quote:ETH');
  });

  it('a document without paths is named, not a crash', () => {
    expect(() => checkMarginDoc({ rules: [] })).toThrow(/margin-compare\.json: no 'assets' list/);
  });
});

describe('cascade margin compare: --set, --seed and the folder', () => {
  it('--set reaches into the list of assets by index, and the folder holds the series, the page and the tables', async () => {
    const outDir = join(mkdtempSync(join(tmpdir(), 'cascade-margin-')), 'out');
    const { code, out } = await cli(['margin', 'compare', SYNTHETIC, '--set', 'assets.1.depth.depth1PctQuote=1000000', '--seed', '2', '--set', 'population.totalNotionalQuote=40000000', '--out', outDir]);
    expect(code).toBe(0);
    expect(out).toContain('ETH $1,000,000');
    expect(out).toContain('2000 generated + 0 hand accounts (largest legs $40,000,000)');
    const json = JSON.parse(readFileSync(join(outDir, 'margin-compare.json'), 'utf8')) as {
      seed: number;
      accounts: { generated: number; hand: number; largestLegNotionalQuote: number };
      rules: Array<{ rule: string; marginCalls: number }>;
    };
    expect(json.seed).toBe(2);
    expect(json.accounts.generated).toBe(2000);
    expect(json.accounts.hand).toBe(0);
    expect(json.accounts.largestLegNotionalQuote / 4e7).toBeCloseTo(1, 12);
    const rows = parse(readFileSync(join(outDir, 'margin-timeseries.csv'), 'utf8'), { columns: true, cast: false }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(240);
    let calls = 0;
    for (const r of rows) calls += Number(r['isolated:margin_calls']);
    expect(calls).toBe(json.rules[0].marginCalls);
    const html = readFileSync(join(outDir, 'margin-compare.html'), 'utf8');
    expect(html).toContain('id="chart-price-1"');
    expect(html).toContain('SYNTHETIC joint path');
    expect(html).toContain('<dt>accounts</dt><dd>2,000 generated + 0 hand; largest legs $40,000,000 at the start');
    // `cascade report` rebuilds the same page from the folder.
    const again = await cli(['report', outDir]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(outDir, 'margin-compare.html'), 'utf8')).toBe(html);
  });

  it('an index past the list, or a field the scenario does not hold, is one error naming it', async () => {
    const past = await cli(['margin', 'compare', SYNTHETIC, '--set', 'assets.2.depth.depth1PctQuote=1']);
    expect(past.code).toBe(1);
    expect(past.err).toContain("'assets' is a list of 2 and '2' is not one of its indices (the index runs from 0 to 1)");
    const unknown = await cli(['margin', 'compare', SYNTHETIC, '--set', 'margin.nope=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("field 'margin': unknown key 'nope'");
  });

  it('--out refuses a folder holding files it did not write, before running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cascade-margin-'));
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const { code, err } = await cli(['margin', 'compare', SYNTHETIC, '--out', dir]);
    expect(code).toBe(1);
    expect(err).toContain('the folder holds files cascade margin compare did not write (notes.txt)');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

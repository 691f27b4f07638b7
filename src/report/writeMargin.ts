/**
 * Writes the folder of `cascade margin compare --out` whole or not at all
 * (outputDir.ts): margin-compare.csv (a row per rule and asset, and the
 * rule's totals), margin-compare.json (the same figures, the run's inputs
 * and the page's paths), margin-timeseries.csv (bar by bar: each asset's
 * history and, per rule, its simulated mid and liquidation volume, and the
 * rule's margin calls, accounts liquidated and bad debt) and
 * margin-compare.html.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIsoUtc } from '../core/time.js';
import { comparisonCsv, comparisonJson, type MarginComparison } from '../portfolio/compare.js';
import { keepExtremes } from './html/downsample.js';
import { buildMarginReport, type MarginDoc } from './html/marginPage.js';
import { prepareOutput, writeWhole, type PreparedOutput } from './outputDir.js';
import { streamToFile, type TextSink } from './csvSink.js';
import { formatNumber } from './timeseriesCsv.js';
import { csvField } from '../core/format.js';

/** Points per series on the page (each bucket keeps every series' low and high). */
const PATH_POINTS = 4000;

/** Running sum of each bar's liquidation volume over all assets. */
function cumulativeLiquidation(c: MarginComparison, run: MarginComparison['runs'][number]): Float64Array {
  const n = c.time.length;
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c.assets.length; a++) total += run.bars.liquidatedQuote[a * n + i];
    out[i] = total;
  }
  return out;
}

/** The document margin-compare.json holds and the page is built from. */
export function marginDoc(c: MarginComparison): MarginDoc & Record<string, unknown> {
  const n = c.time.length;
  const A = c.assets.length;
  const mids = c.runs.map((r) => c.assets.map((_, a) => r.bars.mid.subarray(a * n, (a + 1) * n)));
  const liq = c.runs.map((r) => cumulativeLiquidation(c, r));
  const series = [...c.close, ...mids.flat(), ...liq, ...c.runs.map((r) => r.bars.badDebtQuote), ...c.runs.map((r) => r.bars.accountsLiquidated)];
  const idx = keepExtremes(series, n, Math.max(1, Math.floor(PATH_POINTS / 2 / series.length)));
  const at = (v: Float64Array): Array<number | null> => Array.from(idx, (i) => (Number.isFinite(v[i]) ? v[i] : null));
  const t0 = Math.round(c.time[0] / 1000);
  return {
    cascadeLab: 1,
    ...comparisonJson(c),
    dataLabel: c.report.synthetic ? 'SYNTHETIC joint path (generated, not historical data)' : 'historical data',
    lastBar: formatIsoUtc(c.time[n - 1]),
    assets: [...c.assets],
    paths: {
      firstBarSeconds: t0,
      secondsAfterFirstBar: Array.from(idx, (i) => Math.round(c.time[i] / 1000) - t0),
      history: c.close.map(at),
      rules: c.runs.map((r, k) => ({
        rule: r.rule,
        mid: Array.from({ length: A }, (_, a) => at(mids[k][a])),
        liquidatedQuoteCumulative: at(liq[k]),
        badDebtQuote: at(r.bars.badDebtQuote),
        accountsLiquidated: at(r.bars.accountsLiquidated),
      })),
    },
  };
}

/** The columns of margin-timeseries.csv after `timestamp`, in order (README lists them). */
export function marginTimeseriesColumns(c: MarginComparison): string[] {
  return [
    ...c.assets.map((a) => `close:${a}`),
    ...c.runs.flatMap((r) => [
      ...c.assets.map((a) => `${r.rule}:mid:${a}`),
      ...c.assets.map((a) => `${r.rule}:liquidated_quote:${a}`),
      `${r.rule}:margin_calls`,
      `${r.rule}:accounts_liquidated`,
      `${r.rule}:bad_debt_quote`,
    ]),
  ];
}

export function writeMarginTimeseries(c: MarginComparison, sink: TextSink): void {
  const n = c.time.length;
  const A = c.assets.length;
  sink.write(`${['timestamp', ...marginTimeseriesColumns(c)].map(csvField).join(',')}\n`);
  for (let i = 0; i < n; i++) {
    let line = formatIsoUtc(c.time[i]);
    for (let a = 0; a < A; a++) line += `,${formatNumber(c.close[a][i])}`;
    for (const r of c.runs) {
      const b = r.bars;
      for (let a = 0; a < A; a++) line += `,${formatNumber(b.mid[a * n + i])}`;
      for (let a = 0; a < A; a++) line += `,${formatNumber(b.liquidatedQuote[a * n + i])}`;
      line += `,${formatNumber(b.marginCalls[i])},${formatNumber(b.accountsLiquidated[i])},${formatNumber(b.badDebtQuote[i])}`;
    }
    sink.write(`${line}\n`);
  }
}

/** Writes the margin comparison's folder. */
export function writeMargin(out: string | PreparedOutput, c: MarginComparison): void {
  const target = typeof out === 'string' ? prepareOutput(out, 'margin') : out;
  writeWhole(target, (dir) => {
    const doc = marginDoc(c);
    writeFileSync(join(dir, 'margin-compare.csv'), comparisonCsv(c));
    writeFileSync(join(dir, 'margin-compare.json'), `${JSON.stringify(doc, null, 2)}\n`);
    streamToFile(join(dir, 'margin-timeseries.csv'), (sink) => writeMarginTimeseries(c, sink));
    writeFileSync(join(dir, 'margin-compare.html'), buildMarginReport(doc));
  });
}

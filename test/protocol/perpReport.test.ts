/**
 * What a perp run with exchange prints writes (README "What a run writes",
 * docs/model.md#auto-deleveraging): adl_events.csv with one row per ADL
 * fill, the prints binned per bar in timeseries.csv beside the simulated
 * liquidations, the two report charts, and a documented unit for every new
 * summary figure.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { makeBarSeries } from '../../src/data/bars.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { writeRun } from '../../src/report/writeRun.js';
import { summaryUnits } from '../docs/summaryTable.js';
import { testScenario } from '../engine/helpers.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0);
const MIN = 60_000;
const BARS = 40;

describe('a perp run with liquidation prints, written to a folder', () => {
  it('writes adl_events.csv, the printed columns, both charts, and documents every figure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perp-report-'));
    // Two prints in bar 10 (0.5 @ 100 and 1 @ 90: 140 of longs), one short print in bar 12, one after the run.
    const prints = join(dir, 'prints.csv');
    writeFileSync(prints, [
      'time,side,price,size',
      `${new Date(T0 + 10 * MIN + 5_000).toISOString()},long,100,0.5`,
      `${new Date(T0 + 10 * MIN + 9_000).toISOString()},sell,90,1`,
      `${new Date(T0 + 12 * MIN).toISOString()},short,95,2`,
      `${new Date(T0 + BARS * MIN + 1).toISOString()},long,95,2`,
      '',
    ].join('\n'));
    const close = Float64Array.from({ length: BARS }, (_, i) => (i < 10 ? 100 : 70));
    const bars = makeBarSeries(
      { symbol: 'GAP', source: 'test', synthetic: true, volumeUnit: 'base' },
      { time: Float64Array.from({ length: BARS }, (_, i) => T0 + i * MIN), open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(BARS).fill(5000) },
    );
    const book = new AccountBook(40);
    for (let k = 0; k < 40; k++) book.add(2, (95 - k) * 2 * 0.99, 0.99);
    const scenario = testScenario({
      data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12' }, liquidationPrints: { path: prints } },
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
      protocol: { enabled: true, liquidation: { closeFactor: 1, penaltyPct: 0 }, insuranceFundQuote: 0, perp: { shorts: { count: 20 } } },
    } as Partial<ScenarioInput>);
    const r = runBacktest(scenario, { bars, dataSha256: 'x' }, dir, {}, { accounts: book });
    const out = join(dir, 'run');
    writeRun(out, { scenarioName: 't', configHash: 'h', seed: 1, dataSource: 'test', dataSha256: 'x', synthetic: true, firstBar: '', lastBar: '' }, {}, r, { wallTimeMs: 0, barsPerSecond: 0 });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;

    expect(summary.adlEvents).toBeGreaterThan(0);
    const adl = readFileSync(join(out, 'adl_events.csv'), 'utf8').trimEnd().split('\n');
    expect(adl[0]).toBe('time,bar,account,side,size,price,rank,score,bankrupt_account');
    expect(adl.length - 1).toBe(summary.adlEvents);
    expect(adl[1].startsWith(`${new Date(T0 + 10 * MIN).toISOString()},10,`)).toBe(true);
    expect(adl[1].split(',')[3]).toBe('short');

    const rows = readFileSync(join(out, 'timeseries.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const col = (name: string): string[] => rows.slice(1).map((row) => row[rows[0].indexOf(name)]);
    expect(col('printed_liq_long_quote')[10]).toBe('140');
    expect(col('printed_liq_short_quote')[12]).toBe('190');
    expect(col('printed_liq_count').map(Number).reduce((a, b) => a + b, 0)).toBe(3);
    expect(summary.printedLiquidationsOutsideRun).toBe(1);
    expect(summary.printedLongLiquidationVolume).toBe(140);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // The title's apostrophe may be escaped in the page: match up to it.
    expect(html).toContain('Liquidation volume per bar: simulated and the exchange');
    expect(html).toContain('Perp venue: auto-deleveraging and funding per bar');

    const units = summaryUnits();
    const added = ['fundingPayments', 'fundingPaidByLongs', 'fundingReceivedByShorts', 'fundingFromOtherLongs', 'adlEvents', 'adlAccountsClosed', 'adlBase', 'adlVolume',
      'printedLiquidationCount', 'printedLongLiquidationVolume', 'printedShortLiquidationVolume', 'printedLiquidationsOutsideRun'];
    for (const k of added) {
      expect(summary).toHaveProperty(k);
      expect(units.get(k), k).toBeTruthy();
    }
  });
});

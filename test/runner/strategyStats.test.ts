import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatKeys, summaryUnits } from '../docs/summaryTable.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { makeBarSeries } from '../../src/data/bars.js';
import { performanceStats } from '../../src/metrics/performance.js';
import { strategyPerformance } from '../../src/runner/strategyStats.js';
import { OrdersLog } from '../../src/strategy/ordersLog.js';
import type { StrategyFigures } from '../../src/strategy/tally.js';

const MIN = 60_000;
const FIGURES: StrategyFigures = {
  finalEquityQuote: 1100,
  returnFraction: 0.1,
  fills: 3,
  boughtBase: 2,
  soldBase: 2,
  rejectedOrders: 0,
  liquidations: 0,
  executionCostQuote: 4,
  impactPaidQuote: 3,
  tradedQuote: 420,
  costVsHistoricalCloseQuote: 0,
  buyPremiumOverClose: 0,
};

describe('strategyPerformance on a literal three-bar run (hand-computed)', () => {
  // Bars start at 0, 1 and 2 minutes; closes 100, 90, 110. Capital 1000.
  // The strategy buys 2 @ 100 in bar 0 (equity 1000 at the close: cash 800, 2 × 100),
  // sells 1 @ 90 in bar 1 (equity 800 + 90 + 90 = 980), sells 1 @ 110 in bar 2 (equity 1000 − 200 + 90 + 110 = 1000).
  const bars = makeBarSeries(
    { symbol: 'T', source: 'literal', synthetic: true, volumeUnit: 'none' },
    {
      time: Float64Array.from([0, MIN, 2 * MIN]),
      open: Float64Array.from([100, 100, 90]),
      high: Float64Array.from([100, 100, 110]),
      low: Float64Array.from([100, 90, 90]),
      close: Float64Array.from([100, 90, 110]),
      volume: new Float64Array(3),
    },
  );
  const log = new OrdersLog();
  log.add(0, 0, 1, 'market', 2, Number.NaN, 'accepted');
  log.add(0, 0, 1, 'market', 2, 100, 'filled');
  log.add(1, 0, 2, 'market', -1, 90, 'filled');
  log.add(2, 0, 3, 'market', -5, Number.NaN, 'rejected', 'capital');
  log.add(2, 0, 4, 'market', -1, 110, 'filled');
  const s = strategyPerformance(bars, 1000, {
    equity: Float64Array.from([1000, 980, 1000]),
    positionBase: Float64Array.from([2, 1, 0]),
    mark: (i) => bars.close[i],
    figures: FIGURES,
    log,
  });
  const info = JSON.stringify(s);

  it('the curve is the capital at the first bar start, then each bar end: 4 points one minute apart', () => {
    expect(s.bars, info).toBe(4);
    expect(s.barIntervalMs, info).toBe(MIN);
    expect(s.totalReturn, info).toBe(0);
    // Returns 0, −0.02, 1000/980 − 1 = 0.020408…; drawdown 20/1000 from the capital, recovered at the last point (2 bars).
    expect(s.maxDrawdown, info).toBeCloseTo(0.02, 15);
    expect(s.maxDrawdownBars, info).toBe(2);
    expect(s.maxDrawdownRecovered, info).toBe(true);
  });

  it('exposure |position × close| / equity: 200/1000, 90/980, 0; the start point is skipped', () => {
    expect(s.averageExposure, info).toBeCloseTo((0.2 + 90 / 980 + 0) / 3, 15);
    expect(s.maxExposure, info).toBeCloseTo(0.2, 15);
  });

  it('one round trip from the filled rows only: −200 + 90 + 110 = 0, not a win', () => {
    expect(s.tradeCount, info).toBe(1);
    expect(s.hitRate, info).toBe(0);
  });

  it('costs and notional come from the run figures', () => {
    expect(s.tradedQuote).toBe(420);
    expect(s.executionCostQuote).toBe(4);
    expect(s.impactPaidQuote).toBe(3);
    // Mean equity (1000 + 1000 + 980 + 1000) / 4 = 995.
    expect(s.turnover, info).toBeCloseTo(420 / 995, 15);
  });
});

/** Columns of a CSV file by header name (numbers; the timestamp column is skipped). */
function readColumns(file: string): Map<string, number[]> {
  const [head, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = head.split(',');
  const cols = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const row of rows) row.split(',').forEach((v, k) => cols.get(names[k])!.push(Number(v)));
  return cols;
}


describe('cascade run default --strategy buy-the-fear: statistics in summary.json', () => {
  const out = mkdtempSync(join(tmpdir(), 'strategy-stats-'));
  let summary: Record<string, unknown>;
  let cols: Map<string, number[]>;

  it('runs', async () => {
    const code = await main(['run', 'default', '--quiet', '--no-band', '--strategy', 'buy-the-fear', '--out', out]);
    expect(code).toBe(0);
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    cols = readColumns(join(out, 'timeseries.csv'));
  }, 60_000);

  it('the statistics equal performanceStats recomputed from the written equity columns', () => {
    const st = summary.strategy as { capitalQuote: number; simulated: { returnFraction: number; stats: Record<string, number | null> }; naive: { returnFraction: number; stats: Record<string, number | null> } };
    const n = cols.get('strategy_equity')!.length;
    const times = [0, ...Array.from({ length: n }, (_, i) => (i + 1) * st.simulated.stats.barIntervalMs!)];
    for (const [which, column] of [['simulated', 'strategy_equity'], ['naive', 'strategy_naive_equity']] as const) {
      const equity = [st.capitalQuote, ...cols.get(column)!];
      const want = performanceStats({ time: times, equity, tradedQuote: 0, executionCostQuote: 0, impactPaidQuote: 0 });
      const got = st[which].stats;
      const info = JSON.stringify({ which, got, want });
      expect(got.totalReturn, info).toBeCloseTo(st[which].returnFraction, 12);
      for (const k of ['totalReturn', 'sharpe', 'sortino', 'calmar', 'maxDrawdown', 'maxDrawdownBars', 'annualisedVolatility', 'barVar95', 'barEs99'] as const) {
        const w = want[k];
        if (w === null) expect(got[k], `${k} ${info}`).toBeNull();
        else expect(Math.abs((got[k] as number) - w), `${k} ${info}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
      }
    }
    // The simulated exposure from the written columns: |equity − cash| / equity = |position × mid| / equity.
    const eq = cols.get('strategy_equity')!;
    const cash = cols.get('strategy_cash')!;
    const exp = eq.map((e, i) => Math.abs(e - cash[i]) / e);
    expect(st.simulated.stats.averageExposure!).toBeCloseTo(exp.reduce((a, b) => a + b, 0) / exp.length, 9);
  });

  it('every statistic and new run figure is documented with a unit in docs/model.md', () => {
    const units = summaryUnits();
    const keys = flatKeys(summary).filter((k) => /^strategy\.(simulated|naive)\.(stats\.|tradedQuote$|impactPaidQuote$)/.test(k));
    expect(keys.length).toBe(2 * 31);
    expect(keys.filter((k) => !(units.get(k) ?? '').match(/\w/))).toEqual([]);
  });
});

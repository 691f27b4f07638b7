import { describe, expect, it } from 'vitest';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { sliceBars } from '../../src/data/window.js';
import type { RunData } from '../../src/engine/run.js';
import type { BacktestResult } from '../../src/runner/backtest.js';
import { loadStrategy, parseStrategyParams } from '../../src/strategy/load.js';
import { runNaiveTwin } from '../../src/strategy/naive.js';
import type { OrdersLog } from '../../src/strategy/ordersLog.js';
import { join } from 'node:path';
import { FIXTURES, ROOT, defaultScenarioRaw, runScenario } from './helpers.js';
import { strategyOptionsSchema } from '../../src/config/strategyOptionsSchema.js';
import { MS_PER_YEAR } from '../../src/core/time.js';

/**
 * No look-ahead: rewrite every bar after t (a different path, volumes,
 * ranges) and every decision, order and fill of the strategy up to bar t must
 * be unchanged, in the simulated run and in the naive twin. If any part of
 * the engine or the context read a later bar, some row up to t would move.
 */

/** `data` with every bar after run bar `t` rewritten: a scrambled path, ranges and volumes. */
function rewriteAfter(data: RunData, t: number): RunData {
  const h = data.history ?? data.bars;
  const w = h.length - data.bars.length;
  const copy = (c: Float64Array): Float64Array => c.slice();
  const cols = { time: copy(h.time), open: copy(h.open), high: copy(h.high), low: copy(h.low), close: copy(h.close), volume: copy(h.volume) };
  for (let k = w + t + 1; k < h.length; k++) {
    // A deterministic scramble: large moves both ways, nothing like the history.
    const r = 0.04 * Math.sin(k * 12.9898) + 0.03 * Math.cos(k * 78.233);
    const close = cols.close[k - 1] * Math.exp(r);
    cols.open[k] = cols.close[k - 1];
    cols.close[k] = close;
    cols.high[k] = Math.max(cols.open[k], close) * 1.01;
    cols.low[k] = Math.min(cols.open[k], close) * 0.99;
    cols.volume[k] = cols.volume[k] * (1.5 + Math.sin(k));
  }
  const history: BarSeries = makeBarSeries({ symbol: h.symbol, source: h.source, synthetic: h.synthetic, volumeUnit: h.volumeUnit }, cols);
  const bars = sliceBars(history, w, history.length);
  return { ...data, bars, history, ...(w > 0 ? { warmup: sliceBars(history, 0, w) } : {}) };
}

/** The rows of an orders log up to bar t, as comparable tuples. */
function ordersUpTo(log: OrdersLog, t: number): unknown[] {
  const rows: unknown[] = [];
  for (let k = 0; k < log.length; k++) if (log.bar[k] <= t) rows.push([log.bar[k], log.round[k], log.id[k], log.kind[k], log.size[k], log.price[k], log.status[k], log.reason[k]]);
  return rows;
}

function tradesUpTo(r: BacktestResult, t: number): unknown[] {
  const tr = r.trades;
  const rows: unknown[] = [];
  for (let k = 0; k < tr.length && tr.bar[k] <= t; k++) rows.push([tr.bar[k], tr.round[k], tr.cause[k], tr.party[k], tr.size[k], tr.price[k]]);
  return rows;
}

describe('no look-ahead: bars after t rewritten, everything up to t unchanged', () => {
  const cases = [
    { name: 'buy-the-fear', path: 'buy-the-fear', t: 400 },
    // Reads every input (bars, indicators, metrics, surface, depth) and writes a digest of them into its orders.
    { name: 'a strategy that reads every input', path: join(FIXTURES, 'reads-everything.ts'), t: 120 },
    { name: 'a strategy that reads every input', path: join(FIXTURES, 'reads-everything.ts'), t: 700 },
  ];

  for (const { name, path, t } of cases) {
    it(`${name} on the default scenario, t = ${t}`, async () => {
      const raw = { ...defaultScenarioRaw(), strategy: { path } };
      const a = await runScenario(raw);
      const b = await runScenario(raw, undefined, rewriteAfter(a.data, t));
      // The rewrite really changed the future...
      const ca = a.data.bars.close;
      const cb = b.data.bars.close;
      expect(cb[t]).toBe(ca[t]);
      expect(cb[t + 1]).not.toBe(ca[t + 1]);
      const la = a.result.strategyOrders as OrdersLog;
      const lb = b.result.strategyOrders as OrdersLog;
      const before = ordersUpTo(la, t);
      // ...and the strategy did something before t (else the test could not fail).
      expect(before.length).toBeGreaterThan(5);
      expect(ordersUpTo(lb, t)).toEqual(before);
      expect(tradesUpTo(b.result, t)).toEqual(tradesUpTo(a.result, t));
      const ea = a.result.recorder.get('strategy_equity').subarray(0, t + 1);
      const eb = b.result.recorder.get('strategy_equity').subarray(0, t + 1);
      expect(Array.from(eb)).toEqual(Array.from(ea));
      // After t the two runs part.
      expect(ordersUpTo(lb, a.data.bars.length)).not.toEqual(ordersUpTo(la, a.data.bars.length));
    });
  }

  it('the naive twin, t = 400', async () => {
    const { data, scenario } = await runScenario({ ...defaultScenarioRaw() });
    const definition = await loadStrategy('buy-the-fear', ROOT);
    const params = parseStrategyParams(definition, {});
    const cfg = {
      definition, params, capitalQuote: 1e6, maxLeverage: 1, maintenanceMargin: 0.05, calmVol: scenario.market.initialVolPerYear,
      realisedVolHalfLifeMs: scenario.engine.realisedVolHalfLifeMinutes * 60_000, initialVolPerYear: scenario.market.initialVolPerYear,
      rate: scenario.market.rate, dividend: scenario.market.dividend, options: strategyOptionsSchema.parse({}), optionYearMs: MS_PER_YEAR,
    };
    const t = 400;
    const a = runNaiveTwin({ ...cfg, bars: data.bars, ...(data.warmup ? { warmup: data.warmup } : {}) });
    const d2 = rewriteAfter(data, t);
    const b = runNaiveTwin({ ...cfg, bars: d2.bars, ...(d2.warmup ? { warmup: d2.warmup } : {}) });
    expect(ordersUpTo(a.log, t).length).toBeGreaterThan(5);
    expect(ordersUpTo(b.log, t)).toEqual(ordersUpTo(a.log, t));
    expect(Array.from(b.equity.subarray(0, t + 1))).toEqual(Array.from(a.equity.subarray(0, t + 1)));
    expect(Array.from(b.equity)).not.toEqual(Array.from(a.equity));
  });

  it('reading a bar past the current one throws, naming both', async () => {
    const { BarWindow } = await import('../../src/strategy/context.js');
    const { data } = await runScenario({ ...defaultScenarioRaw() });
    const w = new BarWindow(data.bars);
    w.current = 5;
    expect(w.close(5)).toBe(data.bars.close[5]);
    expect(w.length).toBe(6);
    expect(() => w.close(6)).toThrow('bar 6 is not known at bar 5');
    expect(() => w.high(-1)).toThrow(RangeError);
  });
});

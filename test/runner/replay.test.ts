import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { runReplay, BASE_ROW } from '../../src/runner/replay.js';
import { gbmBars, testScenario } from '../engine/helpers.js';
import { hourlyQuoteVolume } from '../../src/data/quoteVolume.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const skipNote = DATA_DIR ? '' : ' (skipped: CASCADE_DATA_DIR is not set)';
const TOL = 1e-10;

/**
 * A dealer short crash puts and a perp ladder of 2,000 accounts in a book
 * calibrated from the file's own volume, both sized to the file's market:
 * with H the median hourly quote volume of the warm-up, open interest 1.5 H
 * and puts on 0.3 H of notional (the default scenario's proportions on
 * Binance's 12 March 2020). Fixed sizes put the thin Bitstamp files far past
 * the critical point (BTC 2022-05-10: 252 of 408 bars flagged, gaps over
 * 700%, 4 minutes to infer); sized to the market every file infers in
 * seconds with a handful of flagged crash bars.
 */
function realScenario(file: string): ScenarioInput {
  const path = join(DATA_DIR as string, file);
  const plain = validateScenario({ name: 'replay-real', data: { bars: { source: 'file', path } }, market: { liquidity: { kind: 'book' } } });
  const pre = prepareRunData(plain, process.cwd()).data;
  const hourly = hourlyQuoteVolume(pre.warmup ?? pre.bars);
  if (!hourly) throw new Error(`${file}: no volume to size the scenario by`);
  const h = hourly.median;
  return {
    name: 'replay-real',
    seed: 1,
    data: { bars: { source: 'file', path } },
    market: { liquidity: { kind: 'book' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: (0.3 * h) / pre.bars.close[0] }, hedge: { kind: 'every-bar' } },
    protocol: {
      enabled: true,
      population: { kind: 'generated', count: 2000, totalNotionalQuote: 1.5 * h },
      insuranceFundQuote: 0.02 * h,
      liquidation: { mechanism: { kind: 'direct' } },
    },
  } as ScenarioInput;
}

function realFiles(): string[] {
  if (!DATA_DIR) return ['(none)'];
  const oneMinute = readdirSync(join(DATA_DIR, 'crypto_1m')).filter((f) => f.endsWith('.csv')).map((f) => `crypto_1m/${f}`);
  const hourly = readdirSync(join(DATA_DIR, 'crypto_ohlc')).filter((f) => /_1h_.*\.csv$/.test(f)).map((f) => `crypto_ohlc/${f}`);
  return [...oneMinute, ...hourly].sort();
}

describe.skipIf(!DATA_DIR)(`replay on the real crash files${skipNote}`, () => {
  it.each(realFiles())('%s: the original design, replayed in overlay on its inferred shocks, retraces the history on every fitted bar', (file) => {
    const scenario = validateScenario(realScenario(file));
    const data = prepareRunData(scenario, process.cwd()).data;
    const r = runReplay(scenario, data, process.cwd(), []);
    const base = r.rows[0];
    expect(base.name).toBe(BASE_ROW);
    const inferred = r.inferred.columns.loop.simulated_close;
    const replayed = base.result.columns.loop.simulated_close;
    const hist = data.bars.close;
    const s = r.shocks;
    let flagged = 0;
    let acted = 0;
    for (let i = 0; i < hist.length; i++) {
      const info = `${file} bar ${i}: hist ${hist[i]} inferred ${inferred[i]} replayed ${replayed[i]} flagged ${s.flagged[i]}`;
      // The replay steps each bar once at the exact reference price the solve kept, from the same state:
      // it retraces the inferred run bit for bit, flagged bars included.
      expect(replayed[i], info).toBe(inferred[i]);
      if (s.flagged[i] === 0) expect(Math.abs(replayed[i] / hist[i] - 1), info).toBeLessThanOrEqual(TOL);
      flagged += s.flagged[i];
      acted += Math.abs(s.endogenousReturn[i]);
      // The causes account for the whole endogenous move: every fill's mid chains onto the next.
      const c = s.byCause;
      expect(c.hedge[i] + c.liquidation[i] + c.other[i] + c.recovery[i], info).toBeCloseTo(s.endogenousReturn[i], 12);
    }
    // Not a vacuous fit: the agents moved the price, so the shocks differ from the history.
    expect(acted, file).toBeGreaterThan(1e-4);
    expect(base.figures.maxMissOnFittedBars).toBeLessThanOrEqual(TOL);
    console.log(`${file}: ${hist.length} bars, ${(r.inferred.figures.inferredMeanTries as number).toFixed(2)} tries/bar, ${flagged} flagged, Σ|endogenous| ${acted.toFixed(4)}`);
  }, 60_000);
});

describe('replay with nothing acting', () => {
  it('infers the historical log returns exactly, and every design replays the history bit for bit', () => {
    // No dealer, no protocol: the fixed-depth book has nothing to execute.
    const scenario = testScenario({ market: { depth: { source: 'fixed', depth1PctQuote: 1e6 } } });
    const bars = gbmBars({ bars: 300, volPerYear: 0.8, seed: 11 });
    const r = runReplay(scenario, { bars, dataSha256: 'x' }, process.cwd(), [{ name: 'same', scenario, baseDir: process.cwd() }]);
    const s = r.shocks;
    for (let i = 1; i < bars.length; i++) {
      expect(s.exogenousReturn[i]).toBe(Math.log(bars.close[i] / bars.close[i - 1]));
      expect(s.reference[i]).toBe(bars.close[i]);
      expect(s.tries[i]).toBe(1);
      expect(s.endogenousReturn[i]).toBe(0);
    }
    for (const row of r.rows) {
      expect(Array.from(row.result.columns.loop.simulated_close)).toEqual(Array.from(bars.close));
      expect(row.figures.deAmplification).toBe(1);
      expect(row.figures.low).toBe(r.historicalLow);
      expect(Number.isNaN(row.figures.liquidations)).toBe(true);
    }
  });
});

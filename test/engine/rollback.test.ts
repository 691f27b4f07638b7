import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { buildEngineParts } from '../../src/runner/build.js';
import { Simulation } from '../../src/engine/run.js';
import { timeseriesToCsv, tradesToCsv } from '../../src/report/timeseriesCsv.js';
import { syntheticPathForCrash } from '../../src/data/synthetic/forCrash.js';
import { testScenario, runData } from './helpers.js';

/**
 * docs/model.md#reading-history: the inferred-shock replay will try a bar
 * and rolls it back. Stepping every bar twice (save, step, restore, step)
 * must give byte for byte the run that stepped each bar once: any state a
 * bar changes that save/restore misses shows up as a difference.
 */
const bars = syntheticPathForCrash('btc-2020-03-12', { seed: 4, barMinutes: 60 }).series;

function outputs(over: Partial<ScenarioInput>, tryTwice: boolean): { ts: string; trades: string; cash: number[]; asset: number[] } {
  const scenario = testScenario(over);
  const data = runData(scenario, bars);
  const { parts } = buildEngineParts(scenario, data, process.cwd());
  const sim = new Simulation(scenario, data, parts);
  while (sim.nextBar < data.bars.length) {
    if (tryTwice) {
      sim.save();
      sim.step();
      sim.restore();
    }
    sim.step();
  }
  const r = sim.result();
  return { ts: timeseriesToCsv(r.recorder), trades: tradesToCsv(r.trades), cash: Array.from(r.ledger.cash), asset: Array.from(r.ledger.asset) };
}

const CASES: Array<[string, Partial<ScenarioInput>]> = [
  ['dealer hedging into an L2 book', {
    market: { liquidity: { kind: 'book' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, tenorsDays: [7, 30] } },
  }],
  ['dealer with lazy re-valuation and the square-root model', {
    market: { liquidity: { kind: 'sqrt' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 800 }, revaluation: { mode: 'when-moved' } },
  }],
  ['dealer and a perp venue with direct sales', {
    market: { liquidity: { kind: 'book' } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500 } },
    protocol: { enabled: true, population: { kind: 'generated', count: 3000, totalNotionalQuote: 60_000_000 }, insuranceFundQuote: 1e6 },
  }],
  ['Dutch auctions with bidders reselling', {
    protocol: { enabled: true, population: { kind: 'generated', count: 2000, totalNotionalQuote: 60_000_000 }, liquidation: { mechanism: 'dutch' } },
  }],
  ['backstop pool, capital flight with a lock-up, deleveraging, liquidity providers, herding', {
    protocol: { enabled: true, population: { kind: 'generated', count: 2000, totalNotionalQuote: 60_000_000 }, liquidation: { mechanism: { kind: 'backstop', initialCapitalQuote: 5e6, resaleFractionPerBar: 0.1 } } },
    behaviour: {
      backstopFlight: { enabled: true, lockupBars: 3 },
      deleveraging: { enabled: true },
      liquidityProviders: { enabled: true },
      herding: { enabled: true, holdingsBase: 2000 },
    },
  }],
];

describe('try a bar and roll it back', () => {
  for (const [name, over] of CASES) {
    it(`${name}: stepping every bar twice gives the same run byte for byte`, () => {
      const once = outputs(over, false);
      const twice = outputs(over, true);
      expect(twice.trades.length).toBe(once.trades.length);
      expect(twice.trades === once.trades, 'trades.csv differs').toBe(true);
      expect(twice.ts === once.ts, 'timeseries.csv differs').toBe(true);
      expect(twice.cash).toEqual(once.cash);
      expect(twice.asset).toEqual(once.asset);
    });
  }
});

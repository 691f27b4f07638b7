import { portfolioScenarioSchema, type MarginParams } from '../../src/config/portfolioSchema.js';
import { MultiAccounts } from '../../src/portfolio/accounts.js';
import { buildScanGrid } from '../../src/portfolio/margin.js';
import type { PortfolioSetup } from '../../src/portfolio/run.js';

/** Margin parameters as the schema fills them, with the given scan ranges. */
export function marginParams(over: Partial<MarginParams> & { scanRangePct: number[] }): MarginParams {
  const s = portfolioScenarioSchema.parse({
    assets: over.scanRangePct.map((_, i) => ({ name: `A${i}`, depth: { source: 'fixed', depth1PctQuote: 1 } })),
    margin: over,
    accounts: [{}],
  });
  return s.margin;
}

/**
 * A two-asset market written as literal hourly closes, with linear books so
 * deep that the stories' own sales barely move the price: what a story
 * shows comes from the margin rule, not from impact.
 */
export function literalSetup(btc: number[], eth: number[], accounts: MultiAccounts, margin: MarginParams, depth1PctQuote = 1e12): PortfolioSetup {
  const n = btc.length;
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 2, 12) + i * 3_600_000);
  const book = { kind: 'linear' as const, permanentFraction: 2 / 3, transientHalfLifeMs: 900_000, halfSpreadBps: 0, depth1PctQuote };
  return {
    names: ['BTC', 'ETH'],
    time,
    close: [Float64Array.from(btc), Float64Array.from(eth)],
    liquidity: [book, book],
    withdrawal: [0, 1].map(() => ({ elasticity: 0, minScale: 1, stressElasticity: 0, calmVolPerYear: 0.6 })),
    initialVolPerYear: [0.6, 0.8],
    surfaces: [0, 1].map(() => ({ atmPremium: 1, skewPerLogMoneyness: 0 })),
    realisedVolHalfLifeMs: 3_600_000,
    barMs: 3_600_000,
    maxCascadeRounds: 100,
    margin,
    grid: buildScanGrid(margin.scanRangePct, margin.scanSteps, margin.maxDivergence),
    accounts,
  };
}

import { z } from 'zod';
import { depthSchema, liquiditySchema, withdrawalSchema } from './marketSchema.js';

/**
 * A multi-asset margin scenario (`cascade margin compare`): several assets,
 * each with its own bars and book, one population of accounts holding
 * positions in all of them, and the two margin rules compared on the same
 * path. A separate schema from the single-asset scenario, so no existing
 * scenario changes shape (docs/model.md#multi-asset-runs-and-portfolio-margining).
 */

const assetSchema = z.strictObject({
  name: z.string().min(1).max(32).describe('Asset label, e.g. BTC; unique within the scenario.'),
  bars: z
    .string()
    .min(1)
    .optional()
    .describe('Bar CSV of this asset (any layout the bar loader reads); relative to the scenario file, or starting with $CASCADE_DATA_DIR/. Absent: the synthetic path.'),
  volumeUnit: z
    .enum(['base', 'quote'])
    .optional()
    .describe('Unit of the bar file\'s volume column; default base. Say quote for the Bitstamp March 2020 files (their volume is in USD).'),
  initialVolPerYear: z.number().positive().default(0.6).describe('Prior of the realised-vol EWMA, annualised; also the synthetic path\'s calm vol. Default 0.6.'),
  liquidity: liquiditySchema.prefault({ kind: 'linear' }).describe('This asset\'s liquidity model.'),
  depth: depthSchema.prefault({ source: 'volume' }).describe('This asset\'s base depth; from volume needs warmupBars > 0.'),
  withdrawal: withdrawalSchema.prefault({}).describe('Depth withdrawn as this asset\'s realised vol rises.'),
  startPrice: z.number().positive().default(100).describe('Synthetic path only: the first price, quote per base. Default 100.'),
  crashBeta: z.number().min(0).default(1).describe('Synthetic path only: share of the common crash this asset takes (log terms). Default 1.'),
  surface: z
    .strictObject({
      atmPremium: z.number().positive().default(1.1).describe('ATM implied vol = premium × the realised vol known at the bar start. Default 1.1 (as the single-asset surface).'),
      skewPerLogMoneyness: z.number().min(0).max(5).default(0).describe('σ(K) = ATM · (1 − skew · ln(K/S)), floored at 5% of ATM: puts below spot dearer. Default 0 (flat).'),
    })
    .prefault({})
    .describe('This asset\'s volatility surface, for option legs.'),
});

const syntheticSchema = z.strictObject({
  bars: z.number().int().min(10).max(100_000).default(240).describe('Number of bars. Default 240.'),
  barMinutes: z.number().positive().default(60).describe('Bar length, minutes. Default 60.'),
  calmCorrelation: z.number().min(0).max(1).default(0.5).describe('Correlation of the assets\' shocks in calm markets. Default 0.5 (choice).'),
  stressCorrelation: z.number().min(0).max(1).default(0.95).describe('Correlation once the stress index reaches 1. Default 0.95 (choice): assets move together in a crash.'),
  stressDrawdown: z.number().positive().max(1).default(0.2).describe('Drawdown of the equal-weight index at which stress reaches 1 (fraction). Default 0.2.'),
  crashStartBar: z.number().int().min(0).default(120).describe('First bar of the common crash. Default 120.'),
  crashBars: z.number().int().min(1).default(12).describe('Bars the common crash lasts. Default 12.'),
  crashLogMove: z.number().max(0).default(-0.35).describe('Total log move of the common crash for beta 1 (≤ 0). Default −0.35 (about −30%).'),
});

const marginSchema = z.strictObject({
  perpMaintenancePct: z.number().positive().max(50).default(1.25).describe('Isolated perp maintenance margin, % of notional. Default 1.25 (Hyperliquid BTC).'),
  spotLiquidationThreshold: z.number().positive().max(1).default(0.825).describe('Isolated spot loan: liquidatable when spot·price·LT < debt. Default 0.825 (middle of Aave\'s 0.80–0.85).'),
  scanRangePct: z
    .array(z.number().positive().max(90))
    .min(1)
    .describe('Portfolio rule: price scanning range of each asset, % (one per asset, in asset order). E.g. 15 for BTC, 20 for ETH (choice; venues\' portfolio margin scans moves of the order of 10–20% on the majors).'),
  scanSteps: z.number().int().min(1).max(20).default(3).describe('Portfolio rule: grid points on each side of zero per asset (2·steps+1 points). Default 3.'),
  maxDivergence: z
    .number()
    .min(0)
    .max(2)
    .default(0.5)
    .describe('Portfolio rule: largest gap between two assets\' moves in the grid, in units of their scanning ranges (|x_a/R_a − x_b/R_b|). 0: the assets always move together (full cross-asset offset); 2: every joint move (no offset). Default 0.5 (choice).'),
  floorPct: z.number().min(0).max(100).default(1).describe('Portfolio rule: requirement floor, % of gross notional (Σ|position|·price). Default 1 (choice).'),
  liquidationChunkPct: z.number().positive().max(100).default(25).describe('Portfolio rule: share of a leg closed per liquidation step. Default 25.'),
  volScanPct: z.number().min(0).max(90).default(30).describe('Portfolio rule: implied vol moved by ±this % (relative) at every price point, when the account holds options. Default 30 (choice).'),
  optionMaintenancePct: z.number().positive().max(100).default(10).describe('Isolated short option: due when its margin minus the option\'s value falls below this % of the underlying notional. Default 10 (choice).'),
  penaltyPct: z.number().min(0).max(50).default(2).describe('Liquidation penalty on the notional closed, % (to the venue). Default 2 (choice).'),
});

const populationSchema = z.strictObject({
  count: z.number().int().min(1).max(200_000).default(2000).describe('Generated accounts. Default 2000.'),
  notionalQuote: z.number().positive().default(20_000).describe('Median notional of an account\'s largest leg, quote. Default 20000. Per account: raising count alone raises the open interest (see totalNotionalQuote).'),
  totalNotionalQuote: z
    .number()
    .positive()
    .optional()
    .describe('Scale every generated account (its legs and their collateral alike, so leverage and health are kept) so that the notionals of their largest legs sum to this, quote: the same open interest whatever count. Default: sizes as drawn.'),
  notionalLogSd: z.number().min(0).max(3).default(1).describe('Log-sd of the notional. Default 1.'),
  hedgedShare: z.number().min(0).max(1).default(0.4).describe('Share of basis accounts: long spot (borrowed) and short perp of the same asset. Default 0.4.'),
  crossShare: z.number().min(0).max(1).default(0.3).describe('Share of cross-hedged accounts: long spot of one asset, short perp of another. Default 0.3.'),
  spotLeverage: z.tuple([z.number().min(1), z.number().min(1)]).default([2, 4]).describe('Leverage of spot legs, uniform [lo, hi]: debt = notional·(1 − 1/L). Default [2, 4].'),
  perpLeverage: z.tuple([z.number().min(1), z.number().min(1)]).default([3, 15]).describe('Leverage of perp legs, uniform [lo, hi]: margin = notional/L. Default [3, 15]. The rest of the accounts are long perps.'),
});

const optionLegSchema = z.strictObject({
  type: z.enum(['call', 'put']),
  strike: z.number().positive().describe('Strike, quote per base.'),
  expiryDays: z.number().positive().describe('Days from the first bar to expiry; settles at intrinsic value at the first bar at or after it.'),
  qty: z.number().describe('Base units of underlying (+ long, − short).'),
  marginQuote: z.number().min(0).default(0).describe('Isolated: quote posted against a short option (include the premium received).'),
});

const accountSchema = z.strictObject({
  cashQuote: z.number().default(0).describe('Quote not tied to a leg.'),
  options: z.record(z.string(), optionLegSchema).default({}).describe('One option leg per asset name, valued on that asset\'s surface; no cash changes hands at the start.'),
  spot: z.record(z.string(), z.number().min(0)).default({}).describe('Spot holdings per asset name, base units.'),
  debtQuote: z.record(z.string(), z.number().min(0)).default({}).describe('Quote borrowed against each asset\'s spot (isolated: that leg\'s loan).'),
  perp: z.record(z.string(), z.number()).default({}).describe('Perp size per asset name, base units (+ long, − short), opened at the first price.'),
  perpMarginQuote: z.record(z.string(), z.number().min(0)).default({}).describe('Quote margin posted against each perp (isolated: that leg\'s margin).'),
});

export const portfolioScenarioSchema = z
  .strictObject({
    name: z.string().default('portfolio').describe('Label shown in reports.'),
    seed: z.number().int().min(0).max(0xffffffff).default(1).describe('Master seed (path and population). Default 1.'),
    assets: z.array(assetSchema).min(1).max(8).describe('The assets; each is an index in every array of the run.'),
    warmupBars: z.number().int().min(0).default(24).describe('Bars before the run used only to calibrate depth. Default 24.'),
    start: z.string().optional().describe('First bar of the run (ISO time); default: after the warm-up.'),
    end: z.string().optional().describe('Last bar of the run, exclusive (ISO time); default: the end of the data.'),
    synthetic: syntheticSchema.prefault({}).describe('The correlated synthetic path, for assets without bars.'),
    realisedVolHalfLifeMinutes: z.number().positive().default(60).describe('Half-life of each asset\'s realised-vol EWMA, minutes. Default 60.'),
    maxCascadeRounds: z.number().int().min(1).default(100).describe('Rounds per bar before a bar is flagged capped. Default 100.'),
    margin: marginSchema.describe('The two margin rules.'),
    population: populationSchema.optional().describe('Generated accounts (seeded).'),
    accounts: z.array(accountSchema).optional().describe('Hand-written accounts, in addition to any population.'),
  })
  .superRefine((s, ctx) => {
    const names = new Set<string>();
    s.assets.forEach((a, i) => {
      if (names.has(a.name)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'name'], message: `duplicate asset name '${a.name}'` });
      names.add(a.name);
    });
    if (s.margin.scanRangePct.length !== s.assets.length) {
      ctx.addIssue({ code: 'custom', path: ['margin', 'scanRangePct'], message: `needs one range per asset (${s.assets.length}), got ${s.margin.scanRangePct.length}` });
    }
    const withBars = s.assets.filter((a) => a.bars !== undefined).length;
    if (withBars !== 0 && withBars !== s.assets.length) {
      ctx.addIssue({ code: 'custom', path: ['assets'], message: 'either every asset names its bars or none does (the synthetic path is joint)' });
    }
    (s.accounts ?? []).forEach((acc, i) => {
      for (const key of ['spot', 'debtQuote', 'perp', 'perpMarginQuote', 'options'] as const) {
        for (const name of Object.keys(acc[key])) {
          if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['accounts', i, key, name], message: `unknown asset '${name}'` });
        }
      }
    });
    const p = s.population;
    if (p !== undefined) {
      if (p.hedgedShare + p.crossShare > 1) ctx.addIssue({ code: 'custom', path: ['population', 'crossShare'], message: 'hedgedShare + crossShare must be at most 1' });
      if (p.crossShare > 0 && s.assets.length < 2) ctx.addIssue({ code: 'custom', path: ['population', 'crossShare'], message: 'cross-hedged accounts need two assets' });
      for (const k of ['spotLeverage', 'perpLeverage'] as const) {
        if (p[k][0] > p[k][1]) ctx.addIssue({ code: 'custom', path: ['population', k], message: 'lo must not exceed hi' });
      }
    }
    if (p === undefined && (s.accounts ?? []).length === 0) ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'name accounts or a population' });
  });

export type PortfolioScenario = z.output<typeof portfolioScenarioSchema>;
export type PortfolioAsset = PortfolioScenario['assets'][number];
export type MarginParams = PortfolioScenario['margin'];
export type HandAccount = NonNullable<PortfolioScenario['accounts']>[number];

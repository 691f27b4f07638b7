import { z } from 'zod';

/**
 * How a strategy's option orders are filled and margined
 * (docs/strategies.md#option-orders-and-margin). Defaults live here only;
 * src/strategy/options/ reads the parsed types.
 */
export const optionFillSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('mid').describe('Every option order fills at the surface price (Black-Scholes at the surface vol): no spread, no impact.'),
  }),
  z.strictObject({
    kind: z.literal('spread').describe('Fills at a bid/ask around the surface price whose half-width in vol points widens with realised vol and drawdown.'),
    halfSpreadVol: z
      .number()
      .min(0)
      .default(0.01)
      .describe('Half-spread in calm markets, in units of implied vol (0.01 = one vol point each side), turned into price by the option\'s vega. Default 0.01 (assumption: BTC at-the-money quotes are a few vol points wide in calm markets).'),
    volElasticity: z
      .number()
      .min(0)
      .default(1)
      .describe('e in max(1, realised/calm vol)^e: how the half-spread widens with vol. 0 ignores vol. Default 1 (assumption: spread proportional to the vol ratio).'),
    drawdownSlope: z
      .number()
      .min(0)
      .default(5)
      .describe('s in (1 + s · drawdown): how the half-spread widens with stress (drawdown from the running peak, a fraction). Default 5 (assumption: a 20% drawdown doubles it).'),
    maxHalfSpreadVol: z
      .number()
      .min(0)
      .default(0.05)
      .describe('Cap on the widened half-spread, in units of vol. Default 0.05 (assumption: five vol points each side; without a cap the vol ratio of short bars in a crash, 10-20, would quote spreads no venue shows).'),
    minHalfSpreadFracSpot: z
      .number()
      .min(0)
      .default(0.00025)
      .describe('Floor of the half-spread as a fraction of spot, quote per unit / spot, so options with no vega are not free to trade. Default 0.00025 (half of a 0.0005-BTC price tick, as on the largest crypto options venue).'),
  }),
  z.strictObject({
    kind: z.literal('impact').describe('Priced by the liquidity the delta takes: the counterparty hedges the order\'s delta in the spot book with linear impact and passes that cost on.'),
    multiplier: z
      .number()
      .min(0)
      .default(1)
      .describe('Multiplier on the hedge\'s impact cost, dimensionless: 2 charges the hedge in and out. Default 1.'),
    minHalfSpreadFracSpot: z
      .number()
      .min(0)
      .default(0.00025)
      .describe('Floor of the cost per unit as a fraction of spot. Default 0.00025 (as in `spread`).'),
  }),
]);

export const optionMarginSchema = z
  .strictObject({
    initialFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.15)
      .describe('a in the short-option initial margin max(a·S − OTM, b·S) + mark, fraction of the underlying price per unit. Default 0.15 (the crypto options venues\' standard margin).'),
    floorFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('b, the floor of that margin as a fraction of the underlying price per unit. Default 0.10.'),
    maintenanceFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.075)
      .describe('m in the short-option maintenance margin max(m·S, m·mark) + mark, fraction per unit. Default 0.075.'),
  })
  .refine((p) => p.floorFraction <= p.initialFraction, { path: ['floorFraction'], message: 'floorFraction must not exceed initialFraction' })
  .refine((p) => p.maintenanceFraction <= p.floorFraction, {
    path: ['maintenanceFraction'],
    message: 'maintenanceFraction must not exceed floorFraction (maintenance is the smaller requirement)',
  });

export type OptionFillConfig = z.output<typeof optionFillSchema>;
export type OptionMarginConfig = z.output<typeof optionMarginSchema>;

/** The strategy's option orders: how they fill, how they are margined, how many contracts it may hold. */
export const strategyOptionsSchema = z
  .strictObject({
    fill: optionFillSchema
      .prefault({ kind: 'spread' })
      .describe('How option orders fill: mid, spread (bid/ask widening with vol and drawdown) or impact (the cost of hedging their delta). Default spread.'),
    margin: optionMarginSchema.prefault({}).describe('Short-option margin in the style of the crypto options venues. Defaults 15% / 10% / 7.5%.'),
    maxContracts: z.number().int().min(1).max(100_000).default(64).describe('Most option contracts (kind, strike, expiry) held at once. Default 64.'),
  })
  .describe('Option orders of the strategy (docs/strategies.md#option-orders-and-margin).');

export type StrategyOptionsConfig = z.output<typeof strategyOptionsSchema>;

import { z } from 'zod';

export const inventoryBlockSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none').describe('No options: the dealer does nothing (the history is replayed exactly).') }),
  z.strictObject({
    kind: z.literal('customer-crash-puts').describe('Customers long crash puts across strikes and expiries; the dealer is short them.'),
    totalQtyBase: z.number().positive().describe('Customers\' total long quantity, base units (e.g. BTC). The dealer\'s net short gamma is some fraction of open interest that nobody observes: sweep it.'),
    moneynessMin: z.number().positive().default(0.6).describe('Lowest strike / spot at the start. Default 0.6.'),
    moneynessMax: z.number().positive().default(0.95).describe('Highest strike / spot. Default 0.95.'),
    strikes: z.number().int().min(1).default(8).describe('Number of strikes. Default 8.'),
    tenorsDays: z.array(z.number().positive()).min(1).default([7, 14, 30, 60, 90]).describe('Tenors, days. Default [7, 14, 30, 60, 90].'),
    weighting: z.enum(['equal', 'short-dated', 'random']).default('equal').describe('Spread of quantity over the grid. Default equal.'),
  }),
  z.strictObject({
    kind: z.literal('yield-vault-puts').describe('A covered-put vault writes weekly OTM puts to the dealer (dealer long gamma by default).'),
    notionalBase: z.number().positive().describe('Vault collateral written as puts, base units.'),
    otmPct: z.number().min(0).lt(100).default(10).describe('Percent out of the money. Default 10.'),
    tenorDays: z.number().positive().default(7).describe('Default 7.'),
    dealerSide: z.enum(['long', 'short']).default('long').describe('Default long (the dealer bought the vault\'s puts).'),
  }),
  z.strictObject({
    kind: z.literal('log-uniform-strip').describe('Equal quantity per strike on a log-uniform grid: S·Γ nearly constant (Frey–Stremme checks).'),
    qtyPerStrike: z.number().positive().describe('Base units per strike.'),
    strikeMinRel: z.number().positive().describe('Lowest strike / spot at start.'),
    strikeMaxRel: z.number().positive().describe('Highest strike / spot at start.'),
    count: z.number().int().min(2).describe('Number of strikes.'),
    tenorDays: z.number().positive().describe('Tenor, days.'),
    optionType: z.enum(['call', 'put']).default('put'),
    side: z.enum(['long', 'short']).default('short'),
  }),
  z.strictObject({
    kind: z
      .literal('chain')
      .describe("Open interest from an option chain as known at the first bar: each live option's open interest at its last row at or before the first bar's time, times `fraction`, on `side`. Fixed for the run (later open interest is never read)."),
    path: z.string().min(1).describe('Option-chain CSV (relative to the scenario file).'),
    layout: z.enum(['tardis', 'deribit']).describe("Column layout: 'tardis' or 'deribit' (as surface.chain)."),
    side: z.enum(['short', 'long']).default('short').describe("The dealer's side of the open interest. Default short (customers long)."),
    fraction: z.number().gt(0).max(1).default(1).describe('Share of the open interest the dealer holds, in (0, 1]: the dealer\'s net position is some fraction of open interest that nobody observes: sweep it. Default 1.'),
  }),
  z.strictObject({
    kind: z.literal('csv').describe('Positions from a CSV file (strike,expiry,type,qty; qty is the dealer\'s signed quantity).'),
    path: z.string().min(1),
  }),
]);

/** One block, or several whose options the dealer holds together (e.g. a put strip and a call strip). */
export const inventorySchema = z.union([inventoryBlockSchema, z.array(inventoryBlockSchema).min(1)]);

export type InventoryBlock = z.output<typeof inventoryBlockSchema>;

export const hedgeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('every-bar'), minTradeBase: z.number().min(0).default(0).describe('Skip trades smaller than this, base units. Default 0.') }),
  z.strictObject({
    kind: z.literal('delta-band'),
    halfWidthBase: z.number().min(0).describe('Band half-width, base units.'),
    target: z.enum(['edge', 'zero']).default('edge'),
  }),
  z.strictObject({ kind: z.literal('time-interval'), everyBars: z.number().int().min(1), offsetBars: z.number().int().min(0).default(0) }),
  z.strictObject({
    kind: z.literal('whalley-wilmott'),
    riskAversionPerQuote: z.number().positive().describe('Absolute risk aversion γ per quote unit.'),
    costRate: z.number().min(0).optional().describe('Proportional cost λ; default dealer.hedgeCostBps / 1e4.'),
    minHalfWidthBase: z.number().min(0).default(0),
  }),
]);

export const dealerSchema = z
  .strictObject({
    inventory: inventorySchema
      .prefault({ kind: 'none' })
      .describe('The dealer\'s options at the run start: one block, or a list of blocks held together (e.g. a put strip and a call strip). Default none.'),
    hedge: hedgeSchema.prefault({ kind: 'every-bar' }).describe('When the dealer trades toward delta neutral. Default every-bar (to convergence inside the bar).'),
    tenorDayCount: z
      .enum(['ACT/365.25', 'ACT/365'])
      .default('ACT/365.25')
      .describe(
        'The year a time to expiry is counted in for pricing, greeks and theta: ACT/365.25 (the engine\'s clock year) or ACT/365 (the convention of most venues, e.g. Deribit). Tenors written in days (the surface\'s 30-day reference, skew and put-strip tenors) use 365 either way. Default ACT/365.25.',
      ),
    roll: z.enum(['none', 'same-moneyness']).default('same-moneyness').describe('Expired options are re-sold at the same moneyness and tenor. Default same-moneyness.'),
    revaluation: z
      .strictObject({
        mode: z
          .enum(['every-bar', 'when-moved'])
          .default('every-bar')
          .describe('every-bar: exact re-valuation of every option on the surface at every bar start. when-moved: only when one of the thresholds below is crossed (or an option expires); in between the book is carried by its greeks. Default every-bar.'),
        maxSpotMoveBps: z.number().positive().default(25).describe('Re-value exactly once the mid moved this far from the last exact valuation, bps; also bounds the Taylor marking inside a bar. Default 25.'),
        maxAtmVolMove: z.number().positive().default(0.005).describe('when-moved: re-value once the ATM vol moved this much (0.005 = half a vol point). Default 0.005.'),
        maxDrawdownMove: z.number().positive().default(0.005).describe('when-moved: re-value once the drawdown (which steers the stress regime) moved this much. Default 0.005.'),
        maxStaleMinutes: z.number().positive().default(60).describe('when-moved: re-value at least this often, minutes. Default 60.'),
      })
      .prefault({})
      .describe('How often the options are re-priced on the surface.'),
    startHedged: z
      .boolean()
      .default(true)
      .describe('The dealer starts with the hedge its policy wants at the first mid (it hedged as it sold the book); false sends the whole initial hedge into the book in bar 0. Default true.'),
    hedgeCostBps: z.number().min(0).default(5).describe('Proportional hedging cost the policies assume (Whalley–Wilmott λ), bps. Default 5.'),
  })
  .describe('The options market maker.');

export type DealerConfig = z.output<typeof dealerSchema>;
export type InventoryConfig = z.output<typeof inventoryBlockSchema>;
export type HedgeSchemaConfig = z.output<typeof hedgeSchema>;

import { z } from 'zod';
import { TENOR_DAYS_PER_YEAR } from '../core/time.js';

export const surfaceSchema = z
  .strictObject({
    dynamics: z
      .enum(['sticky-strike', 'sticky-moneyness', 'stress'])
      .default('stress')
      .describe('How the smile moves with spot: sticky-strike, sticky-moneyness, or the stress regime (ATM up and skew steeper with drawdown). Default stress.'),
    rho: z.number().gt(-1).lt(1).default(-0.4).describe('SSVI ρ (negative = downside skew). Default -0.4.'),
    eta: z.number().positive().default(1).describe('SSVI power-law η. Default 1.'),
    gamma: z.number().gt(0).max(1).default(0.5).describe('SSVI power-law γ. Default 0.5.'),
    term: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('flat') }),
        z.strictObject({
          kind: z.literal('meanReverting'),
          refYears: z.number().positive().default(30 / TENOR_DAYS_PER_YEAR).describe('Expiry the ATM level refers to (DVOL/VIX: 30 days).'),
          longRunVol: z.number().positive().describe('Long-run ATM vol (decimal).'),
          kappa: z.number().min(0).describe('Mean reversion of forward variance per year.'),
        }),
      ])
      .prefault({ kind: 'flat' })
      .describe('ATM term structure θ_T. Default flat.'),
    atm: z
      .strictObject({
        useIvIndex: z.boolean().default(true).describe('Use the IV index (DVOL, VIX) when the data has one. Default true.'),
        premium: z.number().positive().default(1.1).describe('Without an index: ATM vol = slow realised vol × premium. Default 1.1 (assumption).'),
        realisedHalfLifeHours: z
          .number()
          .positive()
          .default(72)
          .describe('Half-life of the slow realised vol behind the ATM level, hours: a 30-day option prices the coming month, not the last hour. Default 72 (assumption).'),
        minVol: z.number().positive().default(0.05).describe('Floor on the ATM vol. Default 0.05.'),
        maxVol: z
          .number()
          .positive()
          .default(2)
          .describe('Cap on the ATM vol, after the stress multiplier. Default 2 (BTC 1-month ATM IV peaked at 184% on 2020-03-16, Skew; docs/calibration.md#implied-volatility).'),
      })
      .prefault({}),
    stress: z
      .strictObject({
        atmPerDrawdown: z.number().min(0).default(0.5).describe('a: σ_atm × (1 + a·drawdown + b·stress). Default 0.5 (assumption: on top of realised vol already rising, a 40% fall adds 20%).'),
        atmPerStress: z.number().min(0).default(0).describe('b. Default 0 (the stress metric comes with the liquidation issue).'),
        rhoPerDrawdown: z.number().min(0).default(1).describe('c: ρ − c·drawdown − d·stress. Default 1 (assumption).'),
        rhoPerStress: z.number().min(0).default(0).describe('d. Default 0.'),
        rhoMin: z.number().gt(-1).default(-0.9).describe('Floor of the steepened ρ. Default -0.9.'),
      })
      .prefault({}),
    onArbitrage: z
      .enum(['refuse', 'clamp'])
      .default('refuse')
      .describe('Base parameters that admit butterfly arbitrage are refused, or clamped and reported. Default refuse.'),
    flatVol: z
      .number()
      .positive()
      .optional()
      .describe('One implied vol (decimal) for every strike and expiry, all run long: ρ = 0, η = 0, a flat term structure, sticky-strike, the ATM level fixed (no IV index, no realised vol, no stress). For checks against Black-Scholes. Default: off (the SSVI fields apply).'),
    chain: z
      .strictObject({
        path: z.string().min(1).describe('Option-chain CSV (relative to the scenario file).'),
        layout: z
          .enum(['tardis', 'deribit', 'deribit-trades'])
          .describe("Column layout: 'tardis' (Tardis.dev options_chain), 'deribit' (rows of Deribit's get_book_summary_by_currency) or 'deribit-trades' (Deribit's option trades as cascade data fetch writes them; each trade a mark quote, the index as forward)."),
        everyMinutes: z
          .number()
          .positive()
          .default(60)
          .describe('Snapshot grid, minutes: the surface is re-fitted to the chain as known at each multiple of this since the epoch. Default 60.'),
        iv: z.enum(['mark', 'mid']).default('mark').describe("Vol fitted: the venue's mark IV, or the mid of bid and ask IV. Default mark."),
        weights: z
          .enum(['vega', 'spread', 'equal'])
          .default('vega')
          .describe('Least-squares weights: Black vega at the quoted vol, 1/(bid-ask IV spread)², or equal. Default vega.'),
        minExpiryDays: z.number().min(0).default(1).describe('Options closer to expiry than this are not fitted, days. Default 1.'),
        maxQuoteAgeMinutes: z
          .number()
          .positive()
          .default(60)
          .describe('Quotes last updated longer than this before a snapshot are not fitted (stale), minutes. Default 60.'),
      })
      .optional()
      .describe('Calibrate the surface to an option chain, one fit per snapshot; each bar uses the last fit at or before its time (its shape, term structure and ATM level; the dynamics mode still applies on top). Default: off.'),
    skewTenorDays: z.number().min(0).default(30).describe('Expiry at which rr25 and put_wing_slope are recorded, days; 0 = off. Default 30.'),
  })
  .describe('The SSVI implied-volatility surface (Gatheral & Jacquier 2014).');

export type SurfaceConfig = z.output<typeof surfaceSchema>;

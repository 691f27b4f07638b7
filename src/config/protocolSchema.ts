import { z } from 'zod';

export const distribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), value: z.number() }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number(), max: z.number() }),
  z.strictObject({ kind: z.literal('lognormal'), median: z.number().positive(), sigma: z.number().min(0) }),
]);

export const bidderGroup = z.strictObject({
  count: z.number().int().min(0).describe('Bidders in the group.'),
  capitalPerBidderQuote: z.number().min(0).default(1_000_000).describe('Capital each bidder starts with, quote. Default 1,000,000 (assumption).'),
  requiredDiscountPct: distribution
    .prefault({ kind: 'uniform', min: 3, max: 10 })
    .describe('Discount to the mid a bidder requires, percent; 100 bids only at 0 (the zero bids of 12 March 2020). Default uniform 3-10 (assumption).'),
  gasToleranceGwei: distribution
    .prefault({ kind: 'fixed', value: 1e12 })
    .describe('Gas price above which the bidder is absent, gwei. Default: always present.'),
});

export const mechanismSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('direct').describe('Seized collateral is market-sold at once.') }),
  z.strictObject({
    kind: z.literal('dutch').describe('Dutch auction (MakerDAO Liquidations 2.0 style): price starts above the oracle and decays; bidders buy at their required discount and resell into the book.'),
    startPremiumPct: z.number().min(0).default(20).describe('Start price above the oracle, percent. Default 20 (assumption; Maker buf).'),
    stepMs: z.number().positive().default(60_000).describe('Price step, ms. Default 60000.'),
    decay: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('exponential'), cutPctPerStep: z.number().gt(0).lt(100).default(1) }),
        z.strictObject({ kind: z.literal('linear'), timeToZeroMs: z.number().positive() }),
      ])
      .prefault({ kind: 'exponential' })
      .describe('Price decay per step. Default exponential 1% per step.'),
    floorPctOfOracle: z.number().min(0).default(0).describe('Floor, percent of the oracle at open; 0 lets an auction clear at 0. Default 0.'),
    maxDurationMs: z.number().positive().default(3_600_000).describe('Auction length limit, ms. Default 3600000 (assumption; Maker tail).'),
    unsold: z.enum(['sell-direct', 'hold']).default('sell-direct').describe('Unsold collateral at the end: market-sold, or held by the protocol at zero value. Default sell-direct.'),
    zeroPriceFractionOfOracle: z.number().min(0).lt(1).default(0.001).describe('An auction clearing at or below this fraction of the oracle counts as a zero-price clear. Default 0.001.'),
    bidders: z
      .strictObject({
        groups: z.array(bidderGroup).min(1).prefault([{ count: 10 }]).describe('Bidder groups. Default one group of 10.'),
        resaleFractionPerBar: z.number().min(0).max(1).default(0.1).describe('Share of each bidder\'s inventory resold into the book per bar. Default 0.1 (assumption).'),
      })
      .prefault({}),
  }),
  z.strictObject({
    kind: z.literal('backstop').describe('Backstop / stability pool: pre-committed capital absorbs collateral at a discount until exhausted, then direct sale.'),
    initialCapitalQuote: z
      .number()
      .min(0)
      .default(5_000_000)
      .describe('Pool capital before the run, quote. Default 5,000,000 (assumption: set it from the protocol studied and sweep it).'),
    discountPct: z.number().min(0).lt(100).default(10).describe('Discount to the oracle the pool pays, percent. Default 10 (assumption; Liquity 110% MCR).'),
    resaleFractionPerBar: z.number().min(0).max(1).default(0).describe('Share of the pool\'s collateral resold per bar; 0 holds it. Default 0.'),
  }),
]);

const leverageBand = z.strictObject({
  min: z.number().min(1).describe('Leverage drawn uniform in (min, max].'),
  max: z.number().min(1),
  share: z.number().positive().describe('Share of open interest in this band (normalised).'),
  label: z.string().default(''),
});

export const venueSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('perp'),
    maintenanceMargin: z.number().gt(0).lt(1).default(0.0125).describe('Maintenance margin, fraction of notional. Default 0.0125 (Hyperliquid BTC).'),
  }),
  z.strictObject({
    kind: z.literal('lending'),
    thresholdMin: z.number().gt(0).max(1).default(0.8).describe('LT drawn uniform in [min, max]. Default 0.80-0.85.'),
    thresholdMax: z.number().gt(0).max(1).default(0.85),
  }),
]);

export const sizeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('lognormal'),
    median: z.number().positive().default(10_000),
    logSd: z.number().min(0).default(1.5),
    unit: z.enum(['base', 'notionalQuote', 'marginQuote']).default('notionalQuote'),
  }),
  z.strictObject({
    kind: z.literal('pareto'),
    min: z.number().positive(),
    tailIndex: z.number().positive(),
    unit: z.enum(['base', 'notionalQuote', 'marginQuote']).default('notionalQuote'),
  }),
]);

export const entrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('lognormal'), logMean: z.number().default(0), logSd: z.number().min(0).default(0.1) }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number().positive(), max: z.number().positive() }),
]);

const populationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('generated').describe('A seeded population of leveraged longs.'),
    count: z.number().int().min(1).default(10_000).describe('Accounts. Default 10,000.'),
    venue: venueSchema
      .prefault({ kind: 'perp' })
      .describe('perp (isolated longs) or lending (collateral/debt accounts). Default perp.'),
    totalNotionalQuote: z
      .number()
      .positive()
      .optional()
      .describe('Scale sizes so Σ collateral × start price equals this (open interest), quote. Default: sizes as drawn.'),
    size: sizeSchema
      .prefault({ kind: 'lognormal' })
      .describe('Position size distribution. Default log-normal, median $10,000 notional, log-sd 1.5 (assumption).'),
    leverage: z
      .array(leverageBand)
      .min(1)
      .optional()
      .describe('Leverage bands by open-interest share. Default for perps: Hyperliquid Dec 2025 (36% ≤3x, 48% 3-7x, 15% >7x; docs/calibration.md#leverage); for lending an assumption.'),
    entry: entrySchema
      .prefault({ kind: 'lognormal' })
      .describe('Entry price / start price: positions opened earlier at other prices. Default log-normal, log-sd 0.1.'),
  }),
  z.strictObject({
    kind: z.literal('csv').describe('Real positions, one row per account (see README "Protocol").'),
    path: z.string().min(1),
  }),
]);

export const oracleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('spot'), latencyMs: z.number().min(0).default(0) }),
  z.strictObject({ kind: z.literal('twap'), windowMs: z.number().positive().default(1_800_000), latencyMs: z.number().min(0).default(0) }),
  z.strictObject({
    kind: z.literal('vol-adjusted'),
    halfLifeMs: z.number().positive().default(300_000),
    calmVolPerYear: z.number().positive().default(0.6),
    volHalfLifeMs: z.number().positive().default(3_600_000),
    volExponent: z.number().min(0).default(1),
    latencyMs: z.number().min(0).default(0),
  }),
]);

export const keeperGasSchema = z
  .strictObject({
    path: z.string().min(1).describe('Gas CSV (the 10-minute Ethereum gas layout).'),
    field: z.enum(['avg', 'p30', 'p60', 'p90', 'max']).default('p90'),
    gasCeilingGwei: z.number().positive().default(1e12).describe('Keepers stop above this gas price, gwei.'),
    gasScaleExponent: z.number().min(0).default(0),
    maxGasScale: z.number().min(1).default(10),
  });

export const keepersSchema = z.strictObject({
  baseLatencyMs: z.number().min(0).default(0).describe('Latency of one keeper, ms. Default 0.'),
  keepers: z.number().min(1).default(1).describe('Competing keepers. Default 1.'),
  competitionExponent: z.number().min(0).default(1).describe('Delay = base / keepers^α. Default 1.'),
  gracePeriodMs: z.number().min(0).default(0).describe('Grace period (time-to-liquidation defence), ms. Default 0.'),
  gas: keeperGasSchema
    .optional()
    .describe('A gas series that slows or stops keepers (and auction bidders).'),
});

export const dynamicThresholdSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('off') }),
  z.strictObject({
    kind: z.literal('vol-scaled'),
    calmVolPerYear: z.number().positive().default(0.6),
    slope: z.number().min(0).default(0.1),
    minMultiplier: z.number().gt(0).max(1).default(0.8),
    maxTightenPerBar: z.number().positive().optional(),
  }),
]);

export const circuitBreakerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('off') }),
  z.strictObject({
    kind: z.literal('velocity'),
    action: z.enum(['pause', 'throttle']).default('pause'),
    halfLifeMs: z.number().positive().default(600_000),
    limitQuotePerMin: z.number().positive(),
    cooldownMs: z.number().min(0).default(3_600_000),
    throttleQuotePerBar: z.number().min(0).optional(),
    marginMultiplier: z.number().positive().default(1),
  }),
]);

export const marginFloorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('off') }),
  z.strictObject({ kind: z.literal('implied-vol'), k: z.number().positive().default(3), horizonMs: z.number().positive().default(3_600_000) }),
]);

export const solvencyTestSchema = z.strictObject({
  everyBars: z.number().int().min(1).default(60),
  shocks: z.array(z.number().gt(0).lt(1)).min(1).default([0.05, 0.1, 0.2, 0.3]),
  badDebtLimitQuote: z.number().min(0).default(0),
  response: z.enum(['penalty', 'fund-target']).default('penalty'),
  penaltyStepBps: z.number().min(0).default(100),
  maxPenaltyBps: z.number().min(0).default(2000),
  relaxStepBps: z.number().min(0).default(0),
});

export const contagionBondSchema = z.strictObject({
  trigger: z
    .strictObject({
      index: z
        .enum(['liquidationVelocity', 'branchingSum', 'drawdown'])
        .describe('Public stress index read at each bar start: liquidationVelocity (EWMA of forced-selling quote per minute through the previous bar), branchingSum (liquidation + gamma branching ratios recorded for the previous bar), drawdown (fraction below the running peak of the mid at the bar start).'),
      level: z.number().positive().describe('The bond pays at the first bar whose index is at or above this level (quote/min, ratio or fraction, by index).'),
    })
    .describe('What makes the bond pay.'),
  notionalQuote: z.number().positive().describe('Paid in full at the trigger bar, quote; escrowed by the sellers before the run.'),
  couponPerYear: z.number().min(0).default(0).describe('Coupon the lenders pay the sellers, fraction of notional per year, accrued every bar before the trigger. Default 0 (price it with `cascade bond price`).'),
  payoutTo: z.enum(['insuranceFund', 'backstopPool']).default('insuranceFund').describe('Where the payout goes; backstopPool needs the backstop mechanism. Default insuranceFund.'),
});

const defencesSchema = z.strictObject({
  dynamicThreshold: dynamicThresholdSchema
    .prefault({ kind: 'off' })
    .describe('Volatility-adjusted liquidation thresholds (stricter as vol rises). Default off.'),
  circuitBreaker: circuitBreakerSchema
    .prefault({ kind: 'off' })
    .describe('Circuit breaker on the time-weighted liquidation rate. Default off.'),
  marginFloor: marginFloorSchema
    .prefault({ kind: 'off' })
    .describe('No liquidations below a floor k implied sigmas under the oracle one horizon ago. Default off.'),
  solvencyTest: solvencyTestSchema
    .optional()
    .describe('Algorithmic solvency test: every N bars, project bad debt for shocks through the cascade law; raise the penalty or the fund target when over the limit. Default off.'),
  contagionBond: contagionBondSchema
    .optional()
    .describe('Contagion bond: outside capital paid a coupon in calm bars pays its notional into the insurance fund or backstop pool at the first bar a public stress index reaches a level. Default off.'),
});

export const perpFundingSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('premium').describe('Rate from the mean premium (mark − index)/index over the interval, Binance\'s formula F = P + clamp(I − P, ±c), capped.'),
    interestPctPerInterval: z.number().default(0.01).describe('Interest part I, percent per interval. Default 0.01 (Binance, per 8 h).'),
    premiumClampPct: z.number().min(0).default(0.05).describe('Clamp c on I − P, percent. Default 0.05 (Binance).'),
    capPct: z.number().positive().default(0.75).describe('Cap on |F|, percent per interval. Default 0.75 (a choice: venues set it per contract).'),
  }),
  z.strictObject({
    kind: z.literal('series').describe('Settled rates from a file in Binance\'s fundingRate layout (calc_time,funding_interval_hours,last_funding_rate).'),
    path: z.string().min(1),
  }),
  z.strictObject({ kind: z.literal('off').describe('No funding.') }),
]);

export const perpShortsSchema = z.strictObject({
  count: z.number().int().min(1).default(1_000).describe('Short accounts; their sizes sum to the longs\' open interest. Default 1,000.'),
  leverageMin: z.number().min(1).default(1).describe('Leverage drawn uniform in [min, max]. Default 1-5 (a choice).'),
  leverageMax: z.number().min(1).default(5),
  entryLogSd: z.number().min(0).default(0.1).describe('Log-sd of entry / start price. Default 0.1, as the longs.'),
  sizeLogSd: z.number().min(0).default(1.5).describe('Log-sd of sizes before scaling. Default 1.5, as the longs.'),
}).refine((s) => s.leverageMax >= s.leverageMin, { message: 'leverageMax must be >= leverageMin', path: ['leverageMax'] });

export const perpSchema = z.strictObject({
  fundingIntervalHours: z.number().positive().default(8).describe('Funding interval, hours (premium funding; a series carries its own times). Default 8.'),
  funding: z
    .preprocess((v) => (typeof v === 'string' ? { kind: v } : v), perpFundingSchema)
    .prefault({ kind: 'premium' })
    .describe('Where the funding rate comes from: premium, series or off. Default premium.'),
  shorts: perpShortsSchema.prefault({}).describe('The generated short side. Default 1,000 shorts at 1-5x.'),
  adl: z.boolean().default(true).describe('Auto-deleverage the short side when the insurance fund cannot take a bankrupt long. Default true.'),
  index: z
    .strictObject({ path: z.string().min(1).describe('Index price bars in any bar layout (e.g. Binance indexPriceKlines, binance-kline).') })
    .optional()
    .describe('The index the premium is measured against: the close of the latest index bar starting at or before the bar. Default: the replayed bars\' own close.'),
});

export const protocolSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run a lending protocol / perp venue with leveraged accounts. Default false.'),
    population: populationSchema.prefault({ kind: 'generated' }).describe('The accounts. Default: a generated perp population.'),
    liquidation: z
      .strictObject({
        mechanism: z
          .preprocess((v) => (typeof v === 'string' ? { kind: v } : v), mechanismSchema)
          .prefault({ kind: 'direct' })
          .describe('How seized collateral is sold: direct, dutch, backstop (a name alone takes that mechanism\'s defaults, e.g. --vary protocol.liquidation.mechanism=direct,dutch,backstop). Default direct.'),
        closeFactor: z.number().gt(0).max(1).default(0.5).describe('Share of an account\'s debt repaid per liquidation. Default 0.5 (Aave v2/v3).'),
        penaltyPct: z.number().min(0).default(5).describe('Liquidation penalty (bonus), percent of the repaid debt, taken in collateral. Default 5.'),
        dustDebtQuote: z.number().min(0).default(100).describe('Debt below which an account is closed whole. Default 100.'),
        maxPerRound: z.number().int().positive().default(100_000).describe('Cap on liquidations per cascade round (safety). Default 100000.'),
      })
      .prefault({}),
    settlement: z
      .strictObject({
        keeperShareOfPenalty: z.number().min(0).max(1).default(0.5).describe('Share of the realised penalty to keepers; the rest to the insurance fund. Default 0.5 (assumption).'),
        lossPolicy: z.enum(['bad-debt', 'socialize']).default('bad-debt').describe('What happens to a shortfall the fund cannot pay. Default bad-debt.'),
      })
      .prefault({}),
    insuranceFundQuote: z.number().min(0).default(0).describe('Insurance fund before the run, quote. Default 0: set it from the protocol studied and sweep it.'),
    oracle: oracleSchema.prefault({ kind: 'spot' }).describe('The price the protocol liquidates against: spot, twap or vol-adjusted, each with a latency. Default spot, no latency.'),
    keepers: keepersSchema.prefault({}).describe('Keeper latency, competition and gas. Default: liquidated in the round the account becomes liquidatable.'),
    defences: defencesSchema.prefault({}).describe('Defences; all off by default.'),
    putStripTenorDays: z.number().positive().default(1).describe('Tenor at which the implicit put strip (bad-debt exposure) is valued, days. Default 1.'),
    putStripEveryBars: z.number().int().min(1).default(15).describe('Value the put strip every this many bars (it costs O(strike buckets)). Default 15.'),
    perp: perpSchema
      .optional()
      .describe('Perpetual venue mechanics: mark and index, funding between longs and a generated short side, auto-deleveraging. Default off.'),
  })
  .describe('The leveraged accounts and their liquidation engine.');

export type ProtocolConfig = z.output<typeof protocolSchema>;
export type KeepersConfig = z.output<typeof keepersSchema>;
export type KeeperGasSchemaConfig = z.output<typeof keeperGasSchema>;
export type OracleSchemaConfig = z.output<typeof oracleSchema>;
export type DynamicThresholdSchemaConfig = z.output<typeof dynamicThresholdSchema>;
export type CircuitBreakerSchemaConfig = z.output<typeof circuitBreakerSchema>;
export type MarginFloorSchemaConfig = z.output<typeof marginFloorSchema>;
export type SolvencyTestSchemaConfig = z.output<typeof solvencyTestSchema>;
export type ContagionBondSchemaConfig = z.output<typeof contagionBondSchema>;
export type DistributionConfig = z.output<typeof distribution>;
export type BidderGroupSchemaConfig = z.output<typeof bidderGroup>;
export type MechanismSchemaConfig = z.output<typeof mechanismSchema>;
export type VenueConfig = z.output<typeof venueSchema>;
export type SizeDistributionConfig = z.output<typeof sizeSchema>;
export type EntryDistributionConfig = z.output<typeof entrySchema>;
export type PerpConfig = z.output<typeof perpSchema>;

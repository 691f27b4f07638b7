import { z } from 'zod';

/**
 * The behavioural layer (issue 11; docs/model.md#behaviours): each
 * behaviour is off by default, so a scenario without this section gives
 * byte-identical outputs to the run without the layer.
 */
export const herdingSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('STYLIZED ASSUMPTION: unlevered holders who sell on drawdown. Default off.'),
    holdingsBase: z.number().min(0).default(0).describe('Holdings of the herding population, base units. Default 0.'),
    groups: z.number().int().min(1).max(10_000).default(10).describe('Holder classes with their own drawdown threshold. Default 10.'),
    thresholds: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('uniform'), minDrawdown: z.number().gt(0).default(0.05), maxDrawdown: z.number().gt(0).default(0.3) }),
        z.strictObject({ kind: z.literal('lognormal'), medianDrawdown: z.number().gt(0), sigmaLog: z.number().min(0) }),
        z.strictObject({ kind: z.literal('fixed'), drawdowns: z.array(z.number().gt(0)).min(1) }),
      ])
      .prefault({ kind: 'uniform' })
      .describe('Drawdown thresholds of the classes. Default uniform 5-30%.'),
    sellFraction: z.number().gt(0).max(1).default(0.25).describe('Fraction of a class\'s holdings sold at its threshold. Default 0.25.'),
    sellOverBars: z.number().int().min(1).default(1).describe('Bars the sale is spread over. Default 1.'),
    intraBar: z.boolean().default(false).describe('Also react to the live mid inside a bar. Default false.'),
    rebuy: z
      .strictObject({ drawdownFractionOfThreshold: z.number().min(0).lt(1), overBars: z.number().int().min(1) })
      .nullable()
      .default(null)
      .describe('Buy back after a recovery; null never. Default null.'),
  })
  .prefault({});

export const paramDistribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), value: z.number().gt(0) }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number().gt(0), max: z.number().gt(0) }),
  z.strictObject({ kind: z.literal('lognormal'), median: z.number().gt(0), sigma: z.number().min(0) }),
]);

export const deleveragingSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Leveraged accounts sell collateral to repay debt before their threshold is hit. Default off.'),
    classes: z.number().int().min(1).max(16).default(8).describe('Classes of accounts sharing a buffer and thresholds (keeps the cost O(K log n)). Default 8.'),
    activeShare: z.number().min(0).max(1).default(1).describe('Share of accounts that watch their position at all. Default 1.'),
    bufferFraction: paramDistribution
      .prefault({ kind: 'uniform', min: 0.05, max: 0.25 })
      .describe('Buffer b above the liquidation price at which an account acts (when stressed). Default uniform 5-25% (assumption: no published distribution, docs/model.md#choices-to-sweep).'),
    targetBufferMultiple: z.number().min(1).default(2).describe('After acting, the distance to liquidation is this multiple of the buffer. Default 2.'),
    panicBufferShare: z.number().min(0).max(1).default(0.5).describe('Without stress an account still acts within this share of its buffer. Default 0.5.'),
    drawdownThreshold: paramDistribution
      .nullable()
      .prefault({ kind: 'uniform', min: 0.05, max: 0.2 })
      .describe('Drawdown that stresses a class; null ignores the signal. Default uniform 5-20% (assumption).'),
    volRatioThreshold: paramDistribution
      .nullable()
      .prefault({ kind: 'lognormal', median: 2, sigma: 0.3 })
      .describe('Realised over calm vol that stresses a class; null ignores it. Default lognormal median 2 (assumption).'),
    liquidationQuotePerMinThreshold: paramDistribution
      .nullable()
      .default(null)
      .describe('Forced selling (quote per minute) that stresses a class; null ignores it. Default null.'),
  })
  .prefault({});

/** A threshold that may be switched off: null (JSON has no Infinity) means the signal is ignored. */
export const lpThreshold = z
  .strictObject({ median: z.number().gt(0).nullable(), logSd: z.number().min(0).default(0.5) })
  .transform((t) => ({ median: t.median === null ? Infinity : t.median, logSd: t.logSd }));

export const liquidityProvidersSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Liquidity providers pull depth on public stress signals and return with a recovery half-life. Default off. With it on, consider market.withdrawal.elasticity = 0 (docs/lp-withdrawal.md).'),
    groupCount: z.number().int().min(1).max(4096).default(16).describe('LP groups with their own thresholds. Default 16.'),
    mobileDepthShare: z.number().min(0).lt(1).default(0.68).describe('Share of the base depth the groups hold (can leave). Default 0.68 (fitted, docs/lp-withdrawal.md).'),
    drawdownThreshold: lpThreshold.prefault({ median: 0.125 }).describe('Drawdown at which a group starts to leave (lognormal). Default median 0.125, log-sd 0.5 (fitted).'),
    volRatioExcessThreshold: lpThreshold.prefault({ median: 0.25 }).describe('Excess of vol over calm (volRatio − 1) at which a group starts to leave. Default median 0.25, log-sd 0.5 (fitted).'),
    liquidationQuotePerMinThreshold: lpThreshold.prefault({ median: null }).describe('Liquidation velocity threshold, quote per minute; median null ignores it. Default ignored (no forced-order data to fit).'),
    withdrawalElasticity: z.number().gt(0).default(0.22).describe('e in min(1, (score − 1)·e). Default 0.22 (fitted).'),
    recoveryHalfLifeMs: z.number().gt(0).default(28_800_000).describe('Half-life of the return of withdrawn depth, ms. Default 8 h (fitted).'),
  })
  .prefault({});

export const flightThreshold = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('off') }),
  z.strictObject({ kind: z.literal('fixed'), value: z.number().gt(0) }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number().gt(0), max: z.number().gt(0) }),
  z.strictObject({ kind: z.literal('lognormal'), median: z.number().gt(0), sigma: z.number().min(0) }),
  z.strictObject({ kind: z.literal('values'), values: z.array(z.number().gt(0)).min(1) }),
]);

export const backstopFlightSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Backstop depositors withdraw as stress rises (needs protocol.liquidation.mechanism backstop). Default off.'),
    depositorCount: z.number().int().min(1).default(100).describe('Depositors. Default 100 (assumption).'),
    shares: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('equal') }),
        z.strictObject({ kind: z.literal('pareto'), tailIndex: z.number().gt(0) }),
        z.strictObject({ kind: z.literal('weights'), weights: z.array(z.number().gt(0)).min(1) }),
      ])
      .prefault({ kind: 'equal' }),
    thresholds: z
      .strictObject({
        drawdown: flightThreshold.prefault({ kind: 'lognormal', median: 0.1, sigma: 0.5 }),
        volRatio: flightThreshold.prefault({ kind: 'lognormal', median: 3, sigma: 0.5 }),
        liquidationQuotePerMin: flightThreshold.prefault({ kind: 'off' }),
      })
      .prefault({})
      .describe('Per-depositor thresholds (assumptions; sweep them). Defaults: drawdown lognormal median 10%, vol ratio median 3, liquidation velocity off.'),
    lockupBars: z.number().int().min(0).default(0).describe('Bars between a withdrawal request and its payment (a lock-up or delay the protocol imposes). Default 0.'),
    withdrawalFeePct: z.number().min(0).max(100).default(0).describe('Withdrawal fee, percent, kept by the pool. Default 0.'),
    claimBasis: z.enum(['available', 'committed']).default('available').describe('A share is of the pool\'s spendable quote, or of its value with held collateral at the mid. Default available.'),
  })
  .prefault({});

export const behaviourSchema = z
  .strictObject({
    herding: herdingSchema,
    deleveraging: deleveragingSchema,
    liquidityProviders: liquidityProvidersSchema,
    backstopFlight: backstopFlightSchema,
  })
  .describe('Behaviours that respond to public stress signals: all off by default.');

export type BehaviourConfig = z.output<typeof behaviourSchema>;

/**
 * The behaviours' config types, derived from their schemas so a field is
 * written once. The runner hands the parsed section over as is; `enabled` is
 * the runner's switch, so the behaviours that are built only when on leave it out.
 */
export type HerdingConfig = Omit<z.output<typeof herdingSchema>, 'enabled'>;
export type HerdingThresholds = HerdingConfig['thresholds'];
export type HerdingRebuyConfig = NonNullable<HerdingConfig['rebuy']>;
export type ParamDistribution = z.output<typeof paramDistribution>;
export type DeleveragingConfig = z.output<typeof deleveragingSchema>;
export type LpThresholdDistribution = z.output<typeof lpThreshold>;
export type LiquidityProvidersConfig = z.output<typeof liquidityProvidersSchema>;
export type FlightThresholdDistribution = z.output<typeof flightThreshold>;
export type BackstopFlightConfig = Omit<z.output<typeof backstopFlightSchema>, 'enabled'>;
export type ShareSplit = BackstopFlightConfig['shares'];

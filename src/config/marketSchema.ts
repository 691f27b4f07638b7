import { z } from 'zod';

/** A half-life in ms, or 'never' for no decay (JSON has no Infinity). */
const halfLifeMs = z
  .union([z.number().positive(), z.literal('never')])
  .transform((v) => (v === 'never' ? Infinity : v));

const impactDecay = {
  permanentFraction: z
    .number()
    .min(0)
    .max(1)
    .default(2 / 3)
    .describe('Share of each order\'s log impact that never decays. Default 2/3 (Said et al. 2017: permanent ≈ 2/3 of peak in equities).'),
  transientHalfLifeMs: halfLifeMs
    .default(900_000)
    .describe('Half-life of the transient impact, ms, or "never". Default 900000 (15 min; assumption — Bacry et al. 2015 find slow decay, Donier & Bonart 2015 near-full decay for uninformed BTC flow).'),
};

export const liquiditySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('linear').describe('Kyle / Obizhaeva–Wang: log impact q/D with permanent and decaying parts.'),
    ...impactDecay,
    halfSpreadBps: z.number().min(0).default(1).describe('Half-spread paid on every fill, bps. Default 1 (assumption).'),
  }),
  z.strictObject({
    kind: z.literal('sqrt').describe('Square-root law Y·σ_day·sqrt(Q/V_day) over a decaying metaorder Q.'),
    ...impactDecay,
    impactPrefactor: z.number().positive().default(1).describe('Y. Default 1 (Tóth et al. 2011: of order one).'),
    halfSpreadBps: z.number().min(0).default(1).describe('Half-spread paid on every fill, bps. Default 1 (assumption).'),
    slopeFloorFractionOfDailyVolume: z
      .number()
      .positive()
      .default(1e-4)
      .describe('Floor on |Q|/V for the local depth used in branching ratios. Default 1e-4 (assumption).'),
    referenceMetaorderFractionOfDailyVolume: z
      .number()
      .positive()
      .default(0.01)
      .describe('Size, as a share of V, of the metaorder whose peak and permanent impact the linear permanent part is matched to. Default 0.01 (assumption).'),
    dailyVolumeBase: z
      .number()
      .positive()
      .optional()
      .describe('V, base units per day; default: the trailing 24 h volume before the first bar, else the first day.'),
  }),
  z.strictObject({
    kind: z.literal('book').describe('Discrete L2 book: levels around the mid, market orders walk them, levels refill.'),
    ...impactDecay,
    levelsPerSide: z.number().int().min(1).default(200).describe('Levels per side. Default 200.'),
    levelSpacingBps: z.number().positive().default(1).describe('Log distance between levels, bps. Default 1.'),
    halfSpreadBps: z.number().positive().default(0.5).describe('Log distance from mid to the first level, bps. Default 0.5 (assumption).'),
    profileExponent: z.number().min(0).default(0).describe('Depth density over each level\'s span ∝ (offset/first)^exponent. Default 0 (flat).'),
    refillHalfLifeMs: halfLifeMs.default(300_000).describe('Half-life of the refill of consumed levels, ms or "never". Default 300000 (5 min, assumption).'),
    probeBps: z.number().positive().default(100).describe('Window beyond mid for the depth used in branching ratios, bps. Default 100 (1%).'),
    snapshot: z.string().optional().describe('Start from an L2 snapshot CSV (side,price,size) instead of the grid.'),
  }),
]);

export const depthSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('fixed'),
    depth1PctQuote: z
      .number()
      .positive()
      .describe('Quote amount that moves the price 1% (aggregate over venues). E.g. BTC ≈ $20M per major venue, Oct 2025 (CoinDesk Research, docs/calibration.md#depth).'),
  }),
  z.strictObject({
    source: z.literal('volume'),
    fractionOfHourlyQuoteVolume: z
      .number()
      .positive()
      .default(0.3)
      .describe('1% depth as a fraction of the trailing hourly quote volume. Default 0.3 (assumption: ~$20M 1% depth against ~$50-100M/h on a major BTC venue).'),
    windowHours: z.number().positive().default(24).describe('Trailing window for the volume, hours. Default 24.'),
    followVolume: z
      .boolean()
      .default(false)
      .describe('Let depth follow the trailing volume bar by bar (past bars only); default false: fixed at the run start.'),
  }),
]);

export const withdrawalSchema = z.strictObject({
  elasticity: z.number().min(0).default(1).describe('e in depth × (σ_calm/σ)^e: how fast depth leaves as realised vol rises. Default 1 (assumption; 0 = off).'),
  minScale: z.number().positive().max(1).default(0.05).describe('Floor on the withdrawal factor. Default 0.05.'),
  calmVolPerYear: z
    .number()
    .positive()
    .optional()
    .describe('σ_calm, annualised; default market.initialVolPerYear.'),
});

export const marketSchema = z
  .strictObject({
    rate: z.number().default(0).describe('Risk-free rate, continuously compounded per year. Default 0.'),
    dividend: z.number().default(0).describe('Dividend / carry yield per year. Default 0.'),
    initialVolPerYear: z
      .number()
      .positive()
      .default(0.6)
      .describe('Prior of the realised-vol EWMA before returns are seen, annualised. Default 0.6 (BTC-like; set ~0.15 for an equity index).'),
    liquidity: liquiditySchema.prefault({ kind: 'linear' }).describe('The liquidity and impact model.'),
    depth: depthSchema.prefault({ source: 'volume' }).describe('Base depth of the book.'),
    depthHeldIn: z
      .enum(['base', 'quote'])
      .default('base')
      .describe(
        'What stays fixed as the price moves: base (the book holds the same coins per 1% move, so its dollar depth falls with the price: after a 12% fall the 1% depth is 12% fewer dollars) or quote (the dollar 1% depth stays at its calibrated figure, so the book holds more coins as the price falls). Default base: in the real 1-minute crash files dollar depth fell in crashes, never rose (docs/lp-withdrawal.md); quote is the optimistic bound.',
      ),
    withdrawal: withdrawalSchema.prefault({}).describe('Liquidity withdrawn as realised vol rises.'),
  })
  .describe('The simulated market the agents trade in.');

export type MarketConfig = z.output<typeof marketSchema>;
export type LiquiditySchemaConfig = z.output<typeof liquiditySchema>;

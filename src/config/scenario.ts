import { z } from 'zod';
import { parseIsoUtc } from '../core/time.js';
import { behaviourSchema } from './behaviourSchema.js';
import { dealerSchema } from './dealerSchema.js';
import { marketSchema } from './marketSchema.js';
import { protocolSchema } from './protocolSchema.js';
import { strategySchema } from './strategySchema.js';
import { surfaceSchema } from './surfaceSchema.js';

/**
 * The scenario schema: the single place where defaults live (STYLE.md
 * principle 4). Unknown keys are errors; every field documents its unit and
 * default in `.describe()`, which `cascade schema` prints.
 */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/;
const isoUtc = z
  .string()
  .regex(ISO_UTC, 'expected an ISO-8601 UTC date or date-time ending in Z')
  .refine(isCalendarExact, 'not a calendar date (the month has no such day, or the time is out of range)');

/** Date.parse would roll 2021-02-29 over to March 1st; parseIsoUtc refuses it. */
function isCalendarExact(text: string): boolean {
  // A text of the wrong shape is already named by the regex.
  if (!ISO_UTC.test(text)) return true;
  try {
    parseIsoUtc(text);
    return true;
  } catch {
    return false;
  }
}

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|min|h|d|w)$/, 'expected a duration like 1m, 15m, 1h, 1d');

export const layoutNames = ['auto', 'normalized', 'binance-kline', 'cryptodatadownload', 'yahoo', 'close-only'] as const;

const fileData = z
  .strictObject({
    source: z.literal('file'),
    path: z.string().min(1).describe('Bar file (CSV). Relative paths resolve against the working directory.'),
    layout: z.enum(layoutNames).default('auto').describe('CSV layout; auto detects it from the header.'),
    symbol: z.string().optional().describe('Instrument label for reports; default: the file name.'),
    volumeUnit: z
      .enum(['base', 'quote', 'none'])
      .optional()
      .describe('Override the unit of the volume column (e.g. quote for the 2020 Bitstamp CDD files).'),
  })
  .describe('Real bars from a file the user brings.');

const syntheticData = z
  .strictObject({
    source: z.literal('synthetic'),
    crash: z.string().min(1).describe('Catalog crash whose measured statistics set the generator (see `cascade crashes`).'),
    barMinutes: z.number().int().positive().default(15).describe('Bar interval of the generated path, minutes. Default 15.'),
    path: z
      .string()
      .optional()
      .describe('A stored generated path (CSV with a .json sidecar marking it synthetic); if absent the path is generated in memory from the seed.'),
  })
  .describe('A synthetic path generated from a catalog crash: labelled synthetic in every output.');

/** What every parametric path has: the checks a researcher runs against closed forms. */
const parametricCommon = {
  startPrice: z.number().positive().default(100).describe('Price at the first bar\'s open, quote. Default 100.'),
  volPerYear: z.number().min(0).default(0.8).describe('Diffusive volatility σ per year (0.8 = 80%). Default 0.8.'),
  driftPerYear: z.number().default(0).describe('Expected arithmetic return μ per year. Default 0.'),
  barMinutes: z.number().positive().default(1).describe('Bar length, minutes. Default 1.'),
  bars: z.number().int().min(2).max(10_000_000).default(1440).describe('Number of bars. Default 1440.'),
  start: isoUtc.default('2024-01-01T00:00:00Z').describe('First bar start, UTC. Default 2024-01-01T00:00:00Z.'),
  seed: z.number().int().min(0).max(0xffffffff).optional().describe('Seed of the path; default: the scenario\'s seed.'),
  baseVolumePerHour: z.number().min(0).default(1000).describe('Mean volume per calm hour, base units (sets the depth when it is calibrated from volume). Default 1000.'),
  volumeNoiseLogStd: z.number().min(0).default(0.3).describe('Log-normal noise of bar volume. Default 0.3.'),
};

const gbmData = z
  .strictObject({ source: z.literal('gbm'), ...parametricCommon })
  .describe('A SYNTHETIC geometric Brownian motion path (exact in log space).');

const jumpDiffusionData = z
  .strictObject({
    source: z.literal('jump-diffusion'),
    ...parametricCommon,
    jumpIntensityPerYear: z.number().min(0).default(20).describe('Poisson jump rate λ, jumps per year. Default 20.'),
    jumpLogSizeMean: z.number().default(-0.05).describe('Mean log size of a jump (−0.05 ≈ a 5% drop). Default -0.05.'),
    jumpLogSizeStd: z.number().min(0).default(0.03).describe('Std of the log jump size. Default 0.03.'),
  })
  .describe('A SYNTHETIC Merton (1976) jump-diffusion path, drift compensated for the jumps.');

const stepShockData = z
  .strictObject({
    source: z.literal('step-shock'),
    ...parametricCommon,
    volPerYear: z.number().min(0).default(0).describe('Diffusive volatility σ per year around the step. Default 0 (a pure step).'),
    stepAtBar: z.number().int().min(1).default(720).describe('Bar whose close carries the shock (the bars before it are the calm). Default 720.'),
    stepLogSize: z.number().default(-0.05).describe('Log size of the shock (−0.05 ≈ a 5% fall). Default -0.05.'),
  })
  .describe('A SYNTHETIC step: a GBM (σ default 0) with one deterministic log move at a chosen bar: the cascade law\'s test input.');

export const dataSchema = z
  .strictObject({
    bars: z.discriminatedUnion('source', [fileData, syntheticData, gbmData, jumpDiffusionData, stepShockData]),
    iv: z
      .strictObject({
        path: z.string().min(1).describe('Implied-volatility index CSV (timestamp,value in vol points), e.g. DVOL or VIX.'),
        availableAfter: duration
          .optional()
          .describe('How long after its timestamp a value becomes known; default: the series own interval (a daily close is known at the end of its day).'),
      })
      .optional(),
    liquidationPrints: z
      .strictObject({
        path: z.string().min(1).describe('Exchange liquidation prints CSV: time,side,price,size, or Binance\'s liquidationSnapshot (forceOrder) layout.'),
      })
      .optional()
      .describe('Historical liquidation prints, binned per bar and set against the simulated liquidations in the report. Default none.'),
    window: z
      .strictObject({
        start: isoUtc.optional().describe('First bar start to keep (inclusive), UTC.'),
        end: isoUtc.optional().describe('Bar start at which to stop (exclusive), UTC.'),
      })
      .optional(),
    resample: duration.optional().describe('Resample bars to this coarser interval before the run.'),
    warmupBars: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'Bars at the start of the data (after window and resample) that only calibrate: the depth from volume, the square-root model\'s daily volume, the realised vols and the 24h volume behind MLR read them; they are not simulated or scored. Default: when something is calibrated from volume, the bars of its window (market.depth.windowHours, or 24h for the square-root model), at most a quarter of the file (said in the printout and summary.json when that shortens the window); else 0.',
      ),
  })
  .describe('Where the replayed history comes from.');

export const engineSchema = z
  .strictObject({
    maxCascadeRounds: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('Cap on cascade rounds per bar; a bar that hits it is flagged (cascade_capped): near or past the critical point the rounds stop converging. Default 100.'),
    quietSizeBase: z
      .number()
      .nonnegative()
      .default(1e-8)
      .describe('A round whose total order size is at most this many base units ends the cascade. Default 1e-8.'),
    soloHedge: z
      .enum(['fixed-point', 'rounds'])
      .optional()
      .describe(
        "When the dealer is the only agent (no protocol, strategy or behaviour agents) and hedges to zero: 'fixed-point' sends, each round, the one order that leaves it hedged after its own impact (the limit of its rounds: one order where the plain rounds send several, 9.5 on the engine bench's thin book); 'rounds' sends its net delta every round until the round is quiet. The two agree to about quietSizeBase in the hedge. Default 'fixed-point'.",
      ),
    realisedVolHalfLifeMinutes: z
      .number()
      .positive()
      .default(60)
      .describe('Half-life, minutes, of the EWMA of squared simulated log returns: the fast realised vol that drives depth withdrawal and hedging bands. Default 60.'),
    liquidationVelocityHalfLifeMinutes: z
      .number()
      .positive()
      .default(30)
      .describe('Half-life, minutes, of the public liquidation-velocity signal (EWMA of liquidation and auction quote volume per minute). Default 30.'),
  })
  .describe('The bar loop.');

export const historySchema = z
  .strictObject({
    mode: z
      .enum(['overlay', 'inferred'])
      .default('overlay')
      .describe(
        'overlay: the history is the exogenous shock and the simulated agents add to it. inferred: the agents are part of the market that made the history; each bar\'s exogenous return is solved for so that the bar, cascade and all, ends at the historical close. Default overlay.',
      ),
    tolerance: z
      .number()
      .positive()
      .max(1e-2)
      .default(1e-10)
      .describe('Inferred mode: a bar is fitted when its simulated close is within this fraction of the historical close. Default 1e-10.'),
  })
  .describe('How the run reads the history (docs/model.md#reading-history).');

export const outputSchema = z
  .strictObject({
    dir: z.string().default('reports').describe('Folder under which each run writes its own report folder. Default reports.'),
  })
  .describe('Where results go.');

export const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only').describe('Scenario name; used in report folder names.'),
    description: z.string().default('').describe('Free text shown in reports.'),
    seed: z.number().int().min(0).max(0xffffffff).default(1).describe('Master seed of the seed tree; every random draw derives from it. Default 1.'),
    data: dataSchema,
    engine: engineSchema.prefault({}),
    market: marketSchema.prefault({}),
    surface: surfaceSchema.prefault({}),
    dealer: dealerSchema.prefault({}),
    protocol: protocolSchema.prefault({}),
    behaviour: behaviourSchema.prefault({}),
    output: outputSchema.prefault({}),
    // Optional rather than defaulted, so a scenario that does not set it keeps
    // the config.json (and the golden cards' hashes) it had before the field.
    history: historySchema.optional(),
    strategy: strategySchema.optional(),
  })
  .superRefine((sc, ctx) => {
    const b = sc.behaviour;
    if (b.backstopFlight.enabled && !(sc.protocol.enabled && sc.protocol.liquidation.mechanism.kind === 'backstop')) {
      ctx.addIssue({
        code: 'custom',
        message: 'backstop flight needs the protocol on (protocol.enabled) with protocol.liquidation.mechanism backstop',
        path: ['behaviour', 'backstopFlight', 'enabled'],
      });
    }
    if (sc.history?.mode === 'inferred' && sc.strategy) {
      ctx.addIssue({
        code: 'custom',
        message: 'inferred mode tries every bar and rolls it back, and a strategy\'s state cannot be rolled back: drop the strategy or use history.mode overlay',
        path: ['history', 'mode'],
      });
    }
    if (b.deleveraging.enabled && !sc.protocol.enabled) {
      ctx.addIssue({ code: 'custom', message: 'deleveraging acts on the protocol\'s accounts: set protocol.enabled', path: ['behaviour', 'deleveraging', 'enabled'] });
    }
  })
  .describe('A cascade-lab scenario.');

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type DataConfig = Scenario['data'];
export type ParametricDataConfig = Extract<Scenario['data']['bars'], { source: 'gbm' | 'jump-diffusion' | 'step-shock' }>;
export type EngineConfig = Scenario['engine'];

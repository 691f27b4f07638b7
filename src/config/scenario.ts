import { z } from 'zod';
import { behaviourSchema } from './behaviourSchema.js';
import { dealerSchema } from './dealerSchema.js';
import { marketSchema } from './marketSchema.js';
import { protocolSchema } from './protocolSchema.js';
import { surfaceSchema } from './surfaceSchema.js';

/**
 * The scenario schema: the single place where defaults live (STYLE.md
 * principle 4). Unknown keys are errors; every field documents its unit and
 * default in `.describe()`, which `cascade schema` prints.
 */

const isoUtc = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/, 'expected an ISO-8601 UTC date or date-time ending in Z');

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

export const dataSchema = z
  .strictObject({
    bars: z.discriminatedUnion('source', [fileData, syntheticData]),
    iv: z
      .strictObject({
        path: z.string().min(1).describe('Implied-volatility index CSV (timestamp,value in vol points), e.g. DVOL or VIX.'),
        availableAfter: duration
          .optional()
          .describe('How long after its timestamp a value becomes known; default: the series own interval (a daily close is known at the end of its day).'),
      })
      .optional(),
    window: z
      .strictObject({
        start: isoUtc.optional().describe('First bar start to keep (inclusive), UTC.'),
        end: isoUtc.optional().describe('Bar start at which to stop (exclusive), UTC.'),
      })
      .optional(),
    resample: duration.optional().describe('Resample bars to this coarser interval before the run.'),
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
    if (b.deleveraging.enabled && !sc.protocol.enabled) {
      ctx.addIssue({ code: 'custom', message: 'deleveraging acts on the protocol\'s accounts: set protocol.enabled', path: ['behaviour', 'deleveraging', 'enabled'] });
    }
  })
  .describe('A cascade-lab scenario.');

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type DataConfig = Scenario['data'];
export type EngineConfig = Scenario['engine'];

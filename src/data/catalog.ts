/**
 * The crash catalog (data/crashes.json): what happened, where a user gets the
 * real data, published calibration facts, statistics measured on real files
 * by scripts/measure-crashes.ts, and the crash-generator parameters derived
 * from them. Validated once on load; every schema is strict, so a misspelt
 * key is an error rather than a silently ignored field.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, DataError } from '../core/errors.js';
import { MAX_CONFIG_FILE_BYTES, readInputText } from '../core/files.js';
import { parseIsoUtc } from '../core/time.js';
import { CrashParamsSchema } from './synthetic/crash.js';

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('../../data/crashes.json', import.meta.url));

const IsoUtc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'expected UTC ISO-8601 like 2020-03-12T00:00:00Z');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2020-03-12');
const Slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a lower-case slug like btc-2020-03-12');

export const DataSourceSchema = z.strictObject({
  /** Who publishes it. */
  name: z.string().min(1),
  /** Where to get it (archive path or endpoint). */
  url: z.string().url(),
  /** Bar intervals available for this crash, e.g. ["1m", "1h", "1d"]. */
  intervals: z.array(z.string().min(1)).min(1),
  /** What the source holds for this crash (venue, instrument, coverage, caveats). */
  notes: z.string().min(1),
});

export const CalibrationFactSchema = z.strictObject({
  kind: z.enum(['depth', 'impact', 'open-interest', 'liquidations', 'leverage', 'implied-vol', 'none-published']),
  fact: z.string().min(1),
  /** Who published it (docs/calibration.md lists each fact with its source). */
  source: z.string().min(1),
  /** True for a second-hand report (S in docs/calibration.md). */
  secondHand: z.boolean(),
});

const Num = z.number().refine(Number.isFinite, 'expected a finite number');

export const MeasuredSchema = z.strictObject({
  /** Real file the numbers come from, relative to CASCADE_DATA_DIR (not shipped). */
  file: z.string().min(1),
  barMinutes: z.number().positive(),
  bars: z.number().int().positive(),
  startPrice: z.number().positive(),
  peakTime: IsoUtc,
  peakPrice: z.number().positive(),
  troughTime: IsoUtc,
  troughPrice: z.number().positive(),
  /** Peak-to-trough, fraction (0.5 = −50%). */
  drawdown: z.number().gt(0).lt(1),
  peakToTroughHours: z.number().nonnegative(),
  /** RMS log return per bar before the peak / from peak to trough. */
  preCrashVolPerBar: z.number().positive(),
  preCrashReturns: z.number().int().nonnegative(),
  crashVolPerBar: z.number().positive(),
  crashReturns: z.number().int().positive(),
  /** RMS log return per bar over all bars outside peak-to-trough; the calm vol when few pre-crash bars exist. */
  outsideCrashVolPerBar: z.number().positive(),
  /** Same, as per year in the generator's 24/7 calendar clock: perBar · √(year / bar). */
  preCrashVolPerYear: z.number().positive(),
  crashVolPerYear: z.number().positive(),
  worstBarReturn: z.number().gt(-1).lt(0),
  worstBarTime: IsoUtc,
  recoveredFractionAtEnd: Num,
  hoursToHalfRecovery: z.number().nonnegative().nullable(),
  /** Median pre-crash volume per hour, base units (shares for the index). */
  baseVolumePerHour: z.number().nonnegative(),
});

export const AchievedSchema = z.strictObject({
  drawdown: Num,
  peakToTroughHours: Num,
  preCrashVolPerBar: Num,
  crashVolPerBar: Num,
  worstBarReturn: Num,
});

export const RepresentativeSchema = z.strictObject({
  seed: z.number().int().nonnegative(),
  drawdown: z.number().gt(0).lt(1),
  peakToTroughHours: z.number().nonnegative(),
  worstBarReturn: z.number().gt(-1).lt(0),
});

export const GeneratorSchema = z.strictObject({
  generator: z.literal('crash'),
  params: CrashParamsSchema,
  calibration: z.strictObject({
    barMinutes: z.number().positive(),
    stepsPerBar: z.number().int().positive(),
    seedFirst: z.number().int().nonnegative(),
    seedCount: z.number().int().positive(),
    /** Not identified by the statistics; assumed. */
    branchingRatioAssumed: z.number().min(0).lt(1),
    /** Jumps the worst bar is taken to hold (sets the jump size). */
    jumpsPerWorstBar: z.number().positive(),
    jumpScale: z.number().nonnegative(),
    /** Medians over the calibration seeds with the stored params. */
    achieved: AchievedSchema,
    method: z.string().min(1),
    /**
     * The calibration seed whose path is closest in shape to the measured
     * crash (src/data/synthetic/calibrate.ts, pathSpread): the seed a
     * catalog crash runs on unless the user picks another.
     */
    representative: RepresentativeSchema,
    /** 10th and 90th percentiles of the drawdown over the calibration seeds. */
    drawdownP10: z.number().gt(0).lt(1),
    drawdownP90: z.number().gt(0).lt(1),
  }),
});

export const CrashEntrySchema = z
  .strictObject({
    name: Slug,
    title: z.string().min(1),
    asset: z.string().min(1),
    symbol: z.string().min(1),
    windowStart: IsoUtc,
    /** Exclusive end of the window. */
    windowEnd: IsoUtc,
    crashDate: IsoDate,
    summary: z.string().min(1),
    dataSources: z.array(DataSourceSchema).min(1),
    calibrationFacts: z.array(CalibrationFactSchema).min(1),
    measured: MeasuredSchema,
    synthetic: GeneratorSchema,
  })
  .superRefine((c, ctx) => {
    const start = Date.parse(c.windowStart);
    const end = Date.parse(c.windowEnd);
    const day = Date.parse(`${c.crashDate}T00:00:00Z`);
    if (!(start < end)) ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'windowEnd must be after windowStart' });
    if (!(start <= day && day < end)) ctx.addIssue({ code: 'custom', path: ['crashDate'], message: 'crashDate must lie inside the window' });
    const sentences = c.summary.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
    if (sentences < 2 || sentences > 4) ctx.addIssue({ code: 'custom', path: ['summary'], message: `summary should be 2-4 sentences, has ${sentences}` });
  });

export const CatalogSchema = z
  .strictObject({
    $comment: z.string().optional(),
    version: z.literal(1),
    crashes: z.array(CrashEntrySchema).min(1),
  })
  .superRefine((cat, ctx) => {
    const seen = new Set<string>();
    cat.crashes.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['crashes', i, 'name'], message: `duplicate crash name '${c.name}'` });
      seen.add(c.name);
    });
  });

export type CrashEntry = z.output<typeof CrashEntrySchema>;
export type Catalog = z.output<typeof CatalogSchema>;

/** Validates parsed JSON; errors name the file and the dotted field (with the crash's name where known). */
export function parseCatalog(json: unknown, file: string): Catalog {
  const r = CatalogSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.map(String);
  // Name the crash rather than its index: "crashes[btc-2020-03-12].measured.drawdown" is findable in the file.
  if (path[0] === 'crashes' && path.length > 1) {
    const entry = (json as { crashes?: Array<{ name?: unknown }> }).crashes?.[Number(path[1])];
    if (entry && typeof entry.name === 'string') path[1] = entry.name;
  }
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new ConfigError(`${issue.message}${more}`, { file, field: path.join('.') });
}

export function loadCatalog(file: string = DEFAULT_CATALOG_PATH): Catalog {
  const text = readInputText(file, { label: 'crash catalog', maxBytes: MAX_CONFIG_FILE_BYTES });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  return parseCatalog(json, file);
}

let cached: Catalog | undefined;
function defaultCatalog(): Catalog {
  cached ??= loadCatalog();
  return cached;
}

export function listCrashes(): readonly CrashEntry[] {
  return defaultCatalog().crashes;
}

export function crashNames(): string[] {
  return listCrashes().map((c) => c.name);
}

export function getCrash(name: string, catalog: Catalog = defaultCatalog()): CrashEntry {
  const hit = catalog.crashes.find((c) => c.name === name);
  if (hit) return hit;
  const names = catalog.crashes.map((c) => c.name).join(', ');
  throw new ConfigError(`unknown crash '${name}'; valid names: ${names}`, { field: 'crash' });
}

/** Window bounds of an entry in epoch ms, [start, end). */
export function crashWindowMs(c: CrashEntry): { startMs: number; endMs: number } {
  return { startMs: parseIsoUtc(c.windowStart, { field: 'windowStart' }), endMs: parseIsoUtc(c.windowEnd, { field: 'windowEnd' }) };
}

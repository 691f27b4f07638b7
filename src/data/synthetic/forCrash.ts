/**
 * A catalog crash as a synthetic path, in memory. The sub-step length of the
 * calibration is kept at any bar size (stepsPerBar scales with barMinutes),
 * so the 15-minute and the 60-minute path of a seed are the same sub-path
 * cut into different bars, and the catalog's calibration still applies.
 */
import { ConfigError } from '../../core/errors.js';
import { crashWindowMs, getCrash, type Catalog, type CrashEntry } from '../catalog.js';
import { generateCrash, type CrashParams } from './crash.js';
import { gridForWindow, type Grid, type SyntheticPath } from './path.js';

export interface CrashPathOptions {
  readonly seed: number;
  /** Bar length in minutes; default 15. */
  readonly barMinutes?: number;
  /** Override the sub-steps per bar (default: the calibration's sub-step length). */
  readonly stepsPerBar?: number;
  /** Decimals of prices (default 2) and volume (default 4); null leaves them unrounded. */
  readonly priceDecimals?: number | null;
  readonly volumeDecimals?: number | null;
  /** Catalog to read; default data/crashes.json. */
  readonly catalog?: Catalog;
}

export interface CrashPath extends SyntheticPath {
  readonly crash: CrashEntry;
  readonly grid: Grid;
  readonly params: CrashParams;
  readonly seed: number;
}

export function syntheticPathForCrash(name: string, opts: CrashPathOptions): CrashPath {
  const crash = opts.catalog ? getCrash(name, opts.catalog) : getCrash(name);
  const barMinutes = opts.barMinutes ?? 15;
  const cal = crash.synthetic.calibration;
  const stepsPerBar = opts.stepsPerBar ?? Math.max(1, Math.round((barMinutes * cal.stepsPerBar) / cal.barMinutes));
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new ConfigError(`seed must be an integer in [0, 2^32), got ${opts.seed}`, { field: 'seed' });
  }
  const { startMs, endMs } = crashWindowMs(crash);
  const priceDecimals = opts.priceDecimals === undefined ? 2 : opts.priceDecimals ?? undefined;
  const volumeDecimals = opts.volumeDecimals === undefined ? 4 : opts.volumeDecimals ?? undefined;
  const grid = gridForWindow(startMs, endMs, {
    barMinutes,
    stepsPerBar,
    ...(priceDecimals !== undefined ? { priceDecimals } : {}),
    ...(volumeDecimals !== undefined ? { volumeDecimals } : {}),
    // The label travels with the series, so no report can show it as the real instrument.
    symbol: `${crash.symbol}-SYNTHETIC`,
  });
  const params = crash.synthetic.params;
  const path = generateCrash(params, grid, opts.seed);
  return { ...path, crash, grid, params, seed: opts.seed };
}

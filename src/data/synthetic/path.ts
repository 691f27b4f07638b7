/**
 * Bar assembly shared by every generator: a model advances the log-price one
 * sub-step at a time; each bar's OHLC is read off its own sub-path, so high
 * and low are extremes of a path that really passes through open and close
 * (no bar can have a close above its high).
 */
import { z } from 'zod';
import { allocBarColumns, makeBarSeries, type BarSeries } from '../bars.js';
import { MS_PER_HOUR, MS_PER_MINUTE, MS_PER_YEAR } from '../../core/time.js';
import { ConfigError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { barVolume, expectedCalmVariation, type VolumeParams } from './volume.js';

/** The time grid of a generated path; generator parameters say nothing about it. */
export const GridSchema = z.strictObject({
  /** First bar's start, epoch ms UTC. */
  startMs: z.number().int(),
  /** Bar length in minutes (15 = 15-minute bars). */
  barMinutes: z.number().positive(),
  /** Number of bars. */
  bars: z.number().int().positive(),
  /** Sub-steps per bar; high/low come from this sub-path, so more steps = wider, truer ranges. */
  stepsPerBar: z.number().int().positive().default(12),
  /** Decimals prices are rounded to (2 = cents); omit for unrounded doubles. Rounding is monotone, so OHLC stays consistent. */
  priceDecimals: z.number().int().min(0).max(12).optional(),
  /** Decimals volume is rounded to; omit for unrounded. */
  volumeDecimals: z.number().int().min(0).max(12).optional(),
  /** Instrument label written into the series. */
  symbol: z.string().min(1).default('SYNTH'),
});
export type GridInput = z.input<typeof GridSchema>;
export type Grid = z.output<typeof GridSchema>;

export function parseGrid(input: GridInput): Grid {
  return parseOrThrow(GridSchema, input, 'grid');
}

/** A grid covering [startMs, endMs) with whole bars. */
export function gridForWindow(
  startMs: number,
  endMs: number,
  opts: Omit<GridInput, 'startMs' | 'bars'>,
): Grid {
  const barMs = opts.barMinutes * MS_PER_MINUTE;
  const bars = Math.floor((endMs - startMs) / barMs);
  if (!(bars >= 1)) throw new ConfigError(`window ${startMs}..${endMs} holds no ${opts.barMinutes}-minute bar`, { field: 'barMinutes' });
  return parseGrid({ ...opts, startMs, bars });
}

/**
 * One model's sub-step: given the log-price at the start of the sub-step
 * [tMs, tMs + dtMs) and the step in years, return the log-price at its end.
 * Implementations keep their own state (vol excess, event pointer) and must
 * consume randomness only from their own streams.
 */
export interface SubStepModel {
  step(x: number, tMs: number, dtYears: number, dtMs: number): number;
  /** Diffusive vol per year in calm conditions: the volume model's yardstick. */
  readonly referenceVolPerYear: number;
}

/** Jumps that happened on a path, for diagnostics and tests; time is epoch ms (the start of the sub-step holding the jump for grid-based models, the exact arrival for Hawkes). */
export interface JumpEvents {
  readonly time: Float64Array;
  readonly logSize: Float64Array;
}

export interface SyntheticPath {
  readonly series: BarSeries;
  readonly jumps: JumpEvents;
}

export const NO_JUMPS: JumpEvents = { time: new Float64Array(0), logSize: new Float64Array(0) };

/**
 * Runs the model over the grid and assembles bars. Volume is drawn from its
 * own stream so switching the volume model never moves the prices.
 */
export function simulateBars(
  grid: Grid,
  startPrice: number,
  model: SubStepModel,
  volume: VolumeParams,
  volumeRng: Rng,
  meta: { generator: string },
): BarSeries {
  const n = grid.bars;
  const steps = grid.stepsPerBar;
  const barMs = grid.barMinutes * MS_PER_MINUTE;
  const dtMs = barMs / steps;
  const dtYears = dtMs / MS_PER_YEAR;
  const cols = allocBarColumns(n);
  const tvCalm = expectedCalmVariation(model.referenceVolPerYear, dtYears, steps);
  const barHours = barMs / MS_PER_HOUR;
  let x = Math.log(startPrice);
  for (let i = 0; i < n; i++) {
    const t0 = grid.startMs + i * barMs;
    const xOpen = x;
    let hi = x;
    let lo = x;
    let variation = 0;
    for (let k = 0; k < steps; k++) {
      const x1 = model.step(x, t0 + k * dtMs, dtYears, dtMs);
      if (!Number.isFinite(x1)) {
        throw new ConfigError(`log-price became ${x1} in bar ${i} (time ${t0}); parameters are out of range`, { field: meta.generator });
      }
      variation += Math.abs(x1 - x);
      if (x1 > hi) hi = x1;
      if (x1 < lo) lo = x1;
      x = x1;
    }
    cols.time[i] = t0;
    cols.open[i] = Math.exp(xOpen);
    cols.high[i] = Math.exp(hi);
    cols.low[i] = Math.exp(lo);
    cols.close[i] = Math.exp(x);
    cols.volume[i] = barVolume(volume, barHours, variation, tvCalm, volumeRng);
  }
  if (grid.priceDecimals !== undefined) {
    for (const col of [cols.open, cols.high, cols.low, cols.close]) roundInPlace(col, grid.priceDecimals);
  }
  if (grid.volumeDecimals !== undefined) roundInPlace(cols.volume, grid.volumeDecimals);
  return makeBarSeries(
    { symbol: grid.symbol, source: `synthetic:${meta.generator}`, synthetic: true, volumeUnit: 'base' },
    cols,
  );
}

/**
 * Rounds to d decimals via x·10^d / 10^d rather than a multiple of a tick:
 * the result is the double nearest the decimal, so it prints short (5123.45,
 * not 5123.450000000001) and keeps the CSV small.
 */
function roundInPlace(col: Float64Array, decimals: number): void {
  const scale = 10 ** decimals;
  for (let i = 0; i < col.length; i++) col[i] = Math.round(col[i] * scale) / scale;
}

/** Growable event log; a path has few jumps, so plain arrays are cheap here. */
export class JumpLog {
  private readonly times: number[] = [];
  private readonly sizes: number[] = [];
  push(tMs: number, logSize: number): void {
    this.times.push(tMs);
    this.sizes.push(logSize);
  }
  freeze(): JumpEvents {
    return { time: Float64Array.from(this.times), logSize: Float64Array.from(this.sizes) };
  }
}

/** zod parse that turns issues into a ConfigError naming the dotted field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [what, ...issue.path.map(String)].join('.');
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new ConfigError(`${issue.message}${more}`, { field });
}

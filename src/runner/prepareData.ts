import { basename, isAbsolute, relative } from 'node:path';
import { PROJECT_ROOT } from '../config/resolveTarget.js';
import { resolveDataPath } from '../config/resolveTarget.js';
import type { Scenario } from '../config/scenario.js';
import { ConfigError, DataError } from '../core/errors.js';
import { formatIsoUtc, MS_PER_HOUR, parseDuration, parseIsoUtc } from '../core/time.js';
import { barIntervalMs, type BarSeries, type IvSeries } from '../data/bars.js';
import { barsCsvSha256 } from '../data/csv/write.js';
import { loadBars, loadIvSeries } from '../data/csv/load.js';
import { joinIvAsOf } from '../data/joinIv.js';
import { resampleBars } from '../data/resample.js';
import { syntheticPathForCrash } from '../data/synthetic/forCrash.js';
import { describeParametric, generateParametric, type ParametricSpec } from '../data/synthetic/parametric.js';
import { cutWindow, sliceBars } from '../data/window.js';
import { readSyntheticSidecar } from '../data/syntheticSidecar.js';
import type { RunData } from '../engine/run.js';

/**
 * How a data file is named in outputs: relative to the project when it lies
 * inside it, so the same run from two checkouts writes the same summary.
 */
function displayPath(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * An IV series must say something about the run: refused when no bar can use
 * any of its values (it starts after the run) or when its last value became
 * known before the first bar (it ended before the run, and every bar would
 * carry that stale level). Both ranges are named.
 */
function checkIvOverlap(bars: BarSeries, iv: IvSeries, joined: Float64Array, availableAfterMs: number, file: string): void {
  if (iv.length === 0) return;
  const lastBar = bars.time[bars.length - 1];
  const endedBefore = iv.time[iv.length - 1] + availableAfterMs < bars.time[0];
  const startsAfter = Number.isNaN(joined[joined.length - 1]);
  if (endedBefore || startsAfter) {
    throw new DataError(
      `the IV series (${formatIsoUtc(iv.time[0])} .. ${formatIsoUtc(iv.time[iv.length - 1])}) does not overlap the run's bars (${formatIsoUtc(bars.time[0])} .. ${formatIsoUtc(lastBar)})`,
      { file },
    );
  }
}

export interface PreparedData {
  data: RunData;
  identity: {
    dataSource: string;
    dataSha256: string;
    synthetic: boolean;
    firstBar: string;
    lastBar: string;
    /** The bars before the run that calibrated it (data.warmupBars), with their times. */
    calibrationWindow?: { warmupBars: number; firstBar?: string; lastBar?: string; hours?: number; note?: string };
  };
}

/**
 * A bad row stops the load wherever it lies, inside the window or not (the
 * file is one record: it is checked whole, never patched). With a window
 * set, the message says so and how to go on: a long history with one bad
 * stretch (Yahoo's ^GSPC has opens of 0 through 1962) otherwise reads as
 * if the window itself were broken.
 */
function withWindowHint<T>(scenario: Scenario, load: () => T): T {
  try {
    return load();
  } catch (err) {
    const w = scenario.data.window;
    if (!(err instanceof DataError) || w === undefined) throw err;
    const span = `${w.start ?? 'the first row'} .. ${w.end ?? 'the last row'}`;
    throw new DataError(
      `${err.reason} (every row of the file is checked, those outside data.window ${span} too: cut the file to the rows you run, with the warm-up bars before them, or mend that row)`,
      err.location,
    );
  }
}

/** Loads, windows and resamples the scenario's bars and joins its IV index: data → market state starts here. */
export function prepareRunData(scenario: Scenario, baseDir: string): PreparedData {
  const spec = scenario.data.bars;
  let bars: BarSeries;
  let dataSha: string;
  let source: string;
  if (spec.source === 'file') {
    const path = resolveDataPath(spec.path, baseDir);
    const loaded = withWindowHint(scenario, () =>
      loadBars(path, {
        ...(spec.layout !== 'auto' ? { layout: spec.layout } : {}),
        symbol: spec.symbol ?? basename(path).replace(/\.csv$/i, ''),
        ...(spec.volumeUnit !== undefined ? { volumeUnit: spec.volumeUnit } : {}),
      }),
    );
    // A generated file brought with --data is still synthetic: its sidecar says so.
    const sidecar = readSyntheticSidecar(path);
    bars = sidecar ? { ...loaded.series, synthetic: true, source: `synthetic:${sidecar.crash ?? 'file'}` } : loaded.series;
    dataSha = loaded.sha256;
    source = sidecar ? `synthetic (${displayPath(path)})` : displayPath(path);
  } else if (spec.source !== 'synthetic') {
    const seed = spec.seed ?? scenario.seed;
    const common = {
      startPrice: spec.startPrice, volPerYear: spec.volPerYear, driftPerYear: spec.driftPerYear, barMinutes: spec.barMinutes, bars: spec.bars,
      startMs: parseIsoUtc(spec.start, { field: 'data.bars.start' }), seed, baseVolumePerHour: spec.baseVolumePerHour, volumeNoiseLogStd: spec.volumeNoiseLogStd,
    };
    const p: ParametricSpec =
      spec.source === 'gbm'
        ? { ...common, model: 'gbm' }
        : spec.source === 'jump-diffusion'
          ? { ...common, model: 'jump-diffusion', jumpIntensityPerYear: spec.jumpIntensityPerYear, jumpLogSizeMean: spec.jumpLogSizeMean, jumpLogSizeStd: spec.jumpLogSizeStd }
          : { ...common, model: 'step-shock', stepAtBar: spec.stepAtBar, stepLogSize: spec.stepLogSize };
    if (p.model === 'step-shock' && p.stepAtBar >= p.bars) {
      throw new ConfigError(`the step at bar ${p.stepAtBar} lies past the last bar (${p.bars} bars)`, { field: 'data.bars.stepAtBar' });
    }
    source = describeParametric(p);
    bars = { ...generateParametric(p).series, source };
    dataSha = barsCsvSha256(bars);
  } else if (spec.path !== undefined) {
    const path = resolveDataPath(spec.path, baseDir);
    const sidecar = readSyntheticSidecar(path);
    if (sidecar === null) {
      throw new ConfigError(`a stored synthetic path needs a .json sidecar beside it with "synthetic": true (${path})`, { field: 'data.bars.path' });
    }
    const loaded = loadBars(path, { symbol: `${spec.crash} (synthetic)` });
    bars = { ...loaded.series, synthetic: true, source: `synthetic:${spec.crash}` };
    dataSha = loaded.sha256;
    // The path's own generation seed, not the scenario's (which drives the run's other draws): both are shown.
    source = `synthetic:${spec.crash} (${displayPath(path)}${sidecar.seed !== undefined ? `, generated with seed ${sidecar.seed}` : ''})`;
  } else {
    bars = syntheticPathForCrash(spec.crash, { seed: scenario.seed, barMinutes: spec.barMinutes }).series;
    dataSha = barsCsvSha256(bars);
    source = `synthetic:${spec.crash} (generated in memory, seed ${scenario.seed})`;
  }

  const win = scenario.data.window;
  if (win && (win.start !== undefined || win.end !== undefined)) {
    const start = win.start !== undefined ? parseIsoUtc(win.start, { field: 'data.window.start' }) : -Infinity;
    const end = win.end !== undefined ? parseIsoUtc(win.end, { field: 'data.window.end' }) : Infinity;
    bars = cutWindow(bars, start, end);
  }
  if (scenario.data.resample !== undefined) bars = resampleBars(bars, parseDuration(scenario.data.resample));
  if (bars.length < 2) throw new DataError(`the run needs at least 2 bars, got ${bars.length}`, { file: source });

  // The warm-up: the first bars only calibrate (no look-ahead: every
  // calibration of bar i reads bars before the run's first bar or before i).
  const split = splitWarmup(scenario, bars, source);
  const { plan, warmup } = split;
  bars = split.bars;

  let ivPoints: Float64Array | undefined;
  if (scenario.data.iv) {
    const ivPath = resolveDataPath(scenario.data.iv.path, baseDir);
    const iv = loadIvSeries(ivPath);
    const after = scenario.data.iv.availableAfter;
    const availableAfterMs = after !== undefined ? parseDuration(after) : barIntervalMs(iv);
    ivPoints = joinIvAsOf(bars, iv, after !== undefined ? { availableAfterMs } : {});
    checkIvOverlap(bars, iv, ivPoints, availableAfterMs, ivPath);
  }

  return {
    data: { bars, dataSha256: dataSha, ...(ivPoints ? { ivPoints } : {}), ...(warmup ? { warmup, history: split.history } : {}) },
    identity: {
      dataSource: source,
      dataSha256: dataSha,
      synthetic: bars.synthetic,
      firstBar: formatIsoUtc(bars.time[0]),
      lastBar: formatIsoUtc(bars.time[bars.length - 1]),
      calibrationWindow: warmup
        ? {
            warmupBars: warmup.length,
            firstBar: formatIsoUtc(warmup.time[0]),
            lastBar: formatIsoUtc(warmup.time[warmup.length - 1]),
            hours: (bars.time[0] - warmup.time[0]) / MS_PER_HOUR,
            ...(plan.note ? { note: plan.note } : {}),
          }
        : { warmupBars: 0, note: plan.note ?? 'nothing is calibrated from the bars before the run' },
    },
  };
}

/**
 * Splits the loaded bars into the warm-up (calibration only) and the run, by
 * the scenario's rule (see warmupPlan). Code that builds RunData by hand
 * uses it to get the same split as `cascade run`.
 */
export function splitWarmup(scenario: Scenario, all: BarSeries, source = all.source): { bars: BarSeries; warmup: BarSeries | undefined; history: BarSeries; plan: { bars: number; note?: string } } {
  const plan = warmupPlan(scenario, all);
  const warmup = plan.bars > 0 ? sliceBars(all, 0, plan.bars) : undefined;
  const bars = plan.bars > 0 ? sliceBars(all, plan.bars, all.length) : all;
  if (bars.length < 2) throw new DataError(`after a warm-up of ${plan.bars} bars the run has ${bars.length} bars; set data.warmupBars lower`, { file: source, field: 'data.warmupBars' });
  return { bars, warmup, history: all, plan };
}

/**
 * How many bars the warm-up takes. Given: `data.warmupBars`. Otherwise, when
 * something is calibrated from volume (depth from volume over
 * `windowHours`; the square-root model's daily volume over 24 h), the bars
 * of that window, at most a quarter of the series; the note says when the
 * window had to be shortened.
 */
function warmupPlan(scenario: Scenario, bars: BarSeries): { bars: number; note?: string } {
  const given = scenario.data.warmupBars;
  if (given !== undefined) {
    if (given >= bars.length - 1) {
      throw new ConfigError(`data.warmupBars is ${given}, but the data holds ${bars.length} bars (the run needs at least 2 after the warm-up)`, { field: 'data.warmupBars' });
    }
    return { bars: given };
  }
  const mk = scenario.market;
  let needMs = 0;
  if (mk.depth.source === 'volume') needMs = mk.depth.windowHours * MS_PER_HOUR;
  if (mk.liquidity.kind === 'sqrt' && mk.liquidity.dailyVolumeBase === undefined) needMs = Math.max(needMs, 24 * MS_PER_HOUR);
  if (needMs === 0) return { bars: 0 };
  let k = 0;
  while (k < bars.length && bars.time[k] < bars.time[0] + needMs) k++;
  const cap = Math.floor(bars.length / 4);
  if (k <= cap) return { bars: k };
  const hours = cap > 0 ? (bars.time[cap] - bars.time[0]) / MS_PER_HOUR : 0;
  return {
    bars: cap,
    note:
      `calibration window shortened to ${hours.toPrecision(3)}h (a quarter of the data; ${needMs / MS_PER_HOUR}h wanted): ` +
      'the depth rests on fewer hours; bring a longer file, set data.warmupBars, or set market.depth fixed',
  };
}

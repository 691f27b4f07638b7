/**
 * Where a generated crash path stands against the crash it is named after:
 * its drawdown beside the measured one and the generator's spread over its
 * calibration seeds. The generator matches a crash only in the median over
 * seeds, so a run on one seed says which path it got.
 */
import { isDeepStrictEqual } from 'node:util';
import { resolveDataPath } from '../config/resolveTarget.js';
import type { Scenario } from '../config/scenario.js';
import { crashNames, crashWindowMs, getCrash, type CrashEntry } from '../data/catalog.js';
import { readSyntheticSidecar } from '../data/syntheticSidecar.js';
import { generateCrash } from '../data/synthetic/crash.js';
import { measureCrash } from '../data/synthetic/measure.js';
import { gridForWindow } from '../data/synthetic/path.js';

export interface PathStanding {
  readonly crash: string;
  readonly seed: number;
  /** The path's drawdown on the calibration's bars (as the measured crash and the spread are). */
  readonly drawdown: number;
  readonly calibrationBarMinutes: number;
  readonly measuredDrawdown: number;
  readonly drawdownP10: number;
  readonly drawdownP90: number;
  readonly seedCount: number;
  readonly representativeSeed: number;
}

/**
 * The standing of a scenario's catalog path: generated in memory from the
 * scenario's seed, or a stored file whose sidecar names the crash, the
 * seed and the catalog's own parameters (the default scenario's path).
 * Null for anything else (real bars, a parametric model, a stored path
 * generated from other parameters).
 */
export function pathStanding(scenario: Scenario, baseDir: string): PathStanding | null {
  const spec = scenario.data.bars;
  if (spec.source === 'synthetic' && spec.path === undefined) return standingOf(getCrash(spec.crash), scenario.seed);
  const path = spec.source === 'synthetic' ? spec.path : spec.source === 'file' ? spec.path : undefined;
  if (path === undefined) return null;
  const sidecar = readSyntheticSidecar(resolveDataPath(path, baseDir));
  if (sidecar === null || sidecar.crash === undefined || typeof sidecar.seed !== 'number') return null;
  if (!crashNames().includes(sidecar.crash)) return null; // a crash this catalog does not hold: nothing to stand against
  const crash = getCrash(sidecar.crash);
  return isDeepStrictEqual(sidecar.params, crash.synthetic.params) ? standingOf(crash, sidecar.seed) : null;
}

function standingOf(crash: CrashEntry, seed: number): PathStanding {
  const cal = crash.synthetic.calibration;
  const { startMs, endMs } = crashWindowMs(crash);
  // The calibration's own bars: the same sub-path as the run's bars, cut as the measured file was.
  const grid = gridForWindow(startMs, endMs, { barMinutes: cal.barMinutes, stepsPerBar: cal.stepsPerBar });
  const drawdown = measureCrash(generateCrash(crash.synthetic.params, grid, seed).series).drawdown;
  return {
    crash: crash.name,
    seed,
    drawdown,
    calibrationBarMinutes: cal.barMinutes,
    measuredDrawdown: crash.measured.drawdown,
    drawdownP10: cal.drawdownP10,
    drawdownP90: cal.drawdownP90,
    seedCount: cal.seedCount,
    representativeSeed: cal.representative.seed,
  };
}

/** One line for the run's console output. */
export function formatPathStanding(s: PathStanding): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const which = s.seed === s.representativeSeed ? ', the path closest to the measured crash' : '';
  const hint = s.seed === s.representativeSeed ? '' : `; seed ${s.representativeSeed} is the path closest to the measured crash`;
  return (
    `path: seed ${s.seed} of the ${s.crash} generator${which}: drawdown ${pct(s.drawdown)} on ${s.calibrationBarMinutes}-minute bars against ${pct(s.measuredDrawdown)} measured ` +
    `(10th-90th percentile over the generator's ${s.seedCount} calibration seeds: ${pct(s.drawdownP10)}-${pct(s.drawdownP90)})${hint}`
  );
}

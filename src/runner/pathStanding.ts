/**
 * Where a generated crash path stands against the crash it is named after:
 * its drawdown beside the measured one and the generator's spread over its
 * calibration seeds. The generator matches a crash only in the median over
 * seeds, so a run on one seed says which path it got.
 */
import type { Scenario } from '../config/scenario.js';
import { crashWindowMs, getCrash } from '../data/catalog.js';
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

/** The standing of a scenario's generated catalog path, or null when its bars are not one (a file, a stored path, a parametric model). */
export function pathStanding(scenario: Scenario): PathStanding | null {
  const spec = scenario.data.bars;
  if (spec.source !== 'synthetic' || spec.path !== undefined) return null;
  const crash = getCrash(spec.crash);
  const cal = crash.synthetic.calibration;
  const { startMs, endMs } = crashWindowMs(crash);
  // The calibration's own bars: the same sub-path as the run's bars, cut as the measured file was.
  const grid = gridForWindow(startMs, endMs, { barMinutes: cal.barMinutes, stepsPerBar: cal.stepsPerBar });
  const drawdown = measureCrash(generateCrash(crash.synthetic.params, grid, scenario.seed).series).drawdown;
  return {
    crash: crash.name,
    seed: scenario.seed,
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

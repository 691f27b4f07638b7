/**
 * From a sweep file to trials. A point (one value per parameter) is run on
 * every window; trial index = point · windows + window, so `--shard i/N`
 * and the tables have one fixed numbering. Each trial carries the whole
 * raw scenario with absolute paths (trial.ts) and its key: the validated
 * scenario, a checksum of the files it reads, and the code version.
 */
import { isAbsolute, resolve } from 'node:path';
import { setDotted, validateScenario } from '../config/load.js';
import { absoluteRawPaths } from '../config/rebasePaths.js';
import { resolveTarget } from '../config/resolveTarget.js';
import { CascadeError, ConfigError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import { crashNames, getCrash } from '../data/catalog.js';
import { crashScenario, REFERENCE_CRASH, resizing, scaleSizes, type CrashSizing } from '../runner/crashScenario.js';
import type { LoadedSweep, SweepWindow } from './sweepSchema.js';
import { codeVersion, trialKey, type TrialSpec } from './trial.js';
import { formatVaryValue } from './vary.js';
import { dataChecksum, fileChecksums } from './fileChecksums.js';

export interface SweepContext {
  readonly loaded: LoadedSweep;
  /** The base scenario as read, the sweep's `set` applied, its file paths absolute. */
  readonly baseRaw: Record<string, unknown>;
  readonly windows: readonly string[];
  /** Per window, the dotted-path assignments that make it. */
  readonly windowSets: ReadonlyArray<ReadonlyArray<readonly [string, unknown]>>;
  /**
   * Per window, the sizing a crash window applies last (windowSizing), or
   * null: a data window, a base that is a scenario file, or `scaleSizes: false`.
   */
  readonly windowSizing: ReadonlyArray<CrashSizing | null>;
  readonly codeVersion: string;
}

/** `${NAME}` → the environment variable; unset is an error naming it. */
function expandEnv(text: string, file: string, field: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = process.env[name];
    if (v === undefined || v === '') throw new ConfigError(`the environment variable ${name} is not set (it names a data folder)`, { file, field });
    return v;
  });
}

function windowAssignments(w: SweepWindow, k: number, loaded: LoadedSweep): Array<readonly [string, unknown]> {
  const out: Array<readonly [string, unknown]> = [];
  const abs = (p: string, field: string): string => {
    const x = expandEnv(p, loaded.file, `windows.${k}.${field}`);
    return isAbsolute(x) ? x : resolve(loaded.dir, x);
  };
  if (w.crash !== undefined) {
    // The crash's representative path and seed, as `cascade run <crash>` takes them (with data: the file's bars, as
    // `cascade run <crash> --data FILE`); the window's own `set` may pick another seed.
    if (w.data === undefined) out.push(['data.bars', { source: 'synthetic', crash: w.crash }]);
    out.push(['seed', getCrash(w.crash).synthetic.calibration.representative.seed]);
  }
  if (w.data !== undefined) out.push(['data.bars', { source: 'file', path: abs(w.data, 'data') }]);
  if (w.iv !== undefined) out.push(['data.iv.path', abs(w.iv, 'iv')]);
  if (w.start !== undefined) out.push(['data.window.start', w.start]);
  if (w.end !== undefined) out.push(['data.window.end', w.end]);
  for (const [path, value] of Object.entries(w.set)) out.push([path, value]);
  return out;
}

export function buildContext(loaded: LoadedSweep): SweepContext {
  const { sweep, dir } = loaded;
  const baseTarget = sweep.base === 'default' || crashNames().includes(sweep.base) ? sweep.base : resolve(dir, sweep.base);
  const target = resolveTarget(baseTarget, { names: crashNames(), build: crashScenario });
  // The base's own paths are relative to the base; those the sweep file writes (its set, the windows' sets, the parameters' values), to the sweep file.
  const baseRaw = absoluteRawPaths(target.raw, target.baseDir) as Record<string, unknown>;
  for (const [path, value] of Object.entries(sweep.set)) setDotted(baseRaw, path.split('.'), structuredClone(value), path);
  const windows = sweep.windows ?? [{ name: 'base', set: {} }];
  return {
    loaded,
    baseRaw: absoluteRawPaths(baseRaw, dir) as Record<string, unknown>,
    windows: windows.map((w) => w.name),
    windowSets: windows.map((w, k) => windowAssignments(w as SweepWindow, k, loaded)),
    windowSizing: windows.map((w) => windowSizing(sweep.base, w as SweepWindow)),
    codeVersion: codeVersion(),
  };
}

/**
 * A crash window runs the base at that crash's size, as `cascade run
 * <crash>` does: the default scenario's sizes were set against the
 * reference crash, a catalog crash's base against its own, and a crash
 * window scales the dealer's book, the open interest and the insurance
 * fund by its pre-crash quote volume against theirs (crashScenario.ts).
 * Without it a sweep over crashes put the reference crash's positions into
 * every crash's book: ten times the open interest the luna-2022-05 book
 * carries in `cascade run`, a sixteenth of ftx-2022-11's. A base file has
 * no crash to scale from: its sizes are used as they are.
 */
function windowSizing(base: string, w: SweepWindow): CrashSizing | null {
  if (w.crash === undefined || w.scaleSizes === false) return null;
  const from = base === 'default' ? REFERENCE_CRASH : crashNames().includes(base) ? base : null;
  return from === null ? null : resizing(from, w.crash);
}

/** The trial of one point on one window. */
export function makeTrial(ctx: SweepContext, index: number, params: readonly string[], values: readonly unknown[], window: number): TrialSpec {
  const raw = structuredClone(ctx.baseRaw);
  const label = `${ctx.windows[window]} ${params.map((p, k) => `${p}=${formatVaryValue(values[k])}`).join(' ')}`;
  let scenario: unknown = raw;
  let key: string;
  let files: Array<[string, string]> | undefined;
  try {
    for (const [path, value] of ctx.windowSets[window]) setDotted(raw, path.split('.'), structuredClone(value), path);
    params.forEach((p, k) => setDotted(raw, p.split('.'), structuredClone(values[k]), p));
    // Last, so a size set by the sweep, the window or a parameter is read at the base crash's scale like the base's own.
    const sizing = ctx.windowSizing[window];
    if (sizing !== null) scaleSizes(raw, sizing);
    scenario = absoluteRawPaths(raw, ctx.loaded.dir);
    const valid = validateScenario(scenario);
    files = fileChecksums(valid);
    key = trialKey(valid, dataChecksum(files), ctx.codeVersion);
  } catch (err) {
    if (!(err instanceof CascadeError)) throw err;
    // Still a trial: runTrial records it as invalid with the reason, and the table shows it.
    key = trialKey({ invalid: scenario }, '', ctx.codeVersion);
  }
  return { index, key, label, scenario, ...(files !== undefined ? { files } : {}) };
}

/** Hash of everything that defines the trials: names a sweep's output folder and checks shards belong together. */
export function sweepHash(ctx: SweepContext): string {
  return sha256(stableStringify({ sweep: ctx.loaded.sweep, base: ctx.baseRaw, windows: ctx.windowSets, code: ctx.codeVersion }));
}

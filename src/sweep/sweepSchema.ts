/**
 * The sweep file (`cascade sweep <sweep.yaml>`), validated once at the
 * boundary like a scenario: unknown keys are errors, every mistake names
 * the file, the line (YAML and JSON alike, through the YAML parser's node
 * ranges) and the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { checkDottedPath, readScenarioFile } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { figurePathProblem } from './figurePaths.js';
import type { Parameter } from './space.js';

const dotted = z
  .string()
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as protocol.insuranceFundQuote or strategy.params.lookback');

const listParameter = z.strictObject({
  path: dotted,
  values: z.array(z.unknown()).min(1).describe('the values to try, in order'),
});

const rangeParameter = z
  .strictObject({
    path: dotted,
    min: z.number().describe('lowest value'),
    max: z.number().describe('highest value'),
    scale: z.enum(['linear', 'log']).default('linear').describe('log: equal steps in log(value); min must be above 0'),
    integer: z.boolean().default(false).describe('round every value to an integer'),
    steps: z.number().int().min(2).max(1000).optional().describe('grid points from min to max inclusive (grid method)'),
  })
  .refine((p) => p.max > p.min, { message: 'max must be above min', path: ['max'] })
  .refine((p) => p.scale !== 'log' || p.min > 0, { message: 'a log scale needs min above 0', path: ['min'] });

const windowSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -').describe('shown in the results; names a fold'),
  data: z.string().optional().describe('bar file (CSV), relative to the sweep file; ${NAME} is replaced by that environment variable'),
  crash: z
    .string()
    .optional()
    .describe("a catalog crash: its synthetic path (data.bars.source synthetic) on the crash's representative seed (`set: {seed: N}` picks another); with data, the file's bars instead, the crash naming the sizes and seed, as `cascade run <crash> --data FILE`"),
  iv: z.string().optional().describe('implied-volatility index file, relative to the sweep file'),
  start: z.string().optional().describe('first bar, ISO-8601 UTC (data.window.start)'),
  end: z.string().optional().describe('last bar, ISO-8601 UTC (data.window.end)'),
  set: z.record(z.string(), z.unknown()).default({}).describe('more scenario fields for this window, by dotted path'),
  scaleSizes: z
    .boolean()
    .optional()
    .describe("with crash: scale the dealer's book, the open interest and the insurance fund to the crash, as `cascade run <crash>` does (default true when the base is `default` or a catalog crash); false keeps the base's sizes"),
})
  .refine((w) => w.scaleSizes === undefined || w.crash !== undefined, { message: 'scaleSizes applies to a crash window only', path: ['scaleSizes'] });

const figureBound = z
  .strictObject({
    figure: dotted.describe('a summary figure by dotted path, e.g. badDebt or dealerPnl.total'),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((c) => c.min !== undefined || c.max !== undefined, { message: 'a constraint needs min or max' });

export const sweepSchema = z.strictObject({
  name: z.string().default('sweep'),
  base: z.string().default('default').describe('scenario file (relative to the sweep file), `default`, or a catalog crash name'),
  set: z.record(z.string(), z.unknown()).default({}).describe('fields of the base scenario changed for every trial, by dotted path'),
  windows: z.array(windowSchema).min(1).optional().describe('crash windows or data files; every point is run on each. Default: the base scenario data'),
  parameters: z.array(z.union([listParameter, rangeParameter])).min(1),
  objective: z.strictObject({
    figure: dotted.describe('summary figure by dotted path; averaged over the windows of a fold'),
    goal: z.enum(['min', 'max']),
  }),
  constraints: z.array(figureBound).default([]).describe('every window of a point must satisfy each, else the point is infeasible'),
  method: z.enum(['grid', 'random', 'lhs', 'tpe']).default('grid'),
  trials: z.number().int().min(1).max(100_000).optional().describe('points to try (random, lhs, tpe)'),
  batch: z.number().int().min(1).max(1000).default(8).describe('TPE: points per round after the first'),
  seed: z.number().int().min(0).max(0xffffffff).default(1).describe('seed of the search (not of the scenario)'),
  validation: z
    .enum(['none', 'leave-one-out', 'walk-forward'])
    .default('none')
    .describe('leave-one-out: tune on all windows but one, report the held-out one; walk-forward: tune on the windows before, report the next'),
  figures: z.array(dotted).optional().describe('columns of the results table; default: the compare columns'),
  maxTrials: z.number().int().min(1).default(20_000).describe('refuse sweeps with more trials (points × windows)'),
});

export type SweepFile = z.infer<typeof sweepSchema>;
export type SweepWindow = z.infer<typeof windowSchema>;

export interface LoadedSweep {
  readonly sweep: SweepFile;
  readonly file: string;
  /** Folder relative paths in the sweep file resolve against. */
  readonly dir: string;
}

/** Line of the node at a zod issue path, through the YAML document (JSON parses as YAML). */
function lineOf(doc: Document, text: string, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
    const range = node && (isMap(node) || isSeq(node) || 'range' in node) ? node.range : undefined;
    if (range) {
      let line = 1;
      for (let i = 0; i < range[0] && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
      return line;
    }
  }
  return undefined;
}

/** Reads and validates a sweep file; the first problem becomes one located error. */
export function loadSweepFile(path: string): LoadedSweep {
  const file = resolve(path);
  const raw = readScenarioFile(file, 'sweep file');
  const parsed = sweepSchema.safeParse(raw);
  /** The error for a problem at `at` in the file, with its line. */
  const located = (reason: string, at: readonly PropertyKey[], lineAt: readonly PropertyKey[] = at): ConfigError => {
    const text = readFileSync(file, 'utf8');
    const line = lineOf(parseDocument(text, { logLevel: 'silent' }), text, lineAt);
    return new ConfigError(reason, { file, ...(line !== undefined ? { line } : {}), field: at.join('.') || '(root)' });
  };
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const reason = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
    // An unknown key is found at the key itself, not at the object holding it.
    throw located(reason, issue.path, issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path);
  }
  const sweep = parsed.data;
  for (const p of sweep.parameters) checkDottedPath(p.path.split('.'), 'parameters');
  const paths = sweep.parameters.map((p) => p.path);
  paths.forEach((p, i) => {
    const clash = paths.findIndex((q, j) => j !== i && (q === p || q.startsWith(`${p}.`)));
    if (clash >= 0) throw new ConfigError(`parameters ${p} and ${paths[clash]} set the same field; put every value in one parameter`, { file, field: `parameters.${i}.path` });
  });
  if (sweep.method !== 'grid' && sweep.trials === undefined) throw new ConfigError(`the ${sweep.method} method needs 'trials' (the number of points)`, { file, field: 'trials' });
  const names = new Set<string>();
  for (const w of sweep.windows ?? []) {
    if (names.has(w.name)) throw new ConfigError(`two windows are named '${w.name}'`, { file, field: 'windows' });
    names.add(w.name);
  }
  const nWindows = sweep.windows?.length ?? 1;
  if (sweep.validation !== 'none' && nWindows < 2) throw new ConfigError(`${sweep.validation} needs at least two windows`, { file, field: 'validation' });
  const figures: Array<[string, PropertyKey[]]> = [
    [sweep.objective.figure, ['objective', 'figure']],
    ...sweep.constraints.map((c, i): [string, PropertyKey[]] => [c.figure, ['constraints', i, 'figure']]),
    ...(sweep.figures ?? []).map((f, i): [string, PropertyKey[]] => [f, ['figures', i]]),
  ];
  for (const [figure, at] of figures) {
    const problem = figurePathProblem(figure);
    if (problem !== undefined) throw located(problem, at);
  }
  return { sweep, file, dir: dirname(file) };
}

/** The parameters as the space reads them. */
export function sweepParameters(sweep: SweepFile): Parameter[] {
  return sweep.parameters.map((p) => ('values' in p ? { path: p.path, values: p.values } : { path: p.path, min: p.min, max: p.max, scale: p.scale, integer: p.integer, steps: p.steps }));
}

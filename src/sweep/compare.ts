/**
 * `cascade compare`: run one scenario under every cell of a `--vary` grid on
 * the same data and seed, and tabulate the headline figures side by side.
 *
 * Every variant runs as a sweep trial (trial.ts) on the same path. Variants may
 * not change the seed, and may change `data.*` only if the result is the
 * same bars (same sha256): a comparison across different paths is a
 * different question (run one compare per path).
 *
 * Everything written is a pure function of the scenario, the overrides, the
 * grid and the data, so two identical compares give byte-identical files.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOverrides, scenarioHash, setDotted, validateScenario } from '../config/load.js';
import type { Scenario } from '../config/scenario.js';
import { absoluteRawPaths } from '../config/rebasePaths.js';
import { CascadeError, ConfigError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import { prepareRunData, type PreparedData } from '../runner/prepareData.js';
import type { RunData } from '../engine/run.js';
import { formatNumber } from '../report/timeseriesCsv.js';
import { prepareOutput, writeWhole, type PreparedOutput } from '../report/outputDir.js';
import { buildComparisonReport, sameRunText, type PricePaths } from '../report/html/comparePage.js';
import { keepExtremes } from '../report/html/downsample.js';
import { formatVaryValue, varyGrid, type VaryAxis } from './vary.js';
import { figurePathProblem } from './figurePaths.js';
import { figureAt } from './results.js';
import { codeVersion, runTrial, trialKey } from './trial.js';
import { csvField } from '../core/format.js';

/**
 * Price paths go into compare.json for grids up to this many variants
 * (beyond, the overlay is unreadable and the file grows by a path per row).
 */
export const MAX_PATH_VARIANTS = 40;

/** Points per overlaid path, about: each bucket keeps every path's lowest and highest bar (report/html/downsample.ts). */
const PATH_POINTS = 1200;

/**
 * The compared figures, in column order. Each is read from the run's
 * figures under the same name (dealerPnl: its `total`). A figure the run does not produce (no
 * protocol in the scenario yet) is an empty CSV field and null in JSON.
 */
export const COMPARE_METRICS = [
  'badDebt',
  'liquidationCount',
  'liquidationVolume',
  'amplification',
  'simulatedMaxDrawdown',
  'insuranceFundUsed',
  'dealerPnl',
  'peakMlr',
  'peakLiquidationBranchingRatio',
  'paradoxIndex',
  'backstopLostAtPeakLiquidationsQuote',
  'depthWithdrawnQuote',
  'peakBranchingRatioSum',
] as const;

/**
 * Columns added when the scenario runs a strategy: its simulated return
 * beside its naive twin's, its Sharpe ratio and its drawdown (what a
 * strategy's variants are compared on), by their dotted summary paths.
 */
export const STRATEGY_COMPARE_FIGURES = [
  'strategy.simulated.returnFraction',
  'strategy.naive.returnFraction',
  'strategy.simulated.stats.sharpe',
  'strategy.simulated.stats.maxDrawdown',
] as const;

export interface CompareInput {
  /** The scenario as read (before overrides and validation). */
  readonly raw: unknown;
  /** File the scenario came from, for error locations. */
  readonly file?: string;
  /** Folder relative data paths resolve against. */
  readonly baseDir: string;
  /** `--set` style overrides applied to every variant before its grid values. */
  readonly sets: readonly string[];
  readonly axes: readonly VaryAxis[];
  /** More columns: summary figures by dotted path (`--figure`), after the standard ones. */
  readonly figures?: readonly string[];
  /**
   * The figure that colours the phase diagram (two varied inputs); default
   * the strategy's simulated return when the scenario runs one, else
   * amplification. Checked like `figures`, and made a column.
   */
  readonly heatmapFigure?: string;
  /** Called after each variant (progress). */
  readonly onVariant?: (done: number, total: number) => void;
}

export interface CompareRow {
  readonly index: number;
  /** One value per axis. */
  readonly values: readonly unknown[];
  /** `--set` arguments that reproduce the variant with `cascade run`. */
  readonly sets: readonly string[];
  readonly configHash: string;
  /** Per column of the result's `metrics`; null: the run does not produce this figure. */
  readonly figures: Readonly<Record<string, number | null>>;
  /**
   * Index of the first earlier variant whose run gave the same figures,
   * every one of the summary's (not only the columns): the varied field
   * did not reach the run, as when a limit elsewhere binds first.
   */
  readonly sameRunAs?: number;
}

export interface CompareResult {
  readonly scenarioName: string;
  readonly seed: number;
  /** Hash of the base scenario (overrides applied), the grid and the data: names the output folder. */
  readonly compareHash: string;
  readonly outputDir: string;
  readonly identity: PreparedData['identity'];
  readonly axes: readonly VaryAxis[];
  /** The figure columns, in order: COMPARE_METRICS, the strategy's when the scenario runs one, then `--figure`'s. */
  readonly metrics: readonly string[];
  /** The figure that colours the phase diagram (one of `metrics`). */
  readonly heatmapFigure: string;
  readonly rows: readonly CompareRow[];
  /** Simulated closes of every variant at shared bars, for the page's overlay; absent past MAX_PATH_VARIANTS. */
  readonly pricePaths?: PricePaths;
}

/** sha256 over the bytes of every bar column and the IV join: what "the same data" means here. */
export function runDataFingerprint(data: RunData): string {
  const h = createHash('sha256');
  const b = data.bars;
  for (const col of [b.time, b.open, b.high, b.low, b.close, b.volume, b.quoteVolume, b.trades, b.takerBuyVolume, data.ivPoints]) {
    if (col === undefined) h.update('-');
    else h.update(new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
  }
  return h.digest('hex');
}

/**
 * A compare column from a trial's figures (summary.json's form): dealerPnl
 * is its `total`, depthWithdrawnQuote the paradox block's depthLeftQuote,
 * numbers written as text ("Infinity") read back as numbers. The two peaks
 * are the protocol's own figures, present whenever their recorder columns
 * are (both belong to the protocol), so no column is read here.
 */
function figureValue(figures: Record<string, unknown> | null, metric: string): number | null {
  return figureAt(figures, compareFigurePath(metric));
}

/** Where a compare column lives in a run's figures, as a dotted path (a column named by its path is that path). */
export function compareFigurePath(metric: string): string {
  return metric === 'dealerPnl' ? 'dealerPnl.total' : metric === 'depthWithdrawnQuote' ? 'paradox.depthLeftQuote' : metric;
}

/** The columns of a compare of `base`: the standard ones, the strategy's when it runs one, then the extra figures asked for (each checked). */
export function compareColumns(base: Scenario, extra: readonly string[] = []): string[] {
  for (const f of extra) {
    const problem = figurePathProblem(f);
    if (problem !== undefined) throw new ConfigError(`--figure: ${problem}`);
  }
  const columns: string[] = [...COMPARE_METRICS, ...(base.strategy ? STRATEGY_COMPARE_FIGURES : []), ...extra];
  return columns.filter((c, i) => columns.indexOf(c) === i);
}

/** The raw scenario of one grid cell: the overrides, then the cell's values. */
function variantRaw(input: CompareInput, values: readonly unknown[]): Record<string, unknown> {
  const raw = applyOverrides(input.raw, input.sets) as Record<string, unknown>;
  input.axes.forEach((axis, k) => setDotted(raw, axis.segments, structuredClone(values[k]), axis.path));
  return raw;
}

function variantScenario(input: CompareInput, values: readonly unknown[], label: string): Scenario {
  try {
    return validateScenario(variantRaw(input, values), input.file);
  } catch (err) {
    if (err instanceof CascadeError) throw new ConfigError(`${label}: ${err.reason}`, err.location);
    throw err;
  }
}

/** Runs every variant of the grid on the same prepared data; see the module comment. */
export async function runCompare(input: CompareInput): Promise<CompareResult> {
  const variants = varyGrid(input.axes);
  const scenarios = variants.map((v) => variantScenario(input, v.values, `variant ${v.index + 1} (${v.sets.join(' ')})`));
  const base = scenarios[0];
  if (input.heatmapFigure !== undefined) {
    const problem = figurePathProblem(input.heatmapFigure);
    if (problem !== undefined) throw new ConfigError(`--heatmap: ${problem}`);
  }
  const heatmapFigure = input.heatmapFigure ?? (base.strategy ? STRATEGY_COMPARE_FIGURES[0] : 'amplification');
  const metrics = compareColumns(base, [...(input.figures ?? []), heatmapFigure]);
  const prepared = prepareRunData(base, input.baseDir);
  const fingerprint = runDataFingerprint(prepared.data);
  const baseData = stableStringify(base.data);
  scenarios.forEach((s, i) => {
    const label = `variant ${i + 1} (${variants[i].sets.join(' ')})`;
    if (s.seed !== base.seed) {
      throw new ConfigError(`${label}: compare runs every variant with the same seed (${base.seed}); run one compare per seed instead`, { field: 'seed' });
    }
    if (stableStringify(s.data) !== baseData) {
      const other = prepareRunData(s, input.baseDir);
      const why =
        other.data.dataSha256 !== prepared.data.dataSha256
          ? `data sha256 ${other.data.dataSha256.slice(0, 12)} vs ${prepared.data.dataSha256.slice(0, 12)}`
          : runDataFingerprint(other.data) !== fingerprint
            ? 'same file, different bars after windowing, resampling or the IV join'
            : '';
      if (why !== '') throw new ConfigError(`${label}: changes the replayed data (${why}); compare runs every variant on the same path`, { field: 'data' });
    }
  });

  // The grid runs as sweep trials (trial.ts), in this process and in grid order: a compare is the grid method of a sweep on one path.
  const version = codeVersion();
  const rows: CompareRow[] = [];
  const runDigests: string[] = [];
  const closes: Float64Array[] = [];
  let historical: Float64Array | undefined;
  let time: Float64Array | undefined;
  for (let i = 0; i < variants.length; i++) {
    const label = `variant ${i + 1} (${variants[i].sets.join(' ')})`;
    const raw = absoluteRawPaths(variantRaw(input, variants[i].values), input.baseDir);
    // The trial hands its run over before it is reduced to figures: the overlaid paths come from its recorder.
    const record = await runTrial({ index: i, key: trialKey(scenarios[i], prepared.data.dataSha256, version), label, scenario: raw }, (result) => {
      if (variants.length <= MAX_PATH_VARIANTS && result.recorder.has('simulated_close')) {
        closes.push(result.recorder.get('simulated_close'));
        historical ??= result.recorder.get('historical_close');
        time ??= result.recorder.get('time');
      }
    });
    if (record.status === 'invalid') throw new ConfigError(`${label}: ${record.message ?? 'invalid'}`);
    if (record.status === 'error') throw new Error(`${label}: ${record.message ?? 'failed'}`);
    const figures: Record<string, number | null> = {};
    for (const m of metrics) figures[m] = figureValue(record.figures, m);
    const digest = sha256(stableStringify(record.figures));
    const same = runDigests.indexOf(digest);
    runDigests.push(digest);
    rows.push({ index: i, values: variants[i].values, sets: variants[i].sets, configHash: scenarioHash(scenarios[i]), figures, ...(same >= 0 ? { sameRunAs: same } : {}) });
    input.onVariant?.(i + 1, variants.length);
  }

  const baseRaw = applyOverrides(input.raw, input.sets);
  const compareHash = sha256(
    stableStringify({ base: baseRaw, axes: input.axes.map((a) => ({ path: a.path, values: a.values })), dataSha256: prepared.data.dataSha256 }),
  );
  return {
    scenarioName: base.name,
    seed: base.seed,
    compareHash,
    outputDir: join(base.output.dir, `compare-${compareHash.slice(0, 10)}`),
    identity: prepared.identity,
    axes: input.axes,
    metrics,
    heatmapFigure,
    rows,
    ...(closes.length === rows.length && historical !== undefined && time !== undefined ? { pricePaths: pricePaths(time, historical, closes) } : {}),
  };
}

/** Every variant's close at the bars that keep each path's extremes per bucket (one shared set of bars, so the paths overlay). */
function pricePaths(time: Float64Array, historical: Float64Array, closes: readonly Float64Array[]): PricePaths {
  const all = [historical, ...closes];
  const idx = keepExtremes(all, time.length, Math.max(1, Math.floor(PATH_POINTS / 2 / all.length)));
  const at = (v: Float64Array): Array<number | null> => Array.from(idx, (i) => (Number.isFinite(v[i]) ? v[i] : null));
  const t0 = Math.round(time[0] / 1000);
  return {
    firstBarSeconds: t0,
    secondsAfterFirstBar: Array.from(idx, (i) => Math.round(time[i] / 1000) - t0),
    historical: at(historical),
    variants: closes.map(at),
  };
}

function formatFigure(v: number | null): string {
  return v === null ? '' : formatNumber(v);
}

/** Header: the axis paths, then the result's metrics; one row per variant in grid order. */
export function compareToCsv(result: CompareResult): string {
  const lines = [[...result.axes.map((a) => a.path), ...result.metrics].map(csvField).join(',')];
  for (const row of result.rows) {
    lines.push([...row.values.map((v) => csvField(formatVaryValue(v))), ...result.metrics.map((m) => formatFigure(row.figures[m]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function jsonFigure(v: number | null): number | string | null {
  return v === null || Number.isFinite(v) ? v : String(v);
}

/** The full record: identity, grid, and per variant its values, --set form, config hash and figures (non-finite as strings). */
export function compareToJson(result: CompareResult): string {
  const doc = {
    cascadeLab: 1,
    kind: 'compare',
    scenarioName: result.scenarioName,
    seed: result.seed,
    compareHash: result.compareHash,
    ...result.identity,
    dataLabel: result.identity.synthetic ? 'SYNTHETIC path (generated, not historical data)' : 'historical data',
    vary: result.axes.map((a) => ({ path: a.path, values: a.values })),
    metrics: result.metrics,
    // Only when it is not the phase diagram's own amplification, so a compare without it writes what it did before.
    ...(result.heatmapFigure !== 'amplification' ? { heatmapFigure: result.heatmapFigure } : {}),
    rows: result.rows.map((r) => ({
      variant: r.index,
      values: Object.fromEntries(result.axes.map((a, k) => [a.path, r.values[k]])),
      set: r.sets,
      configHash: r.configHash,
      figures: Object.fromEntries(result.metrics.map((m) => [m, jsonFigure(r.figures[m])])),
      ...(r.sameRunAs !== undefined ? { sameRunAs: r.sameRunAs } : {}),
    })),
    ...(result.pricePaths !== undefined ? { pricePaths: result.pricePaths } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes compare.csv, compare.json and compare.html (built from the JSON) into `out` (a folder, or one prepared before the runs), whole or not at all; returns the file names. */
export function writeCompare(out: string | PreparedOutput, result: CompareResult): string[] {
  const target = typeof out === 'string' ? prepareOutput(out, 'compare') : out;
  writeWhole(target, (dir) => {
    const json = compareToJson(result);
    writeFileSync(join(dir, 'compare.csv'), compareToCsv(result));
    writeFileSync(join(dir, 'compare.json'), json);
    writeFileSync(join(dir, 'compare.html'), buildComparisonReport(JSON.parse(json)));
  });
  return ['compare.csv', 'compare.json', 'compare.html'];
}

function short(v: number | null): string {
  if (v === null) return '-';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 && a < 1e15) return String(Math.round(v));
  return a < 1e-3 || a >= 1e15 ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

/**
 * One line per variant whose run repeated an earlier one's figures, naming
 * both by their values: a varied field that did not bind reads as a flat
 * stretch of the table otherwise, easy to take for a finding.
 */
export function formatSameRuns(result: CompareResult): string {
  const name = (r: CompareRow): string => `variant ${r.index + 1} (${r.sets.join(' ')})`;
  const lines = result.rows
    .filter((r) => r.sameRunAs !== undefined)
    .map((r) => `note: ${sameRunText(name(r), name(result.rows[r.sameRunAs!]))}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The table for the terminal: one line per variant, columns aligned. */
export function formatCompareTable(result: CompareResult): string {
  const header = [...result.axes.map((a) => a.path), ...result.metrics];
  const body = result.rows.map((r) => [...r.values.map(formatVaryValue), ...result.metrics.map((m) => short(r.figures[m]))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const nAxes = result.axes.length;
  const line = (cells: string[]): string => cells.map((s, c) => (c < nAxes ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

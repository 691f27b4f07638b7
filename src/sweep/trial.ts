/**
 * The trial contract shared by every sweep runner (the local worker pool,
 * shards, the distributed queue): a trial is a full raw scenario in JSON
 * with absolute file paths, so any process on any machine can run it without
 * the sweep file; its record is what every runner stores and merges.
 *
 * `runTrial` is a pure function of the spec, the data and the code, so
 * the same key always gives the same record whichever worker ran it. It is
 * asynchronous only because a scenario's strategy module is loaded with a
 * dynamic import (the key covers strategies/, and a strategy by path is a
 * file the sweep names). User mistakes (ConfigError, DataError, any CascadeError) are
 * 'invalid' and never retried: a rerun would fail the same way. Anything
 * else is 'error', which a runner may retry.
 */
import { valuationKernel } from '../dealer/valuation.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateScenario } from '../config/load.js';
import { PROJECT_ROOT } from '../config/resolveTarget.js';
import { CascadeError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import { runBacktest, type BacktestResult } from '../runner/backtest.js';
import { prepareRunData, type PreparedData } from '../runner/prepareData.js';
import { loadScenarioStrategy } from '../runner/build.js';
import { finiteOrText } from '../report/writeRun.js';

export interface TrialSpec {
  readonly index: number;
  readonly key: string;
  readonly label: string;
  /**
   * The full scenario, JSON, file paths absolute (config/rebasePaths.ts
   * absoluteRawPaths): the raw form, before validation, because validated
   * defaults hold Infinity, which JSON cannot carry; runTrial validates it.
   */
  readonly scenario: unknown;
  /**
   * Per file the trial reads, its sha256 where the trial was planned (its
   * key hashes them; absent when the scenario is invalid). A queue worker
   * refuses the trial when its own copy differs or is missing.
   */
  readonly files?: ReadonlyArray<readonly [string, string]>;
}

export interface TrialRecord {
  readonly index: number;
  readonly key: string;
  readonly label: string;
  readonly status: 'ok' | 'invalid' | 'error';
  /** The run's summary figures as summary.json writes them (non-finite numbers as strings); null unless ok. */
  readonly figures: Record<string, unknown> | null;
  readonly message?: string;
}

/**
 * Prepared data of the last few distinct `data` blocks: a sweep varies the
 * model far more often than the data, and loading and windowing the bars
 * would otherwise cost as much as a short run. The bars are never written
 * by a run (compare checks a fingerprint of them after every variant).
 */
const DATA_CACHE_SIZE = 4;
const dataCache = new Map<string, PreparedData>();

function preparedFor(scenario: Parameters<typeof prepareRunData>[0]): PreparedData {
  // Everything prepareRunData reads: the warm-up length depends on the depth and liquidity settings.
  const id = stableStringify({ data: scenario.data, seed: scenario.seed, depth: scenario.market.depth, liquidity: scenario.market.liquidity });
  const hit = dataCache.get(id);
  if (hit !== undefined) return hit;
  const prepared = prepareRunData(scenario, PROJECT_ROOT);
  if (dataCache.size >= DATA_CACHE_SIZE) dataCache.delete(dataCache.keys().next().value as string);
  dataCache.set(id, prepared);
  return prepared;
}

/** Runs one trial; never throws for a bad scenario or a failed run (see the module comment). */
export async function runTrial(spec: TrialSpec, inspect?: (result: BacktestResult) => void): Promise<TrialRecord> {
  const head = { index: spec.index, key: spec.key, label: spec.label };
  try {
    const scenario = validateScenario(spec.scenario);
    const prepared = preparedFor(scenario);
    const strategy = await loadScenarioStrategy(scenario, PROJECT_ROOT);
    const result = runBacktest(scenario, prepared.data, PROJECT_ROOT, {}, strategy ? { strategy } : {});
    inspect?.(result);
    // Through JSON as summary.json is written, so a record read back from disk equals the one returned.
    const figures = JSON.parse(JSON.stringify(result.figures, finiteOrText)) as Record<string, unknown>;
    return { ...head, status: 'ok', figures };
  } catch (err) {
    const status = err instanceof CascadeError ? 'invalid' : 'error';
    return { ...head, status, figures: null, message: err instanceof Error ? err.message : String(err) };
  }
}

/** The key of a trial: the canonical (validated, defaults filled) scenario, the data checksum and the code version. */
export function trialKey(canonicalScenario: unknown, dataSha256: string, codeVersion: string): string {
  return sha256(stableStringify({ scenario: canonicalScenario, dataSha256, codeVersion }));
}

let cachedVersion: string | undefined;

/**
 * The package version, a hash of every source file under src/ and
 * strategies/ (path and bytes, in sorted order) and the valuation kernel in
 * use (CASCADE_KERNEL: the two kernels agree to rounding, not bit for bit):
 * a code or kernel change gives new keys, so a resumed sweep never mixes
 * results of two versions. Read from the files, not from git, so an
 * installed copy or a container without .git has a version too.
 */
export function codeVersion(): string {
  return sha256(`${sourceVersion()} kernel ${valuationKernel()}`);
}

function sourceVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string };
  const files: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(join(dir, entry.name), r);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name)) files.push(r);
    }
  };
  // src/ and strategies/ (strategy files a scenario names run as code, not data).
  for (const top of ['src', 'strategies']) if (existsSync(join(PROJECT_ROOT, top))) walk(join(PROJECT_ROOT, top), top);
  files.sort();
  const lines = files.map((f) => `${f} ${sha256(readFileSync(join(PROJECT_ROOT, f)))}`);
  cachedVersion = sha256(`cascade-lab ${pkg.version ?? '0'}\n${lines.join('\n')}\n`);
  return cachedVersion;
}

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { readScenarioFile } from './load.js';

/** The project root (where data/ lives), independent of the working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_SCENARIO_PATH = join(PROJECT_ROOT, 'data', 'scenarios', 'default.json');

export interface ResolvedTarget {
  /** Raw scenario object, before overrides and validation. */
  raw: Record<string, unknown>;
  /** File the scenario came from, if any (for error locations and relative paths). */
  file?: string;
  /** Folder that relative data paths in the scenario are resolved against. */
  baseDir: string;
}

/** Scenarios reachable by name (the catalog crashes): name → the raw scenario. */
export interface NamedScenarios {
  readonly names: readonly string[];
  build(name: string): Record<string, unknown>;
}

/**
 * `cascade run <target>`: a scenario file (JSON/YAML), `default`, or a
 * catalog crash name (which runs the default model on that crash's
 * synthetic path unless --data brings real bars).
 */
export function resolveTarget(target: string, named: NamedScenarios = { names: [], build: () => ({}) }): ResolvedTarget {
  if (target === 'default') return fromFile(DEFAULT_SCENARIO_PATH);
  if (/\.(json|ya?ml)$/i.test(target) || existsSync(target)) return fromFile(target);
  if (named.names.includes(target)) return { raw: named.build(target), baseDir: process.cwd() };
  throw new ConfigError(
    `'${target}' is neither a scenario file nor a catalog crash; crashes: ${named.names.join(', ')} (or 'default')`,
  );
}

function fromFile(path: string): ResolvedTarget {
  const raw = readScenarioFile(path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('a scenario must be an object', { file: path });
  }
  return { raw: raw as Record<string, unknown>, file: path, baseDir: dirname(resolve(path)) };
}

/** Resolves a data path written in a scenario against the scenario's folder. */
export function resolveDataPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

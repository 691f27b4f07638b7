import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import { scenarioSchema, type Scenario } from './scenario.js';

/** Reads a scenario file (JSON or YAML) to a plain object, before validation. */
export function readScenarioFile(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError('scenario file not found', { file: path });
  const text = readFileSync(path, 'utf8');
  try {
    return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`, { file: path });
  }
}

/**
 * Applies `--set a.b.c=value` overrides to a raw scenario object. Values are
 * parsed as JSON when they are JSON (numbers, booleans, arrays), else taken
 * as strings, so `--set seed=7` is a number and `--set name=x` a string.
 */
export function applyOverrides(raw: unknown, overrides: readonly string[]): unknown {
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const assignment of overrides) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects path=value, got '${assignment}'`);
    const path = assignment.slice(0, eq).split('.');
    const text = assignment.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    setDotted(root, path, value, assignment);
  }
  return root;
}

export function setDotted(root: Record<string, unknown>, path: readonly string[], value: unknown, label = path.join('.')): void {
  let node: Record<string, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new ConfigError(`cannot set '${label}': '${path.slice(0, i + 1).join('.')}' is not an object`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Validates a raw scenario; the first problem becomes one located error. */
export function validateScenario(raw: unknown, file?: string): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(describeIssues(result.error), { file });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') {
        const base = issue.path.length > 0 ? `${path}.` : '';
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${base}${k}'`).join(', ')}`;
      }
      return `'${path}': ${issue.message}`;
    })
    .join('; ');
}

/** Hash of the resolved scenario: same content, same hash, whatever the key order. */
export function scenarioHash(scenario: Scenario): string {
  return sha256(stableStringify(scenario));
}

/** The JSON Schema of scenarios, for editors and `cascade schema`. */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input' });
}

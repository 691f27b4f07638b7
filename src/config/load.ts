import { parseDocument } from 'yaml';
import { z } from 'zod';
import { clip, ConfigError } from '../core/errors.js';
import { MAX_CONFIG_FILE_BYTES, readInputText } from '../core/files.js';
import { sha256, stableStringify } from '../core/hash.js';
import { scenarioSchema, type Scenario } from './scenario.js';
import { BlockDefaults } from './blockDefaults.js';

/**
 * Deepest nesting of objects and arrays a scenario (with its overrides) may
 * have. Real scenarios nest six levels; the bound keeps structuredClone,
 * the YAML parser and zod off the end of the stack.
 */
export const MAX_SCENARIO_DEPTH = 64;

/** Reads a scenario file (JSON or YAML) to a plain object, before validation. */
export function readScenarioFile(path: string, label = 'scenario file'): unknown {
  const text = readInputText(path, { label, maxBytes: MAX_CONFIG_FILE_BYTES, error: ConfigError });
  const yaml = /\.ya?ml$/i.test(path);
  const deep = bracketDepthExceeded(text, MAX_SCENARIO_DEPTH);
  if (deep >= 0) {
    throw new ConfigError(`nested more than ${MAX_SCENARIO_DEPTH} levels deep`, { file: path, line: lineAt(text, deep) });
  }
  let raw: unknown;
  if (yaml) {
    // One line per error: no code frame (prettyErrors) and no Node warning
    // (logLevel); a YAML warning such as an unknown tag is a mistake here.
    const doc = parseDocument(text, { prettyErrors: false, logLevel: 'silent', uniqueKeys: true });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem !== undefined) {
      throw new ConfigError(`not valid YAML: ${clip(problem.message, 200)}`, { file: path, line: lineAt(text, problem.pos[0]) });
    }
    raw = doc.toJS({ maxAliasCount: 100 });
  } else {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`not valid JSON: ${clip((err as Error).message, 200)}`, { file: path });
    }
  }
  checkNesting(raw, path);
  return raw;
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Offset of the first `[` or `{` that opens a level deeper than `max`
 * (outside double-quoted strings), or -1. Run on the text, before any
 * parser recurses into it.
 */
function bracketDepthExceeded(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      if (++depth > max) return i;
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return -1;
}

/** Refuses a value nested deeper than MAX_SCENARIO_DEPTH (checked without recursion). */
export function checkNesting(value: unknown, file?: string, label?: string): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_SCENARIO_DEPTH) {
      throw new ConfigError(`${label !== undefined ? `${label}: ` : ''}nested more than ${MAX_SCENARIO_DEPTH} levels deep`, file !== undefined ? { file } : {});
    }
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

/**
 * Applies `--set a.b.c=value` overrides to a raw scenario object. Values are
 * parsed as JSON when they are JSON (numbers, booleans, arrays), else taken
 * as strings, so `--set seed=7` is a number and `--set name=x` a string.
 * `schema` is the scenario's own (the multi-asset runs have theirs): a
 * block the scenario leaves out starts from its default there.
 */
export function applyOverrides(raw: unknown, overrides: readonly string[], schema: z.ZodType = scenarioSchema): unknown {
  checkNesting(raw);
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const assignment of overrides) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects path=value, got '${clip(assignment)}'`);
    const path = assignment.slice(0, eq).split('.');
    const text = assignment.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    checkNesting(value, undefined, `--set ${clip(path.join('.'))}`);
    setDotted(root, path, value, assignment, schema);
  }
  return root;
}

/**
 * Keys a dotted path may not name: writing through them would change
 * Object.prototype (or a constructor) for the whole process before the
 * schema could refuse the key.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Refuses a dotted path through `__proto__`, `constructor` or `prototype`; `flag` names the option in the message. */
export function checkDottedPath(path: readonly string[], flag: string): void {
  const bad = path.find((k) => FORBIDDEN_KEYS.has(k));
  if (bad !== undefined) {
    throw new ConfigError(`${flag} '${clip(path.join('.'))}': '${bad}' is not a scenario field (paths may not name __proto__, constructor or prototype)`);
  }
}

export function setDotted(root: Record<string, unknown>, path: readonly string[], value: unknown, label = path.join('.'), schema: z.ZodType = scenarioSchema): void {
  checkDottedPath(path, '--set');
  // A block the scenario leaves out starts from the block's own default, not from nothing (config/blockDefaults.ts).
  const defaults = new BlockDefaults(schema);
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = childAt(node, path, i, label);
    if (next === undefined) (node as Record<string, unknown>)[key] = defaults.defaultFor(node, key) ?? {};
    else if (next === null || typeof next !== 'object') {
      throw new ConfigError(`cannot set '${clip(label)}': '${path.slice(0, i + 1).join('.')}' is not an object`);
    }
    defaults.enter(node, key);
    node = (node as Record<string, unknown>)[key] as Record<string, unknown> | unknown[];
  }
  childAt(node, path, path.length - 1, label);
  (node as Record<string, unknown>)[path[path.length - 1]] = value;
}

/**
 * The value at path[i] under `node`. A list is entered by the index of an
 * entry it holds (`assets.1.depth`); any other key of a list, or an index
 * past its end, is refused with the list's length.
 */
function childAt(node: Record<string, unknown> | unknown[], path: readonly string[], i: number, label: string): unknown {
  const key = path[i];
  if (!Array.isArray(node)) return Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
  const k = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : -1;
  if (k < 0 || k >= node.length) {
    const where = path.slice(0, i).join('.');
    const range = node.length === 0 ? 'it is empty' : `the index runs from 0 to ${node.length - 1}`;
    throw new ConfigError(`cannot set '${clip(label)}': '${where}' is a list of ${node.length} and '${clip(key)}' is not one of its indices (${range})`);
  }
  return node[k];
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

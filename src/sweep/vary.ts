/**
 * `--vary a.b.c=v1,v2,v3`: one axis of a comparison grid.
 *
 * Values are parsed like `--set` values (JSON when the text is JSON, else a
 * string), so `--vary seed=1,2` gives numbers and `--vary dealer.hedge.kind=
 * none,every-bar` strings. Splitting the list:
 *
 * - a comma separates values only at the top level: not inside `[…]` or
 *   `{…}`, and not inside a JSON string `"…"` (where `\"` does not end the
 *   string). So `market.liquidity={"kind":"book"},{"kind":"linear"}` is two
 *   objects and `x=[1,2],[3,4]` two arrays;
 * - each value is trimmed of surrounding white space; to keep spaces, or to
 *   put a comma in a string, write the string as JSON: `name="a, b"`;
 * - brackets and double quotes must balance, and no value may be empty;
 *   otherwise the error names the flag and the offending position.
 *
 * Several `--vary` flags make a grid: the cartesian product in flag order,
 * the first flag varying slowest (like nested loops written in flag order),
 * values in the order given. The order is part of the output: row i of
 * compare.csv is variant i.
 */
import { checkDottedPath, checkNesting } from '../config/load.js';
import { clip, ConfigError } from '../core/errors.js';
import { stableStringify } from '../core/hash.js';

/** Parses one value the way `--set` does: JSON when it is JSON, else the text itself. */
export function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Splits a value list at top-level commas (see the module comment). `label`
 * names the flag in errors.
 */
export function splitTopLevel(text: string, label = '--vary'): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  const stack: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      stack.push(ch);
      depth++;
    } else if (ch === ']' || ch === '}') {
      const open = stack.pop();
      if (open === undefined || (open === '[') !== (ch === ']')) {
        throw new ConfigError(`${label}: unmatched '${ch}' at character ${i + 1} of '${clip(text)}'`);
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      pieces.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inString) throw new ConfigError(`${label}: unterminated string (a '"' without its closing '"') in '${clip(text)}'; write string values with quotes as JSON`);
  if (depth !== 0) throw new ConfigError(`${label}: unclosed '${stack[stack.length - 1]}' in '${clip(text)}'`);
  pieces.push(text.slice(start));
  return pieces;
}

/** One axis of the grid. */
export interface VaryAxis {
  /** Dotted scenario path, as written. */
  readonly path: string;
  readonly segments: readonly string[];
  /** Parsed values, in the order given. */
  readonly values: readonly unknown[];
}

/** Parses `path=v1,v2,…`. */
export function parseVary(spec: string): VaryAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--vary expects path=v1,v2,…, got '${clip(spec)}'`);
  const path = spec.slice(0, eq).trim();
  const segments = path.split('.');
  if (segments.some((s) => s.length === 0 || /\s/.test(s))) {
    throw new ConfigError(`--vary: '${clip(path)}' is not a dotted scenario path (e.g. dealer.hedge.kind)`);
  }
  checkDottedPath(segments, '--vary');
  const label = `--vary ${clip(path)}`;
  const values = splitTopLevel(spec.slice(eq + 1), label).map((piece, i) => {
    const text = piece.trim();
    if (text.length === 0) throw new ConfigError(`${label}: value ${i + 1} is empty`);
    const value = parseOverrideValue(text);
    checkNesting(value, undefined, `${label} value ${i + 1}`);
    return value;
  });
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const key = stableStringify(v);
    const first = seen.get(key);
    if (first !== undefined) throw new ConfigError(`${label}: value ${i + 1} repeats value ${first + 1} (${formatVaryValue(v)})`);
    seen.set(key, i);
  });
  return { path, segments, values };
}

/** Parses every `--vary` flag and checks the axes are distinct and do not overlap. */
export function parseVaryAxes(specs: readonly string[]): VaryAxis[] {
  if (specs.length === 0) throw new ConfigError('compare needs at least one --vary path=v1,v2,…');
  const axes = specs.map(parseVary);
  for (let a = 0; a < axes.length; a++) {
    for (let b = a + 1; b < axes.length; b++) {
      const x = axes[a].path;
      const y = axes[b].path;
      if (x === y || y.startsWith(`${x}.`) || x.startsWith(`${y}.`)) {
        throw new ConfigError(`--vary ${x} and --vary ${y} set the same field; put every value on one axis`);
      }
    }
  }
  return axes;
}

/** One cell of the grid. */
export interface Variant {
  readonly index: number;
  /** One value per axis, in axis order. */
  readonly values: readonly unknown[];
  /** The same as `--set` arguments (path=JSON), to repeat this variant with `cascade run`. */
  readonly sets: readonly string[];
}

/** The cartesian product of the axes, first axis slowest; refuses grids above `maxVariants`. */
export function varyGrid(axes: readonly VaryAxis[], maxVariants = 1000): Variant[] {
  let total = 1;
  for (const a of axes) total *= a.values.length;
  if (total > maxVariants) {
    throw new ConfigError(`the --vary grid has ${total} variants (${axes.map((a) => a.values.length).join(' × ')}); the limit is ${maxVariants}`);
  }
  const out: Variant[] = [];
  const idx = new Array<number>(axes.length).fill(0);
  for (let v = 0; v < total; v++) {
    // Mixed-radix digits of v, last axis fastest.
    let rest = v;
    for (let a = axes.length - 1; a >= 0; a--) {
      idx[a] = rest % axes[a].values.length;
      rest = Math.floor(rest / axes[a].values.length);
    }
    const values = axes.map((a, k) => a.values[idx[k]]);
    out.push({ index: v, values, sets: axes.map((a, k) => `${a.path}=${stableStringify(values[k])}`) });
  }
  return out;
}

/** How a varied value is shown in tables and CSV: strings as they are, everything else as sorted-key JSON. */
export function formatVaryValue(v: unknown): string {
  return typeof v === 'string' ? v : stableStringify(v);
}

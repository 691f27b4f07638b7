/**
 * Which dotted paths a sweep may read as figures (its objective, its
 * constraints, its table's columns): the numeric fields of summary.json as
 * docs/model.md "Summary figures" lists them (SUMMARY_UNITS). Checked when the
 * sweep file is read, so a misspelt figure stops the sweep before its first
 * trial instead of leaving an empty column and "no feasible point" after
 * the last.
 */
import { SUMMARY_UNITS, summaryUnit } from '../report/html/units.js';

/** Units of fields that hold no number a sweep could rank or bound (booleans read as 1 and 0, so they may). */
const NOT_A_NUMBER = new Set(['text', 'list of text', 'hex text', 'version', 'file name', 'ISO-8601 UTC', 'null']);

/** At most this many fields are named in a suggestion. */
const MAX_NAMED = 12;

/** Why `path` cannot be read as a figure, with the fields it may have meant; undefined when it can. */
export function figurePathProblem(path: string): string | undefined {
  if (path === 'band' || path.startsWith('band.')) return `'${path}' is a figure of \`cascade run\`'s band, which a sweep's trials do not compute; sweep the input the band varies instead`;
  const unit = summaryUnit(path);
  if (unit !== undefined) return NOT_A_NUMBER.has(unit) ? `'${path}' is a summary field of unit '${unit}', not a number` : undefined;
  const numeric = Object.keys(SUMMARY_UNITS).filter((k) => !NOT_A_NUMBER.has(SUMMARY_UNITS[k]) && !k.startsWith('band.'));
  const segments = path.split('.');
  // The deepest part of the path that exists: its numeric fields are what was most likely meant.
  for (let n = segments.length - 1; n >= 1; n--) {
    const prefix = `${segments.slice(0, n).join('.')}.`;
    const under = numeric.filter((k) => k.startsWith(prefix));
    if (under.length > 0) return `'${path}' is not a summary figure; under ${prefix.slice(0, -1)}: ${named(likestFirst(under, segments[segments.length - 1]))}`;
  }
  const leaf = segments[segments.length - 1];
  const alike = likestFirst(numeric, leaf).filter((k) => likeness(k, leaf) > 0);
  return `'${path}' is not a summary figure${alike.length > 0 ? `; fields named like it: ${named(alike)}` : ''} (docs/model.md, "Summary figures", lists them)`;
}

/** The words of a camelCase or dotted name, lower case: 'stats.totalReturn' → stats, total, return. */
function words(name: string): string[] {
  return name.split(/[.\s]|(?=[A-Z])/).filter((w) => w !== '').map((w) => w.toLowerCase());
}

/**
 * How alike the key's last segment is to `leaf`: the share of their words
 * (a trailing s dropped) they have in common, 0 to 1; 2 when equal.
 */
function likeness(key: string, leaf: string): number {
  const last = key.slice(key.lastIndexOf('.') + 1);
  if (last.toLowerCase() === leaf.toLowerCase()) return 2;
  const stem = (w: string): string => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w);
  const a = new Set(words(leaf).map(stem));
  const b = new Set(words(last).map(stem));
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Keys in decreasing likeness to `leaf`, stable within a likeness (the docs' order). */
function likestFirst(keys: readonly string[], leaf: string): string[] {
  return keys.map((k, i) => ({ k, i, l: likeness(k, leaf) })).sort((a, b) => b.l - a.l || a.i - b.i).map((x) => x.k);
}

function named(keys: readonly string[]): string {
  const shown = keys.slice(0, MAX_NAMED).join(', ');
  return keys.length > MAX_NAMED ? `${shown} and ${keys.length - MAX_NAMED} more` : shown;
}

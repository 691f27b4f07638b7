/**
 * The "Summary figures" tables of docs/model.md as data: what the docs tests,
 * the report's unit test and scripts/summary-units.ts read, so the table is
 * parsed one way everywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODEL_DOC = join(import.meta.dirname, '../../docs/model.md');

export interface Definition {
  readonly unit: string;
  readonly definition: string;
}

/**
 * Field → unit and definition, from the table rows of the "## Summary
 * figures" section (up to the next level-2 heading). A row's first cell may
 * name several fields in backticks; they share the row's unit.
 */
export function summaryDefinitions(markdown: string = readFileSync(MODEL_DOC, 'utf8')): Map<string, Definition> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## Summary figures');
  if (start < 0) throw new Error('docs/model.md has no "## Summary figures" section');
  const out = new Map<string, Definition>();
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('## '); i++) {
    const line = lines[i].trim();
    if (!line.startsWith('|')) continue;
    // Split on pipes not escaped as \| (used inside definitions for |x|).
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 3 || /^-+$/.test(cells[0].replace(/\s/g, ''))) continue;
    for (const m of cells[0].matchAll(/`([^`]+)`/g)) out.set(m[1], { unit: cells[1], definition: cells.slice(2).join(' | ') });
  }
  return out;
}

/** Field → unit only. */
export function summaryUnits(markdown?: string): Map<string, string> {
  return new Map([...summaryDefinitions(markdown)].map(([k, d]) => [k, d.unit]));
}

/** Flattens nested objects to dotted keys, as docs/model.md writes them (arrays and nulls are leaves). */
export function flatKeys(obj: Record<string, unknown>, prefix = '', out: string[] = []): string[] {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatKeys(v as Record<string, unknown>, key, out);
    else out.push(key);
  }
  return out;
}

// Regenerates SUMMARY_UNITS in src/report/html/units.ts from docs/model.md
// "Summary figures" (the docs are the source; the report ships the table as
// code because docs/ is not read at run time). Run after adding a row:
//   node scripts/summary-units.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const md = readFileSync('docs/model.md', 'utf8').split('\n');
const start = md.findIndex((l) => l.trim() === '## Summary figures');
if (start < 0) throw new Error('docs/model.md has no "## Summary figures" section');
const units = new Map();
for (let i = start + 1; i < md.length && !md[i].startsWith('## '); i++) {
  const line = md[i].trim();
  if (!line.startsWith('|')) continue;
  const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
  if (cells.length < 3 || /^-+$/.test(cells[0].replace(/\s/g, ''))) continue;
  for (const m of cells[0].matchAll(/`([^`]+)`/g)) units.set(m[1], cells[1]);
}
const path = 'src/report/html/units.ts';
const src = readFileSync(path, 'utf8');
const open = 'export const SUMMARY_UNITS: Readonly<Record<string, string>> = {\n';
const a = src.indexOf(open);
const b = src.indexOf('\n};\n', a);
if (a < 0 || b < 0) throw new Error(`${path}: SUMMARY_UNITS literal not found`);
const body = [...units].map(([k, v]) => `  ${JSON.stringify(k).replace(/^"|"$/g, "'")}: ${JSON.stringify(v).replace(/^"|"$/g, "'")},`).join('\n');
writeFileSync(path, `${src.slice(0, a + open.length)}${body}${src.slice(b)}`);
console.log(`${path}: ${units.size} fields`);

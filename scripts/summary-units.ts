// Regenerates SUMMARY_UNITS in src/report/html/units.ts from docs/model.md
// "Summary figures" (the docs are the source; the report ships the table as
// code because docs/ is not read at run time). Run after adding a row:
//   npx tsx scripts/summary-units.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { summaryUnits } from '../test/docs/summaryTable.js';

const units = summaryUnits();
const path = 'src/report/html/units.ts';
const src = readFileSync(path, 'utf8');
const open = 'export const SUMMARY_UNITS: Readonly<Record<string, string>> = {\n';
const a = src.indexOf(open);
const b = src.indexOf('\n};\n', a);
if (a < 0 || b < 0) throw new Error(`${path}: SUMMARY_UNITS literal not found`);
const quote = (t: string): string => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const body = [...units].map(([k, v]) => `  ${quote(k)}: ${quote(v)},`).join('\n');
writeFileSync(path, `${src.slice(0, a + open.length)}${body}${src.slice(b)}`);
console.log(`${path}: ${units.size} fields`);

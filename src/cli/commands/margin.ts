/**
 * `margin compare <scenario>`: a multi-asset scenario run under the
 * isolated and the portfolio margin rule on the same path; prints the
 * comparison table and, with --out, writes margin-compare.csv and .json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { comparisonCsv, comparisonJson, compareMarginFile, formatComparison, MARGIN_RULES } from '../../portfolio/compare.js';
import type { MarginRule } from '../../portfolio/run.js';

export function registerMarginCommands(program: Command): void {
  const margin = program.command('margin').description('multi-asset runs under isolated and portfolio margin');
  margin
    .command('compare <scenario>')
    .description('run a multi-asset scenario under both margin rules on the same path and print the comparison')
    .option('--margin <rule>', 'isolated, portfolio or both', 'both')
    .option('--out <dir>', 'also write margin-compare.csv and margin-compare.json into this folder')
    .action((file: string, opts: { margin: string; out?: string }) => {
      const rules = parseRules(opts.margin);
      const c = compareMarginFile(file, rules);
      process.stdout.write(`${formatComparison(c)}\n`);
      if (opts.out !== undefined) {
        mkdirSync(opts.out, { recursive: true });
        writeFileSync(join(opts.out, 'margin-compare.csv'), comparisonCsv(c));
        writeFileSync(join(opts.out, 'margin-compare.json'), `${JSON.stringify(comparisonJson(c), null, 2)}\n`);
        process.stdout.write(`wrote ${join(opts.out, 'margin-compare.csv')} and margin-compare.json\n`);
      }
    });
}

function parseRules(raw: string): readonly MarginRule[] {
  if (raw === 'both') return MARGIN_RULES;
  if (raw === 'isolated' || raw === 'portfolio') return [raw];
  throw new ConfigError(`expected isolated, portfolio or both, got '${raw}'`, { field: '--margin' });
}

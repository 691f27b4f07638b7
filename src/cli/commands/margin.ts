/**
 * `margin compare <scenario>`: a multi-asset scenario run under the
 * isolated and the portfolio margin rule on the same path; prints the
 * comparison table and, with --out, writes the folder of
 * src/report/writeMargin.ts (the table as CSV and JSON, the bar-by-bar
 * series and margin-compare.html).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { compareMarginFile, formatComparison, MARGIN_RULES } from '../../portfolio/compare.js';
import type { MarginRule } from '../../portfolio/run.js';
import { prepareOutput } from '../../report/outputDir.js';
import { writeMargin } from '../../report/writeMargin.js';
import { collect } from '../collect.js';

interface MarginOptions {
  margin: string;
  out?: string;
  seed?: string;
  set: string[];
}

export function registerMarginCommands(program: Command): void {
  const margin = program.command('margin').description('multi-asset runs under isolated and portfolio margin');
  margin
    .command('compare <scenario>')
    .description('run a multi-asset scenario under both margin rules on the same path and print the comparison')
    .option('--margin <rule>', 'isolated, portfolio or both', 'both')
    .option('--seed <n>', 'master seed (overrides the scenario)')
    .option('--set <path=value>', 'override a scenario field by dotted path (repeatable; a list entry by its index, e.g. assets.1.depth.depth1PctQuote=1e6)', collect, [])
    .option('--out <dir>', 'also write the folder: margin-compare.csv and .json, margin-timeseries.csv (bar by bar) and margin-compare.html')
    .action((file: string, opts: MarginOptions) => {
      const rules = parseRules(opts.margin);
      // The folder is checked (and locked) before the runs, so a bad --out is said at once.
      const out = opts.out === undefined ? undefined : prepareOutput(opts.out, 'margin');
      const c = compareMarginFile(file, rules, { set: opts.set, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
      process.stdout.write(`${formatComparison(c)}\n`);
      if (out !== undefined) {
        writeMargin(out, c);
        process.stdout.write(`wrote ${out.dir}: margin-compare.html, margin-compare.csv, margin-compare.json, margin-timeseries.csv\n`);
      }
    });
}

function parseRules(raw: string): readonly MarginRule[] {
  if (raw === 'both') return MARGIN_RULES;
  if (raw === 'isolated' || raw === 'portfolio') return [raw];
  throw new ConfigError(`expected isolated, portfolio or both, got '${raw}'`, { field: '--margin' });
}

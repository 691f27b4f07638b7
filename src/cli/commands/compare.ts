import type { Command } from 'commander';
import { resolve } from 'node:path';
import { resolveTarget } from '../../config/resolveTarget.js';
import { composeOverrides } from '../../config/compose.js';
import { crashNames } from '../../data/catalog.js';
import { crashScenario } from '../../runner/crashScenario.js';
import { crashDataNotes } from '../../runner/crashWindowNote.js';
import { formatCompareTable, formatSameRuns, runCompare, writeCompare } from '../../sweep/compare.js';
import { parseVaryAxes } from '../../sweep/vary.js';
import { prepareOutput } from '../../report/outputDir.js';
import { STRATEGY_OPTION, withStrategyOption } from '../strategyOption.js';
import { collect } from '../collect.js';

interface CompareOptions {
  data?: string;
  iv?: string;
  seed?: string;
  out?: string;
  set: string[];
  vary: string[];
  figure: string[];
  strategy?: string;
  heatmap?: string;
  quiet?: boolean;
}

/** `cascade compare [scenario] --vary path=v1,v2 …`: every grid cell on the same data and seed. */
export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('run a scenario once per value (or grid cell) of --vary on the same data and seed, and tabulate the results')
    .argument('[scenario]', 'scenario file (.json/.yaml), `default`, or a crash name from `cascade crashes`', 'default')
    .option('--data <file>', 'replay these real bars instead of the scenario data')
    .option('--iv <file>', 'implied-volatility index CSV (timestamp,value in vol points)')
    .option('--seed <n>', 'master seed for every variant (overrides the scenario)')
    .option('--out <dir>', 'write compare.csv and compare.json here (default: <output.dir>/compare-<hash>)')
    .option('--set <path=value>', 'override a scenario field for every variant (repeatable)', collect, [])
    .option(
      '--vary <path=v1,v2,...>',
      'values of one scenario field, parsed like --set; commas inside [...], {...} or "..." do not split (repeatable: several make a grid)',
      collect,
      [],
    )
    .option(...STRATEGY_OPTION)
    .option('--figure <path>', 'one more column: a summary figure by dotted path, e.g. strategy.simulated.stats.sortino (repeatable)', collect, [])
    .option('--heatmap <path>', 'the summary figure that colours the phase diagram of two varied inputs (default: the strategy\'s simulated return with a strategy, else amplification)')
    .option('--quiet', 'print only the output folder')
    .action(async (target: string, opts: CompareOptions) => {
      const axes = parseVaryAxes(opts.vary);
      // A given --out is checked and locked before the variants run (main abandons it on failure).
      const output = opts.out !== undefined ? prepareOutput(opts.out, 'compare') : undefined;
      const resolved = resolveTarget(target, { names: crashNames(), build: crashScenario });
      // --data, --iv and --seed first, then every --set (as for `run`).
      const raw = composeOverrides(withStrategyOption(resolved.raw, opts.strategy), {
        set: [],
        ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
        ...(opts.iv !== undefined ? { iv: resolve(opts.iv) } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      });
      const sets = [...opts.set];
      const result = await runCompare({
        raw,
        ...(resolved.file !== undefined ? { file: resolved.file } : {}),
        baseDir: resolved.baseDir,
        sets,
        axes,
        figures: opts.figure,
        ...(opts.heatmap !== undefined ? { heatmapFigure: opts.heatmap } : {}),
        onVariant: opts.quiet ? undefined : (done, total) => process.stderr.write(`variant ${done}/${total} done\n`),
      });
      const dir = opts.out ?? result.outputDir;
      writeCompare(output ?? dir, result);
      if (opts.quiet) {
        process.stdout.write(`${dir}\n`);
        return;
      }
      const label = result.identity.synthetic ? ' [SYNTHETIC path]' : '';
      process.stdout.write(
        `compare ${result.scenarioName}${label}, seed ${result.seed}, ${result.rows.length} variants on ${result.identity.firstBar} .. ${result.identity.lastBar}\n` +
          crashDataNotes(target, opts.data, Date.parse(result.identity.firstBar), Date.parse(result.identity.lastBar)).map((n) => `${n}\n`).join('') +
          formatCompareTable(result) +
          formatSameRuns(result) +
          `report: ${dir}\n`,
      );
    });
}

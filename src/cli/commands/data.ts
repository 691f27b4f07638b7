import type { Command } from 'commander';
import { loadBars } from '../../data/csv/load.js';
import { describeBars } from '../../data/info.js';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('check and describe bar files');
  data
    .command('validate')
    .description('load a bar file with every check; print what was found or the first problem (file:line: field: reason)')
    .argument('<file>', 'CSV bar file')
    .option('--layout <name>', 'force a layout instead of detecting it')
    .action((file: string, opts: { layout?: string }) => {
      const loaded = loadBars(file, opts.layout !== undefined ? { layout: opts.layout as never } : {});
      const r = loaded.report;
      process.stdout.write(`${JSON.stringify({ file, valid: true, layout: loaded.layout, ...r }, null, 2)}\n`);
    });
  data
    .command('info')
    .description('range, bars, interval, gaps, min/max and max drawdown of a bar file')
    .argument('<file>', 'CSV bar file')
    .option('--layout <name>', 'force a layout instead of detecting it')
    .action((file: string, opts: { layout?: string }) => {
      const loaded = loadBars(file, opts.layout !== undefined ? { layout: opts.layout as never } : {});
      process.stdout.write(`${JSON.stringify({ file, layout: loaded.layout, ...describeBars(loaded.series) }, null, 2)}\n`);
    });
}

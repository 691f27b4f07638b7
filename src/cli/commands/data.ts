import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import type { VolumeUnit } from '../../data/bars.js';
import { LAYOUT_NAMES, isLayoutName } from '../../data/csv/layouts.js';
import { loadBars } from '../../data/csv/load.js';
import type { LoadBarsOptions } from '../../data/csv/loadBars.js';
import { describeBars } from '../../data/info.js';
import { readSyntheticSidecar } from '../../data/syntheticSidecar.js';
import { registerChainCommand } from './dataChain.js';
import { registerFetchCommand } from './dataFetch.js';

interface DataOptions {
  layout?: string;
  volumeUnit?: string;
  closeColumn?: string;
}

function loadOptions(opts: DataOptions): LoadBarsOptions {
  if (opts.layout !== undefined && !isLayoutName(opts.layout)) {
    throw new ConfigError(`unknown layout '${opts.layout}' (${LAYOUT_NAMES.join(', ')})`, { field: '--layout' });
  }
  if (opts.volumeUnit !== undefined && !['base', 'quote', 'none'].includes(opts.volumeUnit)) {
    throw new ConfigError(`unknown volume unit '${opts.volumeUnit}' (base, quote, none)`, { field: '--volume-unit' });
  }
  return {
    ...(opts.layout !== undefined && isLayoutName(opts.layout) ? { layout: opts.layout } : {}),
    ...(opts.volumeUnit !== undefined ? { volumeUnit: opts.volumeUnit as VolumeUnit } : {}),
    ...(opts.closeColumn !== undefined ? { closeColumn: opts.closeColumn } : {}),
  };
}

function withOptions(cmd: Command): Command {
  return cmd
    .argument('<file>', 'CSV bar file')
    .option('--layout <name>', `force a layout instead of detecting it (${LAYOUT_NAMES.join(', ')})`)
    .option('--volume-unit <unit>', 'say what the volume column counts: base, quote (e.g. 2020 Bitstamp CDD files) or none')
    .option('--close-column <name>', 'read this column as the close of a wider file (close-only layout)');
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('check, describe and fetch bar files; check option chains');
  withOptions(data.command('validate').description('load a bar file with every check; print what was found or the first problem (file:line: field: reason)')).action(
    (file: string, opts: DataOptions) => {
      const loaded = loadBars(file, loadOptions(opts));
      const synthetic = readSyntheticSidecar(file) !== null;
      process.stdout.write(`${JSON.stringify({ file, valid: true, synthetic, layout: loaded.layout, ...loaded.report }, null, 2)}\n`);
    },
  );
  withOptions(data.command('info').description('range, bars, interval, gaps, min/max and max drawdown of a bar file')).action(
    (file: string, opts: DataOptions) => {
      const loaded = loadBars(file, loadOptions(opts));
      const sidecar = readSyntheticSidecar(file);
      const series = sidecar ? { ...loaded.series, synthetic: true } : loaded.series;
      process.stdout.write(
        `${JSON.stringify({ file, ...(sidecar?.warning ? { warning: sidecar.warning } : {}), layout: loaded.layout, ...describeBars(series) }, null, 2)}\n`,
      );
    },
  );
  registerFetchCommand(data);
  registerChainCommand(data);
}

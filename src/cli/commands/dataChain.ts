import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { DAYS_PER_YEAR, MS_PER_DAY, MS_PER_MINUTE, TENOR_DAYS_PER_YEAR } from '../../core/time.js';
import { forEachChainSnapshot, readOptionChain } from '../../data/optionChain.js';
import { CHAIN_LAYOUTS, type ChainLayout } from '../../data/optionChainLayouts.js';
import { fitChainSeries } from '../../surface/chainSeries.js';

interface ChainOptions {
  layout: string;
  everyMinutes: string;
  iv: string;
  weights: string;
  dayCount: string;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * `cascade data chain FILE --layout L`: loads an option chain with every
 * check and prints, per snapshot, the SSVI fit a run with `surface.chain`
 * would use (the same defaults), so a chain can be looked at before a run.
 */
export function registerChainCommand(data: Command): void {
  data
    .command('chain')
    .description('check an option-chain file and print the SSVI fit of each snapshot, as surface.chain would use them')
    .argument('<file>', 'option-chain CSV')
    .requiredOption('--layout <name>', `column layout (${CHAIN_LAYOUTS.join(', ')})`)
    .option('--every-minutes <n>', 'snapshot grid, minutes', '60')
    .option('--iv <kind>', 'mark or mid', 'mark')
    .option('--weights <kind>', 'vega, spread or equal', 'vega')
    .option('--day-count <dc>', 'ACT/365.25 or ACT/365 (as dealer.tenorDayCount)', 'ACT/365.25')
    .action((file: string, opts: ChainOptions) => {
      if (!(CHAIN_LAYOUTS as readonly string[]).includes(opts.layout)) throw new ConfigError(`unknown layout '${opts.layout}' (${CHAIN_LAYOUTS.join(', ')})`, { field: '--layout' });
      const every = Number(opts.everyMinutes);
      if (!(every > 0)) throw new ConfigError(`must be a number of minutes > 0, got '${opts.everyMinutes}'`, { field: '--every-minutes' });
      if (opts.iv !== 'mark' && opts.iv !== 'mid') throw new ConfigError(`must be mark or mid, got '${opts.iv}'`, { field: '--iv' });
      if (!['vega', 'spread', 'equal'].includes(opts.weights)) throw new ConfigError(`must be vega, spread or equal, got '${opts.weights}'`, { field: '--weights' });
      if (opts.dayCount !== 'ACT/365.25' && opts.dayCount !== 'ACT/365') throw new ConfigError(`must be ACT/365.25 or ACT/365, got '${opts.dayCount}'`, { field: '--day-count' });
      const layout = opts.layout as ChainLayout;
      let rows = 0;
      const series = fitChainSeries(
        (onSnapshot) => forEachChainSnapshot((onRow) => { rows = readOptionChain(file, layout, onRow); }, every * MS_PER_MINUTE, onSnapshot),
        {
          yearMs: (opts.dayCount === 'ACT/365' ? TENOR_DAYS_PER_YEAR : DAYS_PER_YEAR) * MS_PER_DAY,
          iv: opts.iv,
          weights: opts.weights as 'vega' | 'spread' | 'equal',
          minExpiryMs: MS_PER_DAY,
          maxAgeMs: every * MS_PER_MINUTE,
          file,
        },
      );
      const fits = series.fits.map((f) => ({
        time: new Date(f.timeMs).toISOString(),
        quotes: f.quotes,
        rmseVolPoints: round(f.rmseVolPoints, 4),
        atmVol: round(f.atmVol, 6),
        rho: round(f.surface.params.rho, 6),
        eta: round(f.surface.params.eta, 6),
        gamma: round(f.surface.params.gamma, 6),
      }));
      process.stdout.write(`${JSON.stringify({ file, valid: true, layout, rows, snapshots: fits.length + series.skipped.length, fits, skipped: series.skipped.map((k) => ({ time: new Date(k.timeMs).toISOString(), reason: k.reason })), quotesExcluded: series.excluded }, null, 2)}\n`);
    });
}

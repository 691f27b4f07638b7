import type { Scenario } from '../config/scenario.js';
import { resolveDataPath } from '../config/resolveTarget.js';
import { binPrints, loadLiquidationPrints } from '../data/liquidationPrints.js';
import type { Recorder } from '../sim/recorder.js';

const PRINT_COLUMNS = ['printed_liq_long_quote', 'printed_liq_short_quote', 'printed_liq_count'] as const;

/**
 * The exchange's liquidation prints (`data.liquidationPrints`), binned on the
 * run's bars into columns beside the simulated ones, and their totals as
 * figures. Read after the run: history, not an input of the simulation.
 */
export function recordLiquidationPrints(scenario: Scenario, baseDir: string, rec: Recorder, barTime: Float64Array): Record<string, number> {
  const spec = scenario.data.liquidationPrints;
  if (!spec) return {};
  const prints = loadLiquidationPrints(resolveDataPath(spec.path, baseDir));
  const binned = binPrints(prints, barTime.subarray(0, rec.bars));
  const cols = rec.columns(PRINT_COLUMNS);
  cols.printed_liq_long_quote.set(binned.longQuote);
  cols.printed_liq_short_quote.set(binned.shortQuote);
  cols.printed_liq_count.set(binned.count);
  let longQ = 0;
  let shortQ = 0;
  let count = 0;
  for (let i = 0; i < rec.bars; i++) {
    longQ += binned.longQuote[i];
    shortQ += binned.shortQuote[i];
    count += binned.count[i];
  }
  return {
    printedLiquidationCount: count,
    printedLongLiquidationVolume: longQ,
    printedShortLiquidationVolume: shortQ,
    printedLiquidationsOutsideRun: binned.outside,
  };
}

import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { shortQuote } from '../../core/format.js';
import { scenarioHash, validateScenario } from '../../config/load.js';
import { checkOverridesHeld, composeOverrides } from '../../config/compose.js';
import { resolveTarget } from '../../config/resolveTarget.js';
import { rebasePaths } from '../../config/rebasePaths.js';
import { crashNames } from '../../data/catalog.js';
import { crashScenario } from '../../runner/crashScenario.js';
import { prepareRunData } from '../../runner/prepareData.js';
import { formatPathStanding, pathStanding } from '../../runner/pathStanding.js';
import { crashDataNotes } from '../../runner/crashWindowNote.js';
import { computeBand, type Band } from '../../runner/band.js';
import { IncompleteRunError, runBacktest, type BacktestResult } from '../../runner/backtest.js';
import type { Scenario } from '../../config/scenario.js';
import type { RunFigures } from '../../engine/run.js';
import type { PreparedOutput } from '../../report/outputDir.js';
import type { PreparedData } from '../../runner/prepareData.js';
import { loadScenarioStrategy } from '../../runner/build.js';
import type { StrategyFigures } from '../../strategy/tally.js';
import type { OrdersLog } from '../../strategy/ordersLog.js';
import { STRATEGY_OPTION, withStrategyOption } from '../strategyOption.js';
import { tallyReasons } from '../reasonTally.js';
import type { PerformanceStats } from '../../metrics/performance.js';
import { prepareOutput } from '../../report/outputDir.js';
import { writeRun } from '../../report/writeRun.js';
import { ProgressReporter } from '../progress.js';
import { collect } from '../collect.js';

interface RunOptions {
  data?: string;
  iv?: string;
  liquidations?: string;
  seed?: string;
  out?: string;
  set: string[];
  quiet?: boolean;
  band: boolean;
  gzip?: boolean;
  strategy?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a scenario file, `default`, or a catalog crash name, and write its report folder')
    .argument('<target>', 'scenario file (.json/.yaml), `default`, or a crash name from `cascade crashes`')
    .option('--data <file>', 'replay these real bars instead of the scenario data')
    .option('--iv <file>', 'implied-volatility index CSV (timestamp,value in vol points)')
    .option('--liquidations <file>', 'exchange liquidation prints CSV (time,side,price,size, or Binance liquidationSnapshot) to set against the simulated liquidations')
    .option('--seed <n>', 'master seed (overrides the scenario)')
    .option('--out <dir>', 'write the report here (default: <output.dir>/<name>-<config hash>)')
    .option('--set <path=value>', 'override a scenario field by dotted path (repeatable)', collect, [])
    .option(...STRATEGY_OPTION)
    .option('--gzip', 'write timeseries.csv.gz and trades.csv.gz (gzip) instead of plain CSV: for long runs')
    .option('--no-band', 'skip the band of the result over the unobservable inputs (depth, dealer inventory, resilience, open interest, liquidity withdrawal)')
    .option('--quiet', 'print only the report folder')
    .action(async (target: string, opts: RunOptions) => {
      const started = performance.now();
      const resolved = resolveTarget(target, { names: crashNames(), build: crashScenario });
      const raw = withStrategyOption(resolved.raw, opts.strategy);
      const composed = composeOverrides(raw, {
        set: opts.set,
        ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
        ...(opts.iv !== undefined ? { iv: resolve(opts.iv) } : {}),
        ...(opts.liquidations !== undefined ? { liquidations: resolve(opts.liquidations) } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      });
      const scenario = validateScenario(composed, resolved.file);
      checkOverridesHeld(scenario, opts.set);
      const hash = scenarioHash(scenario);
      const dir = opts.out ?? join(scenario.output.dir, `${scenario.name}-${hash.slice(0, 10)}`);
      // Before the simulation, so a bad --out costs nothing (main abandons it if the run fails).
      const output = prepareOutput(dir, 'run');
      const prepared = prepareRunData(scenario, resolved.baseDir);
      const loaded = performance.now();
      const rssLoaded = peakRssMb();
      const progress = new ProgressReporter(!opts.quiet, prepared.data.bars.length);
      // A --strategy path is made absolute above (relative to the working directory); one in a scenario file is relative to that file.
      const strategy = await loadScenarioStrategy(scenario, resolved.baseDir);
      let result: BacktestResult;
      try {
        result = runBacktest(scenario, prepared.data, resolved.baseDir, { onProgress: progress.update }, strategy ? { strategy } : {});
      } catch (err) {
        progress.stop();
        // The strategy threw: what the run recorded so far is written, marked incomplete, then the error is reported.
        if (err instanceof IncompleteRunError) writeIncomplete(output, scenario, hash, prepared, resolved.baseDir, dir, err, opts.gzip === true);
        throw err;
      }
      progress.stop();
      const simulated = performance.now();
      const rssSimulated = peakRssMb();
      // Inferred mode fits every bar to the history, so the band's reruns would
      // each re-solve every bar (minutes) to show an amplification of about 1.
      const inferred = scenario.history?.mode === 'inferred';
      if (opts.band && inferred && !opts.quiet) process.stdout.write('band: skipped in inferred mode (each of its runs would re-solve every bar)\n');
      if (opts.band && !inferred) {
        // A counter that rewrites itself: only on a terminal (in a log it would run together).
        const bandProgress = opts.quiet || !process.stderr.isTTY ? null : (done: number, total: number): void => void process.stderr.write(`\rband: ${done}/${total} runs`);
        const band = computeBand(scenario, prepared.data, resolved.baseDir, result.figures, bandProgress ?? undefined, strategy ? { strategy } : {});
        if (bandProgress) process.stderr.write('\n');
        Object.assign(result.figures, { band });
      }
      const banded = performance.now();
      const rssBanded = peakRssMb();
      writeRun(output, { scenarioName: scenario.name, configHash: hash, seed: scenario.seed, ...prepared.identity }, rebasePaths(scenario, resolved.baseDir, dir), result, () => {
        const now = performance.now();
        return {
          wallTimeMs: now - started,
          barsPerSecond: prepared.data.bars.length / ((simulated - loaded) / 1000),
          phasesMs: { load: loaded - started, simulate: simulated - loaded, band: banded - simulated, write: now - banded },
          peakRssMbAfter: { load: rssLoaded, simulate: rssSimulated, band: rssBanded, write: peakRssMb() },
        };
      }, { gzip: opts.gzip === true });
      if (opts.quiet) {
        process.stdout.write(`${dir}\n`);
        return;
      }
      const f = result.figures;
      const label = prepared.identity.synthetic ? ' [SYNTHETIC path]' : '';
      const standing = pathStanding(scenario, resolved.baseDir);
      process.stdout.write(
        [
          `scenario ${scenario.name}${label}: ${f.bars} bars ${prepared.identity.firstBar} .. ${prepared.identity.lastBar}`,
          ...(standing ? [formatPathStanding(standing)] : []),
          `depth: ${shortQuote(result.build.depth1PctQuote)} moves the price 1% at the first close (${result.build.depthCalibration}); held in ${scenario.market.depthHeldIn === 'base' ? 'base units: the dollar depth falls with the price' : 'quote: the dollar depth stays, the coins grow as the price falls'}`,
          ...calibrationLine(prepared.identity.calibrationWindow),
          ...crashDataNotes(target, opts.data, prepared.data.bars.time[0], prepared.data.bars.time[prepared.data.bars.length - 1]),
          ...result.build.warnings.map((w) => `WARNING ${w}`),
          `historical max drawdown ${(f.historicalMaxDrawdown * 100).toFixed(2)}%, simulated ${(f.simulatedMaxDrawdown * 100).toFixed(2)}%, ` +
            (f.band ? formatBandLine(f.amplification, f.band as Band) : `amplification ${f.amplification.toFixed(3)}`),
          ...(f.band ? [formatBandRanges(f.band as Band)] : []),
          ...strategyLines(f.strategy as StrategySummary | undefined),
          ...rejectionLines(result.strategyOrders),
          ...(typeof f.liquidationCount === 'number'
            ? [`liquidations ${f.liquidationCount} (${shortQuote(f.liquidationVolume as number)}), insurance fund used ${shortQuote(f.insuranceFundUsed as number)}, bad debt ${shortQuote(f.badDebt as number)}`]
            : []),
          ...(typeof f.bondTriggerBar === 'number'
            ? [
                f.bondTriggerBar >= 0
                  ? `contagion bond paid ${shortQuote(f.bondPayoutQuote as number)} at bar ${f.bondTriggerBar} (index ${(f.bondTriggerIndex as number).toPrecision(4)}), coupon paid ${shortQuote(f.bondCouponPaidQuote as number)}; paradox index ${(f.paradoxIndex as number).toFixed(3)}`
                  : `contagion bond never triggered, coupon paid ${shortQuote(f.bondCouponPaidQuote as number)}; paradox index ${(f.paradoxIndex as number).toFixed(3)}`,
              ]
            : []),
          `report: ${dir}`,
          '',
        ].join('\n'),
      );
    });
}

/**
 * The folder of a run its strategy stopped: summary.json says
 * `incomplete: true` with the error and the bars completed; the CSVs hold
 * the bars before the failing one (trades and orders up to the failure).
 */
function writeIncomplete(
  output: PreparedOutput,
  scenario: Scenario,
  hash: string,
  prepared: PreparedData,
  baseDir: string,
  dir: string,
  err: IncompleteRunError,
  gzip: boolean,
): void {
  const partial = err.partial;
  // No headline figure is written for a run cut short: a drawdown or amplification over part of the bars would read as the run's.
  const figures = { incomplete: true, error: err.message, barsCompleted: err.barsCompleted, bars: partial.recorder.bars } as unknown as RunFigures;
  writeRun(output, { scenarioName: scenario.name, configHash: hash, seed: scenario.seed, ...prepared.identity }, rebasePaths(scenario, baseDir, dir), { ...partial, figures }, { wallTimeMs: 0, barsPerSecond: 0 }, {
    gzip,
    rows: err.barsCompleted,
  });
}

/** A run's raw figures with its performance statistics (src/runner/strategyStats.ts). */
type StrategyRunFigures = StrategyFigures & { stats?: PerformanceStats };

interface StrategySummary {
  id: string;
  simulated: StrategyRunFigures;
  naive: StrategyRunFigures | null;
}

/** The strategy's figures with its naive twin's beside them: the gap is what a standard backtest gets wrong. */
function strategyLines(s: StrategySummary | undefined): string[] {
  if (!s) return [];
  const row = (label: string, pick: (f: StrategyRunFigures) => string): string =>
    `  ${label.padEnd(22)}${pick(s.simulated).padStart(14)}${s.naive ? pick(s.naive).padStart(14) : ''}`;
  const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '-');
  return [
    `strategy ${s.id}: ${' '.repeat(Math.max(0, 13 - s.id.length))}simulated${s.naive ? '         naive' : ''}`,
    row('final equity', (f) => shortQuote(f.finalEquityQuote)),
    row('return', (f) => pct(f.returnFraction)),
    row('fills', (f) => String(f.fills)),
    row('rejected orders', (f) => String(f.rejectedOrders)),
    row('liquidations', (f) => String(f.liquidations)),
    row('execution cost', (f) => shortQuote(f.executionCostQuote)),
    row('buy price over close', (f) => pct(f.buyPremiumOverClose)),
    ...(s.simulated.stats ? statsRows(row) : []),
  ];
}

/** Reasons shown at most under the strategy's table. */
const MAX_REJECTION_REASONS = 3;

/**
 * Why the strategy's orders were refused, each reason once with its count
 * and first bar: a count alone ("rejected orders 1") sends the user to
 * strategy_orders.csv to learn that, say, the scenario has no backstop pool.
 */
export function rejectionLines(log: OrdersLog | undefined): string[] {
  if (log === undefined) return [];
  const rejected: Array<{ key: string; text: string; at: number }> = [];
  for (let k = 0; k < log.length; k++) {
    if (log.status[k] !== 'rejected') continue;
    const text = `${log.kind[k]}: ${log.reason[k]}`;
    rejected.push({ key: text, text, at: log.bar[k] });
  }
  const top = tallyReasons(rejected);
  return [
    ...top.slice(0, MAX_REJECTION_REASONS).map((r) => `  rejected (simulated): ${r.count} × ${r.text} (first at bar ${r.first})`),
    ...(top.length > MAX_REJECTION_REASONS ? [`  rejected (simulated): ${top.length - MAX_REJECTION_REASONS} more reasons in strategy_orders.csv`] : []),
  ];
}

/** The performance statistics, one row each; '-' where a figure is undefined (null). */
function statsRows(row: (label: string, pick: (f: StrategyRunFigures) => string) => string): string[] {
  const st = (pick: (p: PerformanceStats) => number | null, fmt: (x: number) => string) => (f: StrategyRunFigures): string => {
    const x = f.stats ? pick(f.stats) : null;
    return x === null || !Number.isFinite(x) ? '-' : fmt(x);
  };
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const num = (x: number): string => x.toFixed(2);
  return [
    row('ann. volatility', st((p) => p.annualisedVolatility, pct)),
    row('max drawdown', st((p) => p.maxDrawdown, pct)),
    row('  lasting (hours)', st((p) => p.maxDrawdownMs / 3_600_000, (x) => x.toFixed(1))),
    row('Sharpe (annualised)', st((p) => p.sharpe, num)),
    row('Sortino', st((p) => p.sortino, num)),
    row('Calmar', st((p) => p.calmar, num)),
    row('hit rate (round trips)', st((p) => p.hitRate, pct)),
    row('turnover (x equity)', st((p) => p.turnover, num)),
    row('impact paid', st((p) => p.impactPaidQuote, shortQuote)),
    row('average exposure', st((p) => p.averageExposure, num)),
    row('bar VaR 99% (loss)', st((p) => p.barVar99, pct)),
    row('bar ES 99% (loss)', st((p) => p.barEs99, pct)),
  ];
}

/** The warm-up in one line, when there is one or when something about it must be said. */
function calibrationLine(cw: { warmupBars: number; firstBar?: string; hours?: number; note?: string } | undefined): string[] {
  if (!cw || (cw.warmupBars === 0 && !cw.note)) return [];
  const head = cw.warmupBars > 0 ? `calibration: warm-up of ${cw.warmupBars} bars (${(cw.hours ?? 0).toPrecision(3)}h from ${cw.firstBar}), not simulated` : 'calibration: no warm-up';
  return [cw.note ? `${head}; NOTE ${cw.note}` : head];
}

/** The process's peak resident memory so far, MiB (maxRSS is in KiB): after each phase, the peak up to it. */
function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** `amplification 1.35 (band 1.08–2.41; depth moves it most)`. */
function formatBandLine(amplification: number, band: Band): string {
  return `amplification ${amplification.toFixed(3)} (band ${band.amplification.low.toFixed(2)}–${band.amplification.high.toFixed(2)}; ${band.movedMostBy} moves it most)`;
}

/** The band of bad debt and liquidation volume, when the run has a protocol. */
function formatBandRanges(band: Band): string {
  const parts = [`band over ${band.runs} runs (${band.design})`];
  if (band.badDebt) parts.push(`bad debt ${shortQuote(band.badDebt.low)}–${shortQuote(band.badDebt.high)}`);
  if (band.liquidationVolume) parts.push(`liquidation volume ${shortQuote(band.liquidationVolume.low)}–${shortQuote(band.liquidationVolume.high)}`);
  if (band.strategyReturn) parts.push(`strategy return ${(band.strategyReturn.low * 100).toFixed(2)}% to ${(band.strategyReturn.high * 100).toFixed(2)}%`);
  return parts.join('; ');
}

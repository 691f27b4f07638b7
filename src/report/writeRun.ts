import { valuationKernel } from '../dealer/valuation.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '../core/hash.js';
import type { RunResult } from '../engine/run.js';
import type { StressProfiles } from '../runner/stressProfiles.js';
import { prepareOutput, writeWhole, type PreparedOutput } from './outputDir.js';
import { streamToFile, type TextSink } from './csvSink.js';
import { writeTimeseriesCsv, writeTradesCsv } from './timeseriesCsv.js';
import { buildRunReport } from './html/runPage.js';
import { runFolderFromResult } from './html/readRunFolder.js';
import { writeStrategyOrdersCsv } from './strategyOrdersCsv.js';
import { writeAdlEventsCsv } from './adlEventsCsv.js';
import type { AdlEvents } from '../protocol/perp/adl.js';
import type { OrdersLog } from '../strategy/ordersLog.js';

/** What identifies a run: enough to repeat it exactly. */
export interface RunIdentity {
  scenarioName: string;
  configHash: string;
  seed: number;
  dataSource: string;
  dataSha256: string;
  /** True when the bars are generated; every report says so. */
  synthetic: boolean;
  firstBar: string;
  lastBar: string;
}

/** Wall-clock facts of one command, written to timing.json. */
export interface RunTiming {
  /** The whole command, from the start of parsing to the writing of timing.json. */
  readonly wallTimeMs: number;
  readonly barsPerSecond: number;
  /** Where the time went: reading and preparing data, the run, the band runs, writing the folder. */
  readonly phasesMs?: Readonly<Record<string, number>>;
  /** Peak resident memory of the process up to the end of each phase, MiB. */
  readonly peakRssMbAfter?: Readonly<Record<string, number>>;
}

export interface WrittenRun {
  dir: string;
  files: string[];
}

/**
 * Writes a run's folder whole or not at all (outputDir.ts): `out` is the
 * folder, or one prepared before the simulation. Everything here is a pure
 * function of the scenario, seed and data, so two runs give byte-identical
 * files; wall time and host facts go to `timing.json`, the one file that
 * may differ between runs (written last, so `timing` as a function sees the
 * writing of the others). report.html is built last (html/runPage.ts) and
 * shows the wall time from timing.json.
 */
export function writeRun(
  out: string | PreparedOutput,
  identity: RunIdentity,
  resolvedConfig: unknown,
  result: RunResult & { readonly profiles?: StressProfiles; readonly strategyOrders?: OrdersLog; readonly adlEvents?: AdlEvents },
  timing: RunTiming | (() => RunTiming),
  options: { readonly gzip?: boolean; readonly rows?: number } = {},
): WrittenRun {
  const target = typeof out === 'string' ? prepareOutput(out, 'run') : out;
  const summary = {
    cascadeLab: 1,
    ...identity,
    valuationKernel: valuationKernel(),
    dataLabel: identity.synthetic ? 'SYNTHETIC path (generated, not historical data)' : 'historical data',
    wallTimeFile: 'timing.json',
    ...result.figures,
  };
  const summaryText = `${JSON.stringify(summary, finiteOrText, 2)}\n`;
  const configText = `${stableStringify(resolvedConfig, 2)}\n`;
  // What the report draws from inside the run (smile and dealer gamma profile at two bars); no other output holds it.
  const profilesText = result.profiles !== undefined ? `${JSON.stringify(result.profiles, finiteOrText, 2)}\n` : undefined;
  const files: Array<[string, string]> = [
    ['summary.json', summaryText],
    ['config.json', configText],
  ];
  if (profilesText !== undefined) files.push(['profiles.json', profilesText]);
  // The CSVs are streamed a chunk at a time: a run's length is bounded by
  // its arrays, not by the largest string V8 can hold.
  const ext = options.gzip ? '.csv.gz' : '.csv';
  const streamed: Array<[string, (sink: TextSink) => void]> = [
    [`timeseries${ext}`, (sink) => writeTimeseriesCsv(result.recorder, sink, options.rows ?? result.recorder.bars)],
    [`trades${ext}`, (sink) => writeTradesCsv(result.trades, sink, { owners: result.strategyOrders !== undefined })],
  ];
  const orders = result.strategyOrders;
  if (orders) streamed.push([`strategy_orders${ext}`, (sink) => writeStrategyOrdersCsv(orders, sink)]);
  const adl = result.adlEvents;
  if (adl) streamed.push([`adl_events${ext}`, (sink) => writeAdlEventsCsv(adl, sink)]);
  writeWhole(target, (dir) => {
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    for (const [name, write] of streamed) {
      streamToFile(join(dir, name), write, { gzip: options.gzip === true });
      files.push([name, '']);
    }
    const facts = typeof timing === 'function' ? timing() : timing;
    const timingText = `${JSON.stringify({ ...facts, note: 'wall-clock facts; the only output that differs between identical runs' }, null, 2)}\n`;
    writeFileSync(join(dir, 'timing.json'), timingText);
    files.push(['timing.json', '']);
    // From the run's arrays and the texts just written: the same numbers `cascade report`
    // reads back from the files (shortest round-trip decimals), so the same bytes, without
    // reading the CSVs again. A failure here abandons the whole folder.
    const folder = runFolderFromResult(
      { summary: summaryText, config: configText, timing: timingText, ...(profilesText !== undefined ? { profiles: profilesText } : {}) },
      result.recorder,
      result.trades,
      options.rows ?? result.recorder.bars,
    );
    writeFileSync(join(dir, 'report.html'), buildRunReport(folder));
    files.push(['report.html', '']);
  });
  return { dir: target.dir, files: files.map((f) => f[0]) };
}

/**
 * JSON has no Infinity or NaN (JSON.stringify writes null, which a script
 * cannot tell from "missing"): write them as the strings "Infinity",
 * "-Infinity" and "NaN" instead. A branching ratio is Infinity when the
 * book has no depth left near the mid.
 */
export function finiteOrText(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '../core/hash.js';
import type { RunResult } from '../engine/run.js';
import { prepareOutput, type PreparedOutput } from './outputDir.js';
import { FileSink, type TextSink } from './csvSink.js';
import { writeTimeseriesCsv, writeTradesCsv } from './timeseriesCsv.js';
import { writeStrategyOrdersCsv } from './strategyOrdersCsv.js';
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
 * writing of the others).
 */
export function writeRun(
  out: string | PreparedOutput,
  identity: RunIdentity,
  resolvedConfig: unknown,
  result: RunResult & { readonly strategyOrders?: OrdersLog },
  timing: RunTiming | (() => RunTiming),
  options: { readonly gzip?: boolean; readonly rows?: number } = {},
): WrittenRun {
  const target = typeof out === 'string' ? prepareOutput(out, 'run') : out;
  const summary = {
    cascadeLab: 1,
    ...identity,
    dataLabel: identity.synthetic ? 'SYNTHETIC path (generated, not historical data)' : 'historical data',
    wallTimeFile: 'timing.json',
    ...result.figures,
  };
  const files: Array<[string, string]> = [
    ['summary.json', `${JSON.stringify(summary, finiteOrText, 2)}\n`],
    ['config.json', `${stableStringify(resolvedConfig, 2)}\n`],
  ];
  // The CSVs are streamed a chunk at a time: a run's length is bounded by
  // its arrays, not by the largest string V8 can hold.
  const ext = options.gzip ? '.csv.gz' : '.csv';
  const streamed: Array<[string, (sink: TextSink) => void]> = [
    [`timeseries${ext}`, (sink) => writeTimeseriesCsv(result.recorder, sink, options.rows ?? result.recorder.bars)],
    [`trades${ext}`, (sink) => writeTradesCsv(result.trades, sink, { owners: result.strategyOrders !== undefined })],
  ];
  const orders = result.strategyOrders;
  if (orders) streamed.push([`strategy_orders${ext}`, (sink) => writeStrategyOrdersCsv(orders, sink)]);
  try {
    for (const [name, text] of files) writeFileSync(join(target.partial, name), text);
    for (const [name, write] of streamed) {
      const sink = new FileSink(join(target.partial, name), { gzip: options.gzip === true });
      try {
        write(sink);
      } finally {
        sink.close();
      }
      files.push([name, '']);
    }
    const facts = typeof timing === 'function' ? timing() : timing;
    writeFileSync(join(target.partial, 'timing.json'), `${JSON.stringify({ ...facts, note: 'wall-clock facts; the only output that differs between identical runs' }, null, 2)}\n`);
    files.push(['timing.json', '']);
    target.commit();
  } catch (err) {
    target.abandon();
    throw err;
  }
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

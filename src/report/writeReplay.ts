/**
 * Writes the folder of `cascade replay` whole or not at all (outputDir.ts):
 * replay.json (identity, the inference's figures, a row per design),
 * inferred_shocks.csv (per bar: the inferred exogenous return and the
 * endogenous part by cause), replay.csv (per bar: the history, the inferred
 * exogenous path and each design's close) and replay.html.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '../core/hash.js';
import { formatIsoUtc } from '../core/time.js';
import type { ReplayResult } from '../runner/replay.js';
import { keepExtremes } from './html/downsample.js';
import { buildReplayReport, type ReplayDoc } from './html/replayPage.js';
import { prepareOutput, writeWhole, type PreparedOutput } from './outputDir.js';
import { streamToFile, type TextSink } from './csvSink.js';
import { formatNumber } from './timeseriesCsv.js';
import { csvField } from '../core/format.js';

export interface ReplayIdentity {
  readonly scenarioName: string;
  readonly configHash: string;
  readonly seed: number;
  readonly dataSource: string;
  readonly dataSha256: string;
  readonly synthetic: boolean;
  readonly firstBar: string;
  readonly lastBar: string;
}

/** Points per path on the page (each bucket keeps every path's low and high). */
const PATH_POINTS = 4000;

/** The columns of inferred_shocks.csv after `timestamp`, in order (README lists them). */
export const INFERRED_SHOCK_COLUMNS = [
  'historical_close', 'exogenous_reference', 'exogenous_return', 'endogenous_return',
  'endogenous_hedge', 'endogenous_liquidation', 'endogenous_other', 'endogenous_recovery', 'tries', 'flagged', 'gap',
] as const;

/** The document replay.json holds and the page is built from. */
export function replayDoc(identity: ReplayIdentity, r: ReplayResult): ReplayDoc & Record<string, unknown> {
  const s = r.shocks;
  const n = s.time.length;
  const closes = r.rows.map((row) => row.result.columns.loop.simulated_close);
  const idx = keepExtremes([s.historicalClose, s.reference, ...closes], n, Math.max(1, Math.floor(PATH_POINTS / 2 / (closes.length + 2))));
  const at = (v: Float64Array): Array<number | null> => Array.from(idx, (i) => (Number.isFinite(v[i]) ? v[i] : null));
  const t0 = Math.round(s.time[0] / 1000);
  const f = r.inferred.figures;
  return {
    cascadeLab: 1,
    ...identity,
    dataLabel: identity.synthetic ? 'SYNTHETIC path (generated, not historical data)' : 'historical data',
    historical: { low: r.historicalLow, maxDrawdown: r.historicalMaxDrawdown },
    inference: {
      meanTries: f.inferredMeanTries as number,
      barsFlagged: f.inferredBarsFlagged as number,
      maxAbsGap: f.inferredMaxAbsGap as number,
      liquidations: typeof f.liquidationCount === 'number' ? f.liquidationCount : Number.NaN,
      badDebt: typeof f.badDebt === 'number' ? f.badDebt : Number.NaN,
    },
    // NaN (no protocol: no liquidations, no bad debt) is null: absent, not a number.
    designs: r.rows.map((row) => ({ name: row.name, figures: Object.fromEntries(Object.entries(row.figures).map(([k, v]) => [k, Number.isNaN(v) ? null : v])) })),
    paths: {
      firstBarSeconds: t0,
      secondsAfterFirstBar: Array.from(idx, (i) => Math.round(s.time[i] / 1000) - t0),
      historical: at(s.historicalClose),
      exogenous: at(s.reference),
      designs: closes.map(at),
    },
  };
}

/** NaN and infinities as text in JSON (JSON has no such numbers); the page prints them as given. */
function finiteOrText(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function writeShocks(r: ReplayResult, sink: TextSink): void {
  const s = r.shocks;
  const c = s.byCause;
  const cols = [s.historicalClose, s.reference, s.exogenousReturn, s.endogenousReturn, c.hedge, c.liquidation, c.other, c.recovery, s.tries, s.flagged, s.gap];
  sink.write(`timestamp,${INFERRED_SHOCK_COLUMNS.join(',')}\n`);
  for (let i = 0; i < s.time.length; i++) {
    let line = formatIsoUtc(s.time[i]);
    for (const col of cols) line += `,${formatNumber(col[i])}`;
    sink.write(`${line}\n`);
  }
}

function writePaths(r: ReplayResult, sink: TextSink): void {
  const s = r.shocks;
  const closes = r.rows.map((row) => row.result.columns.loop.simulated_close);
  sink.write(`${['timestamp', 'historical_close', 'exogenous_reference', ...r.rows.map((row) => `close:${row.name}`)].map(csvField).join(',')}\n`);
  for (let i = 0; i < s.time.length; i++) {
    let line = `${formatIsoUtc(s.time[i])},${formatNumber(s.historicalClose[i])},${formatNumber(s.reference[i])}`;
    for (const c of closes) line += `,${formatNumber(c[i])}`;
    sink.write(`${line}\n`);
  }
}

/** Writes the replay folder; `configs` are the resolved scenarios (the inferring one first, then each design's). */
export function writeReplay(out: string | PreparedOutput, identity: ReplayIdentity, r: ReplayResult, configs: Record<string, unknown>): void {
  const target = typeof out === 'string' ? prepareOutput(out, 'replay') : out;
  writeWhole(target, (dir) => {
    const doc = replayDoc(identity, r);
    writeFileSync(join(dir, 'replay.json'), `${JSON.stringify(doc, finiteOrText, 2)}\n`);
    writeFileSync(join(dir, 'configs.json'), `${stableStringify(configs, 2)}\n`);
    for (const [name, write] of [['inferred_shocks.csv', writeShocks], ['replay.csv', writePaths]] as const) {
      streamToFile(join(dir, name), (sink) => write(r, sink));
    }
    writeFileSync(join(dir, 'replay.html'), buildReplayReport(doc));
  });
}

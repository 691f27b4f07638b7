import { readFileSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { formatIsoUtc } from '../core/time.js';
import type { BarSeries } from '../data/bars.js';
import { loadBars } from '../data/csv/load.js';

/** One asset's bars as loaded, with what is needed to point at a row of its file. */
export interface AssetBars {
  readonly series: BarSeries;
  readonly file: string;
  readonly sha256: string;
  /** 1-based physical line of bar i in the file. */
  lineOf(i: number): number;
}

/**
 * Loads a bar file and keeps the map from bar index to file line, so an
 * alignment error can name the row. The loader may reverse newest-first
 * files; lines before the first data row (preamble, header) are counted
 * from the file itself.
 */
export function loadAssetBars(file: string, volumeUnit?: 'base' | 'quote'): AssetBars {
  const loaded = loadBars(file, volumeUnit === undefined ? {} : { volumeUnit });
  const rows = loaded.report.rows;
  const text = readFileSync(file, 'utf8');
  let physical = text.split(/\r?\n/).length;
  if (text.endsWith('\n')) physical--;
  const before = physical - rows;
  const reversed = loaded.report.sortedFromNewestFirst;
  return {
    series: loaded.series,
    file,
    sha256: loaded.sha256,
    lineOf: (i) => (reversed ? before + (rows - i) : before + i + 1),
  };
}

/**
 * The assets' bars step in lockstep: bar i of every asset must start at the
 * same time. A bar present in one file and missing from another is an
 * error naming both rows; no bar is dropped or filled, because a silently
 * shifted bar would pair one asset's crash hour with another's calm one.
 * Returns the common index range [from, to) of the run in every series.
 */
export function alignAssets(assets: readonly AssetBars[], startMs: number, endMs: number): { from: number[]; to: number[] } {
  const from: number[] = [];
  const to: number[] = [];
  for (const a of assets) {
    const t = a.series.time;
    let lo = 0;
    while (lo < t.length && t[lo] < startMs) lo++;
    let hi = lo;
    while (hi < t.length && t[hi] < endMs) hi++;
    if (hi <= lo) throw new DataError(`no bars between ${formatIsoUtc(startMs)} and ${Number.isFinite(endMs) ? formatIsoUtc(endMs) : 'the end'}`, { file: a.file });
    from.push(lo);
    to.push(hi);
  }
  const ref = assets[0];
  for (let k = 1; k < assets.length; k++) {
    const a = assets[k];
    const n = Math.min(to[0] - from[0], to[k] - from[k]);
    for (let j = 0; j < n; j++) {
      const t0 = ref.series.time[from[0] + j];
      const tk = a.series.time[from[k] + j];
      if (t0 !== tk) {
        // The earlier of the two bars is the one with no partner in the other file.
        const [lone, loneIdx, other, otherIdx] = t0 < tk ? [ref, from[0] + j, a, from[k] + j] : [a, from[k] + j, ref, from[0] + j];
        throw misaligned(lone, loneIdx, other, otherIdx);
      }
    }
    if (to[0] - from[0] !== to[k] - from[k]) {
      const [long, longFrom, short] = to[0] - from[0] > to[k] - from[k] ? [ref, from[0], a] : [a, from[k], ref];
      const idx = longFrom + n;
      throw new DataError(
        `bar ${formatIsoUtc(long.series.time[idx])} has no bar at the same time in ${short.file} (it ends earlier); assets step in lockstep, so every file must cover the run bar for bar`,
        { file: long.file, line: long.lineOf(idx), field: 'timestamp' },
      );
    }
  }
  return { from, to };
}

function misaligned(lone: AssetBars, loneIdx: number, other: AssetBars, otherIdx: number): DataError {
  return new DataError(
    `bar ${formatIsoUtc(lone.series.time[loneIdx])} has no bar at the same time in ${other.file} (its bar in that place is ${formatIsoUtc(other.series.time[otherIdx])}, line ${other.lineOf(otherIdx)}); assets step in lockstep, so bars must match one for one`,
    { file: lone.file, line: lone.lineOf(loneIdx), field: 'timestamp' },
  );
}

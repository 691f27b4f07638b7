/**
 * An SSVI surface per option-chain snapshot, and which one is in force at
 * each bar (docs/data.md#option-chains).
 *
 * Each snapshot (the chain as known at a grid time G, optionChain.ts) is
 * fitted with calibrateSsvi: out-of-the-money options only (puts at or
 * below the forward, calls at or above: in-the-money quotes carry the same
 * information through parity and are the noisier side), each expiry at one
 * forward (that of its most recently updated option), the time to expiry
 * counted from G, and quotes older than a set age left out (a strike the
 * venue stopped quoting must not pin today's smile). The surface in force at a bar is the last fit whose
 * snapshot time is at or before the bar's time, so no quote from after a
 * bar can reach it.
 */
import { CascadeError } from '../core/errors.js';
import type { ChainRow } from '../data/optionChain.js';
import { black76 } from '../pricing/blackScholes.js';
import { calibrateSsvi } from './calibrate.js';
import type { ChainQuote } from './chain.js';
import type { SsviSurfaceConfig } from './surface.js';

export interface ChainFitOptions {
  /** The year times to expiry are counted in, ms (the dealer's day count). */
  readonly yearMs: number;
  /** Quote to fit: the venue's mark IV, or the mid of bid and ask IV (then both sides are needed). */
  readonly iv: 'mark' | 'mid';
  /** vega: Black vega at the quoted vol (a vol error costs what it costs in price); spread: 1/(ask IV − bid IV)²; equal. */
  readonly weights: 'vega' | 'spread' | 'equal';
  /** Options closer to expiry than this are left out (their vols are mostly noise), ms. */
  readonly minExpiryMs: number;
  /** Quotes last updated longer than this before the snapshot are left out as stale, ms. */
  readonly maxAgeMs: number;
  /** Chain file, for messages. */
  readonly file: string;
}

/** Why quotes of a snapshot were not fitted, counted. */
export interface ExcludedQuotes {
  /** Last updated more than maxAgeMs before the snapshot (a strike no longer quoted). */
  stale: number;
  inTheMoney: number;
  nearExpiry: number;
  /** No quote of the kind asked for (mark IV, or both sides for 'mid' and 'spread'), or a crossed bid/ask. */
  noQuote: number;
}

export interface SnapshotFit {
  readonly timeMs: number;
  readonly surface: SsviSurfaceConfig;
  /** The ATM level handed to the term structure (the fitted vol at the first expiry). */
  readonly atmVol: number;
  readonly rmseVolPoints: number;
  readonly quotes: number;
}

/** The options of one snapshot that are fitted, as calibration quotes; what is left out is counted in `excluded`. */
export function snapshotQuotes(timeMs: number, rows: readonly ChainRow[], opts: ChainFitOptions, excluded: ExcludedQuotes): ChainQuote[] {
  // One forward per expiry: the venue's figure from that expiry's latest row.
  const fwd = new Map<number, { t: number; f: number }>();
  const fresh = rows.filter((r) => timeMs - r.timeMs <= opts.maxAgeMs);
  excluded.stale += rows.length - fresh.length;
  for (const r of fresh) {
    const cur = fwd.get(r.expiryMs);
    if (cur === undefined || r.timeMs > cur.t) fwd.set(r.expiryMs, { t: r.timeMs, f: r.forward });
  }
  const quotes: ChainQuote[] = [];
  let maxW = 0;
  for (const r of fresh) {
    const forward = (fwd.get(r.expiryMs) as { f: number }).f;
    if ((r.kind === -1 && r.strike > forward) || (r.kind === 1 && r.strike < forward)) {
      excluded.inTheMoney++;
      continue;
    }
    if (r.expiryMs - timeMs < opts.minExpiryMs) {
      excluded.nearExpiry++;
      continue;
    }
    const twoSided = r.bidIv > 0 && r.askIv >= r.bidIv;
    const iv = opts.iv === 'mark' ? r.markIv : twoSided ? 0.5 * (r.bidIv + r.askIv) : NaN;
    if (!(iv > 0) || (opts.weights === 'spread' && !(twoSided && r.askIv > r.bidIv))) {
      excluded.noQuote++;
      continue;
    }
    const years = (r.expiryMs - timeMs) / opts.yearMs;
    const w =
      opts.weights === 'equal' ? 1
      : opts.weights === 'spread' ? 1 / ((r.askIv - r.bidIv) * (r.askIv - r.bidIv))
      : black76(r.kind === 1 ? 'call' : 'put', forward, r.strike, years, iv).vega;
    maxW = Math.max(maxW, w);
    quotes.push({ years, strike: r.strike, forward, iv, weight: w });
  }
  // Scaled to a largest weight of 1: the fit is unchanged, the residual sums stay of order one.
  return maxW > 0 ? quotes.map((q) => ({ ...q, weight: (q.weight as number) / maxW })) : quotes;
}

/**
 * Fits one snapshot. Returns a reason instead of a fit when the snapshot
 * cannot determine the surface: fewer quotes than unknowns plus one, or a
 * fit the calibration refuses (its located reason).
 */
export function fitSnapshot(timeMs: number, rows: readonly ChainRow[], opts: ChainFitOptions, excluded: ExcludedQuotes): SnapshotFit | { timeMs: number; reason: string } {
  const quotes = snapshotQuotes(timeMs, rows, opts, excluded);
  const expiries = new Set(quotes.map((q) => q.years)).size;
  const unknowns = 3 + expiries;
  if (quotes.length <= unknowns) {
    return { timeMs, reason: `${quotes.length} usable quotes over ${expiries} expiries, need more than ${unknowns} (3 shape parameters and one ATM level per expiry)` };
  }
  try {
    const fit = calibrateSsvi(quotes, { file: `${opts.file} @ ${new Date(timeMs).toISOString()}` });
    return { timeMs, surface: fit.surfaceConfig, atmVol: fit.surfaceConfig.atmVol, rmseVolPoints: fit.rmseVolPoints, quotes: quotes.length };
  } catch (err) {
    if (err instanceof CascadeError) return { timeMs, reason: err.message };
    throw err;
  }
}

/** The fits in snapshot order, and what was left out. */
export interface ChainSurfaceSeries {
  readonly fits: readonly SnapshotFit[];
  /** Snapshot times of the fits, ascending (for surfaceInForce). */
  readonly timesMs: Float64Array;
  readonly skipped: readonly { timeMs: number; reason: string }[];
  readonly excluded: ExcludedQuotes;
}

/** Fits every snapshot a reader produces (e.g. forEachChainSnapshot over a file). */
export function fitChainSeries(
  snapshots: (onSnapshot: (timeMs: number, rows: readonly ChainRow[]) => void) => void,
  opts: ChainFitOptions,
): ChainSurfaceSeries {
  const fits: SnapshotFit[] = [];
  const skipped: { timeMs: number; reason: string }[] = [];
  const excluded: ExcludedQuotes = { stale: 0, inTheMoney: 0, nearExpiry: 0, noQuote: 0 };
  snapshots((timeMs, rows) => {
    const r = fitSnapshot(timeMs, rows, opts, excluded);
    if ('surface' in r) fits.push(r);
    else skipped.push(r);
  });
  return { fits, timesMs: Float64Array.from(fits, (f) => f.timeMs), skipped, excluded };
}

/**
 * For each bar time, the index of the last fit with snapshot time at or
 * before it (−1 before the first): both series ascending, one pass.
 */
export function surfaceInForce(snapshotTimesMs: Float64Array, barTimesMs: ArrayLike<number>): Int32Array {
  const out = new Int32Array(barTimesMs.length);
  let k = -1;
  for (let i = 0; i < barTimesMs.length; i++) {
    while (k + 1 < snapshotTimesMs.length && snapshotTimesMs[k + 1] <= barTimesMs[i]) k++;
    out[i] = k;
  }
  return out;
}

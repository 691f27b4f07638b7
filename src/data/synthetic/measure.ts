/**
 * The statistics a crash is summarised by, measured the same way on real
 * files (scripts/measure-crashes.ts) and on generated paths (calibration
 * and tests), so "the generator reproduces the crash" compares like with like.
 *
 * Peak-to-trough uses the bars' extremes: for each bar j the running peak is
 * the highest high of the bars before j, or j's own open (a bar's own high
 * may come after its low, so it cannot count as the peak of its own low).
 * Volatility is realised volatility, the root mean square of close-to-close
 * log returns (zero-mean convention: in a crash the mean return is itself
 * the move, and a standard deviation would hide it).
 */
import { MS_PER_HOUR } from '../../core/time.js';

export interface BarArrays {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

export interface CrashStats {
  /** Bar index and start time (epoch ms) of the bar holding the peak. */
  readonly peakIndex: number;
  readonly peakTimeMs: number;
  readonly peakPrice: number;
  readonly troughIndex: number;
  readonly troughTimeMs: number;
  readonly troughPrice: number;
  /** 1 − trough/peak. */
  readonly drawdown: number;
  /** Trough bar start minus peak bar start, hours. */
  readonly peakToTroughHours: number;
  /** RMS log return per bar over bars up to and including the peak bar (NaN if fewer than 2 returns). */
  readonly preCrashVolPerBar: number;
  readonly preCrashReturns: number;
  /** RMS log return per bar from the bar after the peak to the trough bar (NaN if none). */
  readonly crashVolPerBar: number;
  readonly crashReturns: number;
  /** Worst close-to-close simple return in the series. */
  readonly worstBarReturn: number;
  readonly worstBarTimeMs: number;
  /** Fraction of the peak-to-trough log drop regained by the last close. */
  readonly recoveredFractionAtEnd: number;
  /** Hours from the lowest close after the peak until a close first regains half of the log distance to the last close (NaN if none). */
  readonly hoursToHalfRecovery: number;
  /** RMS log return per bar over every bar outside the peak-to-trough stretch (before and after it). */
  readonly outsideCrashVolPerBar: number;
  readonly outsideCrashReturns: number;
}

export function measureCrash(b: BarArrays): CrashStats {
  const n = b.length;
  if (n < 3) throw new RangeError(`need at least 3 bars to measure a crash, got ${n}`);
  let best = -1;
  let bestPeakIdx = 0;
  let bestTroughIdx = 0;
  let bestPeak = Number.NaN;
  let peak = -Infinity;
  let peakIdx = 0;
  for (let j = 0; j < n; j++) {
    let p = peak;
    let pi = peakIdx;
    if (b.open[j] > p) {
      p = b.open[j];
      pi = j;
    }
    const dd = 1 - b.low[j] / p;
    if (dd > best) {
      best = dd;
      bestPeakIdx = pi;
      bestTroughIdx = j;
      bestPeak = p;
    }
    if (b.high[j] > peak) {
      peak = b.high[j];
      peakIdx = j;
    }
  }
  const peakPrice = bestPeak;
  const troughPrice = b.low[bestTroughIdx];

  const pre = rmsLogReturn(b.close, 1, bestPeakIdx);
  const crash = rmsLogReturn(b.close, bestPeakIdx + 1, bestTroughIdx);
  let worst = Infinity;
  let worstT = Number.NaN;
  for (let i = 1; i < n; i++) {
    const r = b.close[i] / b.close[i - 1] - 1;
    if (r < worst) {
      worst = r;
      worstT = b.time[i];
    }
  }
  const drop = Math.log(peakPrice / troughPrice);
  const recovered = drop > 0 ? Math.log(b.close[n - 1] / troughPrice) / drop : Number.NaN;
  // Half-recovery is timed on closes from the lowest close: a crash bar's wick often rebounds
  // within the bar, and timing from the wick would read as an instant recovery.
  let minClose = Infinity;
  let minCloseIdx = bestTroughIdx;
  for (let i = bestPeakIdx; i < n; i++) {
    if (b.close[i] < minClose) {
      minClose = b.close[i];
      minCloseIdx = i;
    }
  }
  const regainedFromClose = Math.log(b.close[n - 1] / minClose);
  let halfHours = Number.NaN;
  if (regainedFromClose > 0) {
    const level = minClose * Math.exp(0.5 * regainedFromClose);
    for (let i = minCloseIdx; i < n; i++) {
      if (b.close[i] >= level) {
        halfHours = (b.time[i] - b.time[minCloseIdx]) / MS_PER_HOUR;
        break;
      }
    }
  }
  const before = sumSqLogReturn(b.close, 1, bestPeakIdx);
  const after = sumSqLogReturn(b.close, bestTroughIdx + 1, n - 1);
  const outsideCount = before.returns + after.returns;
  return {
    peakIndex: bestPeakIdx,
    peakTimeMs: b.time[bestPeakIdx],
    peakPrice,
    troughIndex: bestTroughIdx,
    troughTimeMs: b.time[bestTroughIdx],
    troughPrice,
    drawdown: 1 - troughPrice / peakPrice,
    peakToTroughHours: (b.time[bestTroughIdx] - b.time[bestPeakIdx]) / MS_PER_HOUR,
    preCrashVolPerBar: pre.returns >= 2 ? pre.rms : Number.NaN,
    preCrashReturns: pre.returns,
    crashVolPerBar: crash.returns >= 1 ? crash.rms : Number.NaN,
    crashReturns: crash.returns,
    worstBarReturn: worst,
    worstBarTimeMs: worstT,
    recoveredFractionAtEnd: recovered,
    hoursToHalfRecovery: halfHours,
    outsideCrashVolPerBar: outsideCount >= 2 ? Math.sqrt((before.sum + after.sum) / outsideCount) : Number.NaN,
    outsideCrashReturns: outsideCount,
  };
}

/** RMS of ln(c[i]/c[i−1]) for i in [from, to]. */
function rmsLogReturn(c: Float64Array, from: number, to: number): { rms: number; returns: number } {
  const { sum, returns } = sumSqLogReturn(c, from, to);
  return { rms: returns > 0 ? Math.sqrt(sum / returns) : Number.NaN, returns };
}

function sumSqLogReturn(c: Float64Array, from: number, to: number): { sum: number; returns: number } {
  let s = 0;
  let k = 0;
  for (let i = Math.max(1, from); i <= to; i++) {
    const r = Math.log(c[i] / c[i - 1]);
    s += r * r;
    k++;
  }
  return { sum: s, returns: k };
}

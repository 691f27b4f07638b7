/**
 * Missing-bar detection. Gaps are reported, never filled: a filled bar would
 * be invented history, and a real gap (exchange halt, weekend) matters to a
 * replay.
 */
export interface GapReport {
  /** Number of spacings wider than GAP_FACTOR x the median interval. */
  readonly count: number;
  /** Widest spacing between consecutive bar starts, ms (0 when there is no gap). */
  readonly largestMs: number;
  /** Start of the bar BEFORE the widest gap (epoch ms); the next bar starts at largestAt + largestMs. NaN when there is no gap. */
  readonly largestAt: number;
}

/** A spacing above 1.5x the median is a gap: tolerant of jitter, catches one missing bar (2x). */
export const GAP_FACTOR = 1.5;

export function findGaps(time: Float64Array, intervalMs: number): GapReport {
  let count = 0;
  let largestMs = 0;
  let largestAt = Number.NaN;
  if (!(intervalMs > 0)) return { count, largestMs, largestAt };
  const limit = GAP_FACTOR * intervalMs;
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    if (d > limit) {
      count++;
      if (d > largestMs) {
        largestMs = d;
        largestAt = time[i - 1];
      }
    }
  }
  return { count, largestMs, largestAt };
}

/**
 * Volume model. Volume and absolute returns are both driven by the rate of
 * information arrival (the mixture-of-distributions hypothesis: Clark 1973;
 * Tauchen & Pitts 1983), so a bar's volume is taken proportional to its
 * sub-path's total variation Σ|Δ ln S|, measured against what a calm bar
 * would show, times a mean-one log-normal noise:
 *
 *   V = baseVolumePerHour · barHours · (TV / E[TV_calm]) · exp(s·z − s²/2)
 *
 * A jump or a high-vol stretch raises TV, so crashes get volume spikes
 * without a separate rule; a calm bar averages baseVolumePerHour per hour.
 */
import { lognormalLogMeanAt } from '../../core/distributions.js';
import { z } from 'zod';
import type { Rng } from '../../core/rng.js';

export const VolumeParamsSchema = z.strictObject({
  /** Mean volume per hour in calm conditions, base-asset units. */
  baseVolumePerHour: z.number().nonnegative().default(1000),
  /** Std of the log-normal volume noise (0 = volume is a deterministic function of the path). */
  volumeNoiseLogStd: z.number().nonnegative().default(0.3),
});
export type VolumeParams = z.output<typeof VolumeParamsSchema>;

/** E[Σ|ΔX|] over `steps` Gaussian steps of vol σ·√dt: each |N(0,v)| has mean √(2v/π). */
export function expectedCalmVariation(volPerYear: number, dtYears: number, steps: number): number {
  return steps * volPerYear * Math.sqrt(dtYears) * Math.sqrt(2 / Math.PI);
}

export function barVolume(p: VolumeParams, barHours: number, variation: number, calmVariation: number, rng: Rng): number {
  // Always draw, even when the noise is off, so the stream position does not depend on parameters.
  const z = rng.normal();
  if (p.baseVolumePerHour === 0 || calmVariation <= 0) return 0;
  const s = p.volumeNoiseLogStd;
  // Mean-one log-normal noise: log-mean −s²/2 (the same bits as exp(s·z − s²/2)).
  return p.baseVolumePerHour * barHours * (variation / calmVariation) * lognormalLogMeanAt(-0.5 * s * s, s, z);
}

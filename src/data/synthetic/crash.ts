/**
 * Stylized crash: a calm GBM regime, then from the onset a crash regime in
 * which downward jumps arrive as a self-exciting Hawkes process (each jump
 * makes the next more likely: the cascade), every jump kicks the diffusive
 * volatility up and the kick decays back (volatility clustering), and after
 * the regime ends the log-price is pulled part of the way back toward its
 * pre-crash level (partial recovery, an Ornstein–Uhlenbeck drift).
 *
 *   σ(t)  = σ_calm · (1 + v(t)),  v jumps by volKickPerJump per jump, decays with volHalfLifeHours
 *   dX    = (μ_calm − σ(t)²/2) dt + σ(t) dW + J dN_Hawkes + κ (X* − X) dt · 1{t ≥ t_end}
 *   X*    = X(t_end) + recoveryFraction · (X(t_onset) − X(t_end)),  κ = ln2 / recoveryHalfLifeHours
 *
 * Hawkes baseline μ (jumpIntensityPerDay) is on only inside the regime;
 * children of late jumps may still land after it, as in real aftershocks.
 */
import { normalAt } from '../../core/distributions.js';
import { z } from 'zod';
import { SeedTree } from '../../core/rng.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_YEAR } from '../../core/time.js';
import { simulateHawkesExp } from './hawkes.js';
import { JumpLog, parseGrid, parseOrThrow, simulateBars, type GridInput, type SubStepModel, type SyntheticPath } from './path.js';
import { VolumeParamsSchema } from './volume.js';

export const CrashParamsSchema = z.strictObject({
  /** Price at the first bar's open, quote currency. */
  startPrice: z.number().positive(),
  /** Diffusive volatility per year in the calm regime (and the floor the kicks decay back to). */
  volPerYearCalm: z.number().positive(),
  /** Arithmetic drift per year outside the recovery phase. */
  driftPerYearCalm: z.number().default(0),
  /** Crash onset, hours after the first bar's start. */
  crashOnsetHours: z.number().nonnegative(),
  /** Length of the crash regime (Hawkes baseline on), hours. */
  crashRegimeHours: z.number().positive(),
  /** Hawkes baseline (immigrant) jump rate during the regime, jumps per day. */
  jumpIntensityPerDay: z.number().nonnegative(),
  /** Hawkes branching ratio n = α/β: expected direct children per jump; < 1 keeps clusters finite. */
  excitationBranchingRatio: z.number().min(0).max(0.95),
  /** Half-life of the excitation a jump adds to the intensity, hours. */
  excitationHalfLifeHours: z.number().positive(),
  /** Mean log-size of a jump (negative: downward). */
  jumpLogSizeMean: z.number().max(0),
  /** Std of a jump's log-size. */
  jumpLogSizeStd: z.number().nonnegative(),
  /** Relative rise of diffusive vol per jump (0.5 = σ rises by 50% of σ_calm). */
  volKickPerJump: z.number().nonnegative(),
  /** Half-life of the vol excess, hours. */
  volHalfLifeHours: z.number().positive(),
  /** Fraction of the regime's log-drop recovered in the long run, 0..1. */
  recoveryFraction: z.number().min(0).max(1),
  /** Half-life of the pull toward the recovery target, hours. */
  recoveryHalfLifeHours: z.number().positive(),
  volume: VolumeParamsSchema.default({ baseVolumePerHour: 1000, volumeNoiseLogStd: 0.3 }),
});
export type CrashParamsInput = z.input<typeof CrashParamsSchema>;
export type CrashParams = z.output<typeof CrashParamsSchema>;

export function parseCrashParams(input: unknown): CrashParams {
  return parseOrThrow(CrashParamsSchema, input, 'crash');
}

export function generateCrash(paramsIn: CrashParamsInput, gridIn: GridInput, seed: number): SyntheticPath {
  const p = parseCrashParams(paramsIn);
  const grid = parseGrid(gridIn);
  const tree = new SeedTree(seed);
  const diffusion = tree.rng('diffusion');
  const sizes = tree.rng('jump-sizes');

  const onsetMs = grid.startMs + p.crashOnsetHours * MS_PER_HOUR;
  const regimeEndMs = onsetMs + p.crashRegimeHours * MS_PER_HOUR;
  const endMs = grid.startMs + grid.bars * grid.barMinutes * MS_PER_MINUTE;
  const horizonDays = Math.max(0, (endMs - onsetMs) / MS_PER_DAY);
  const eventDays = simulateHawkesExp(
    {
      baselineRate: p.jumpIntensityPerDay,
      branchingRatio: p.excitationBranchingRatio,
      decayRate: (Math.LN2 * 24) / p.excitationHalfLifeHours,
    },
    horizonDays,
    tree.rng('jump-arrivals'),
    p.crashRegimeHours / 24,
  );

  const volDecayPerHour = Math.LN2 / p.volHalfLifeHours;
  const kappaPerYear = (Math.LN2 / p.recoveryHalfLifeHours) * (MS_PER_YEAR / MS_PER_HOUR);
  const log = new JumpLog();
  let next = 0; // index of the first event not yet applied
  let volExcess = 0;
  let xOnset = Number.NaN;
  let target = Number.NaN;

  const model: SubStepModel = {
    referenceVolPerYear: p.volPerYearCalm,
    step(x, tMs, dt, dtMs) {
      if (Number.isNaN(xOnset) && tMs >= onsetMs) xOnset = x;
      if (Number.isNaN(target) && tMs >= regimeEndMs) {
        // If the grid starts after the onset, the start is the best pre-crash level we have.
        const pre = Number.isNaN(xOnset) ? x : xOnset;
        target = x + p.recoveryFraction * (pre - x);
      }
      volExcess *= Math.exp(-volDecayPerHour * (dtMs / MS_PER_HOUR));
      const sigma = p.volPerYearCalm * (1 + volExcess);
      let y = x + (p.driftPerYearCalm - 0.5 * sigma * sigma) * dt + sigma * Math.sqrt(dt) * diffusion.normal();
      // Exact OU decay of the gap rather than κ·dt, which would overshoot on coarse sub-steps.
      if (!Number.isNaN(target)) y += (target - x) * (1 - Math.exp(-kappaPerYear * dt));
      const tEnd = tMs + dtMs;
      while (next < eventDays.length && onsetMs + eventDays[next] * MS_PER_DAY < tEnd) {
        const size = normalAt(p.jumpLogSizeMean, p.jumpLogSizeStd, sizes.normal());
        y += size;
        volExcess += p.volKickPerJump;
        log.push(onsetMs + eventDays[next] * MS_PER_DAY, size);
        next++;
      }
      return y;
    },
  };
  const series = simulateBars(grid, p.startPrice, model, p.volume, tree.rng('volume'), { generator: 'crash' });
  return { series, jumps: log.freeze() };
}

/**
 * Merton (1976) jump diffusion: between jumps GBM; jumps arrive as a Poisson
 * process of rate λ with log-size N(m, s²). The diffusive drift is
 * compensated, X += (μ − σ²/2 − λκ)·dt + σ√dt·Z + Σ J, with κ = e^{m+s²/2} − 1,
 * so μ stays the expected arithmetic return per year with or without jumps.
 */
import { normalAt } from '../../core/distributions.js';
import { z } from 'zod';
import { SeedTree } from '../../core/rng.js';
import { JumpLog, parseGrid, parseOrThrow, simulateBars, type GridInput, type SubStepModel, type SyntheticPath } from './path.js';
import { VolumeParamsSchema } from './volume.js';

export const MertonParamsSchema = z.strictObject({
  startPrice: z.number().positive(),
  /** Expected arithmetic return per year, jumps included. */
  driftPerYear: z.number().default(0),
  /** Diffusive volatility per year. */
  volPerYear: z.number().nonnegative(),
  /** Poisson jump rate λ, jumps per year. */
  jumpIntensityPerYear: z.number().nonnegative(),
  /** Mean m of the jump's log-size (−0.05 ≈ a 5% drop). */
  jumpLogSizeMean: z.number(),
  /** Std s of the jump's log-size. */
  jumpLogSizeStd: z.number().nonnegative(),
  volume: VolumeParamsSchema.default({ baseVolumePerHour: 1000, volumeNoiseLogStd: 0.3 }),
});
export type MertonParamsInput = z.input<typeof MertonParamsSchema>;
export type MertonParams = z.output<typeof MertonParamsSchema>;

export function generateMerton(paramsIn: MertonParamsInput, gridIn: GridInput, seed: number): SyntheticPath {
  const p = parseOrThrow(MertonParamsSchema, paramsIn, 'merton');
  const grid = parseGrid(gridIn);
  const tree = new SeedTree(seed);
  const diffusion = tree.rng('diffusion');
  const arrivals = tree.rng('jump-arrivals');
  const sizes = tree.rng('jump-sizes');
  const kappa = Math.exp(p.jumpLogSizeMean + 0.5 * p.jumpLogSizeStd ** 2) - 1;
  const logDrift = p.driftPerYear - 0.5 * p.volPerYear ** 2 - p.jumpIntensityPerYear * kappa;
  const sigma = p.volPerYear;
  const log = new JumpLog();
  const model: SubStepModel = {
    referenceVolPerYear: sigma,
    step(x, tMs, dt) {
      let y = x + logDrift * dt + sigma * Math.sqrt(dt) * diffusion.normal();
      const k = arrivals.poisson(p.jumpIntensityPerYear * dt);
      for (let j = 0; j < k; j++) {
        const size = normalAt(p.jumpLogSizeMean, p.jumpLogSizeStd, sizes.normal());
        y += size;
        log.push(tMs, size);
      }
      return y;
    },
  };
  const series = simulateBars(grid, p.startPrice, model, p.volume, tree.rng('volume'), { generator: 'merton' });
  return { series, jumps: log.freeze() };
}

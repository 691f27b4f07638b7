/**
 * Geometric Brownian motion: dS/S = μ dt + σ dW, simulated exactly in log
 * space, X += (μ − σ²/2)·dt + σ·√dt·Z, so sub-steps add no discretization
 * bias (only the high/low resolution depends on them).
 */
import { z } from 'zod';
import { SeedTree } from '../../core/rng.js';
import { parseGrid, parseOrThrow, simulateBars, NO_JUMPS, type GridInput, type SubStepModel, type SyntheticPath } from './path.js';
import { VolumeParamsSchema } from './volume.js';

export const GbmParamsSchema = z.strictObject({
  /** Price at the first bar's open, quote currency. */
  startPrice: z.number().positive(),
  /** Arithmetic drift μ per year (E[S_t] = S_0·e^{μt}). */
  driftPerYear: z.number().default(0),
  /** Diffusive volatility σ per year (0.8 = 80%). */
  volPerYear: z.number().nonnegative(),
  volume: VolumeParamsSchema.default({ baseVolumePerHour: 1000, volumeNoiseLogStd: 0.3 }),
});
export type GbmParamsInput = z.input<typeof GbmParamsSchema>;
export type GbmParams = z.output<typeof GbmParamsSchema>;

export function generateGbm(paramsIn: GbmParamsInput, gridIn: GridInput, seed: number): SyntheticPath {
  const p = parseOrThrow(GbmParamsSchema, paramsIn, 'gbm');
  const grid = parseGrid(gridIn);
  const tree = new SeedTree(seed);
  const diffusion = tree.rng('diffusion');
  const logDrift = p.driftPerYear - 0.5 * p.volPerYear * p.volPerYear;
  const sigma = p.volPerYear;
  const model: SubStepModel = {
    referenceVolPerYear: sigma,
    step(x, _t, dt) {
      return x + logDrift * dt + sigma * Math.sqrt(dt) * diffusion.normal();
    },
  };
  const series = simulateBars(grid, p.startPrice, model, p.volume, tree.rng('volume'), { generator: 'gbm' });
  return { series, jumps: NO_JUMPS };
}

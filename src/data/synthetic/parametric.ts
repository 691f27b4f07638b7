/**
 * Parametric paths for the checks researchers run against closed forms:
 * GBM (Frey–Stremme), Merton jump diffusion, and a step shock (the cascade
 * law). Always SYNTHETIC in every output.
 */
import { SeedTree } from '../../core/rng.js';
import { MS_PER_HOUR, MS_PER_MINUTE } from '../../core/time.js';
import { generateGbm } from './gbm.js';
import { generateMerton } from './jumpDiffusion.js';
import { NO_JUMPS, parseGrid, simulateBars, type SubStepModel, type SyntheticPath } from './path.js';

interface ParametricCommon {
  readonly startPrice: number;
  readonly volPerYear: number;
  readonly driftPerYear: number;
  readonly barMinutes: number;
  readonly bars: number;
  readonly startMs: number;
  readonly seed: number;
  readonly baseVolumePerHour: number;
  readonly volumeNoiseLogStd: number;
}

export type ParametricSpec =
  | (ParametricCommon & { readonly model: 'gbm' })
  | (ParametricCommon & { readonly model: 'jump-diffusion'; readonly jumpIntensityPerYear: number; readonly jumpLogSizeMean: number; readonly jumpLogSizeStd: number })
  | (ParametricCommon & { readonly model: 'step-shock'; readonly stepAtBar: number; readonly stepLogSize: number });

/** A short label naming the model and its parameters, for `dataSource`. */
export function describeParametric(p: ParametricSpec): string {
  const base = `σ=${p.volPerYear}, ${p.bars} x ${p.barMinutes}m bars from ${p.startPrice}, seed ${p.seed}`;
  switch (p.model) {
    case 'gbm':
      return `synthetic:gbm(${base})`;
    case 'jump-diffusion':
      return `synthetic:jump-diffusion(${base}, λ=${p.jumpIntensityPerYear}/yr, jump ${p.jumpLogSizeMean}±${p.jumpLogSizeStd})`;
    case 'step-shock':
      return `synthetic:step-shock(${base}, step ${p.stepLogSize} at bar ${p.stepAtBar})`;
  }
}

export function generateParametric(p: ParametricSpec): SyntheticPath {
  const grid = parseGrid({ startMs: p.startMs, barMinutes: p.barMinutes, bars: p.bars, symbol: p.model.toUpperCase() });
  const volume = { baseVolumePerHour: p.baseVolumePerHour, volumeNoiseLogStd: p.volumeNoiseLogStd };
  const gbm = { startPrice: p.startPrice, driftPerYear: p.driftPerYear, volPerYear: p.volPerYear, volume };
  switch (p.model) {
    case 'gbm':
      return generateGbm(gbm, grid, p.seed);
    case 'jump-diffusion':
      return generateMerton({ ...gbm, jumpIntensityPerYear: p.jumpIntensityPerYear, jumpLogSizeMean: p.jumpLogSizeMean, jumpLogSizeStd: p.jumpLogSizeStd }, grid, p.seed);
    case 'step-shock':
      return generateStep(p, grid);
  }
}

/**
 * GBM plus one deterministic log move in the last sub-step of bar
 * `stepAtBar`, so that bar's close carries the whole step and the bars
 * before it are untouched by it. With σ = 0 the path is flat, then steps.
 */
function generateStep(p: ParametricCommon & { stepAtBar: number; stepLogSize: number }, grid: ReturnType<typeof parseGrid>): SyntheticPath {
  const tree = new SeedTree(p.seed);
  const diffusion = tree.rng('diffusion');
  const sigma = p.volPerYear;
  const logDrift = p.driftPerYear - 0.5 * sigma * sigma;
  const barMs = p.barMinutes * MS_PER_MINUTE;
  const stepEndMs = grid.startMs + (p.stepAtBar + 1) * barMs;
  const model: SubStepModel = {
    // The volume model's yardstick; with σ = 0 volume is set flat below.
    referenceVolPerYear: sigma > 0 ? sigma : 1,
    step(x, tMs, dt, dtMs) {
      let y = x + logDrift * dt + (sigma > 0 ? sigma * Math.sqrt(dt) * diffusion.normal() : 0);
      if (tMs < stepEndMs && tMs + dtMs >= stepEndMs) y += p.stepLogSize;
      return y;
    },
  };
  const series = simulateBars(grid, p.startPrice, model, { baseVolumePerHour: p.baseVolumePerHour, volumeNoiseLogStd: p.volumeNoiseLogStd }, tree.rng('volume'), { generator: 'step-shock' });
  // Without diffusion there is no variation to scale volume by: every bar
  // trades the calm rate, so a depth calibrated from volume is the same throughout.
  if (sigma === 0) series.volume.fill(p.baseVolumePerHour * (barMs / MS_PER_HOUR));
  return { series, jumps: NO_JUMPS };
}

import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { SeedTree } from '../core/rng.js';
import { formatIsoUtc, MS_PER_HOUR, MS_PER_MINUTE, parseIsoUtc } from '../core/time.js';
import { barIntervalMs, type BarSeries } from '../data/bars.js';
import type { PortfolioAsset, PortfolioScenario } from '../config/portfolioSchema.js';
import { bookLiquidityConfig, type LiquidityConfig } from '../market/config.js';
import { calibrateDepth1PctQuote } from '../market/depthCalibration.js';
import { buildAccounts } from './accounts.js';
import { alignAssets, loadAssetBars } from './align.js';
import { buildScanGrid } from './margin.js';
import type { PortfolioSetup } from './run.js';
import { jointSyntheticPath } from './synthetic.js';

/** What a comparison reports about its inputs. */
export interface SetupReport {
  readonly synthetic: boolean;
  readonly sources: readonly { name: string; file: string; sha256?: string }[];
  readonly firstBar: string;
  readonly bars: number;
  readonly depth1PctQuote: readonly number[];
  readonly gridPoints: number;
}

const DATA_DIR_PREFIX = '$CASCADE_DATA_DIR/';

/** A bar path from a scenario: relative to its folder, or under the shared data folder named by the environment. */
export function resolveBarsPath(path: string, baseDir: string, field: string, file?: string): string {
  if (path.startsWith(DATA_DIR_PREFIX)) {
    const dir = process.env.CASCADE_DATA_DIR;
    if (dir === undefined || dir === '') throw new ConfigError(`${path} needs CASCADE_DATA_DIR set to the data folder`, { file, field });
    return resolve(dir, path.slice(DATA_DIR_PREFIX.length));
  }
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * The scenario's parts: each asset's bars (loaded and aligned, or the joint
 * synthetic path), its calibrated depth and liquidity config, the scan grid
 * and the accounts. Warm-up bars only calibrate depth; the run starts after.
 */
export function buildPortfolioSetup(s: PortfolioScenario, baseDir: string, scenarioFile?: string): { setup: PortfolioSetup; report: SetupReport } {
  const seeds = new SeedTree(s.seed);
  const synthetic = s.assets[0].bars === undefined;
  let series: BarSeries[];
  let from: number[];
  let to: number[];
  const sources: { name: string; file: string; sha256?: string }[] = [];
  if (synthetic) {
    const path = jointSyntheticPath(
      s.assets.map((a) => ({ name: a.name, startPrice: a.startPrice, volPerYear: a.initialVolPerYear, crashBeta: a.crashBeta })),
      s.synthetic,
      seeds.child('path'),
    );
    series = path.series;
    from = series.map(() => Math.min(s.warmupBars, s.synthetic.bars - 1));
    to = series.map((x) => x.length);
    for (const a of s.assets) sources.push({ name: a.name, file: 'synthetic:portfolio-joint' });
  } else {
    const loaded = s.assets.map((a, i) => loadAssetBars(resolveBarsPath(a.bars as string, baseDir, `assets.${i}.bars`, scenarioFile), a.volumeUnit));
    series = loaded.map((l) => l.series);
    const t0 = series[0].time;
    const startMs = s.start !== undefined ? parseIsoUtc(s.start, { field: 'start' }) : t0[Math.min(s.warmupBars, t0.length - 1)];
    const endMs = s.end !== undefined ? parseIsoUtc(s.end, { field: 'end' }) : Infinity;
    ({ from, to } = alignAssets(loaded, startMs, endMs));
    loaded.forEach((l, i) => sources.push({ name: s.assets[i].name, file: l.file, sha256: l.sha256 }));
  }
  const n = to[0] - from[0];
  const close = series.map((x, a) => x.close.slice(from[a], to[a]));
  const time = series[0].time.slice(from[0], to[0]);
  const firstPrice = close.map((c) => c[0]);
  const depth = s.assets.map((a, i) => baseDepth(a, i, series[i], from[i]));
  const barMs = n > 1 ? barIntervalMs({ time, length: n }) : s.synthetic.barMinutes * MS_PER_MINUTE;
  const grid = buildScanGrid(s.margin.scanRangePct, s.margin.scanSteps, s.margin.maxDivergence);
  const accounts = buildAccounts(s, firstPrice, time[0], grid, seeds.child('accounts'));
  const setup: PortfolioSetup = {
    names: s.assets.map((a) => a.name),
    time,
    close,
    liquidity: s.assets.map((a, i) => liquidityConfig(a, i, depth[i])),
    withdrawal: s.assets.map((a) => ({
      elasticity: a.withdrawal.elasticity,
      minScale: a.withdrawal.minScale,
      stressElasticity: 0,
      calmVolPerYear: a.withdrawal.calmVolPerYear ?? a.initialVolPerYear,
    })),
    initialVolPerYear: s.assets.map((a) => a.initialVolPerYear),
    surfaces: s.assets.map((a) => a.surface),
    realisedVolHalfLifeMs: s.realisedVolHalfLifeMinutes * MS_PER_MINUTE,
    barMs,
    maxCascadeRounds: s.maxCascadeRounds,
    margin: s.margin,
    grid,
    accounts,
  };
  return { setup, report: { synthetic, sources, firstBar: formatIsoUtc(time[0]), bars: n, depth1PctQuote: depth, gridPoints: grid.points } };
}

/** 1% depth at the run's first bar: fixed, or from the volume of the warm-up bars before it. */
function baseDepth(a: PortfolioAsset, i: number, series: BarSeries, first: number): number {
  const d = a.depth;
  if (d.source === 'fixed') return d.depth1PctQuote;
  const field = `assets.${i}.depth`;
  if (d.followVolume) throw new ConfigError('followVolume is not supported in multi-asset runs yet: depth is fixed at the run start', { field: `${field}.followVolume` });
  if (series.synthetic) throw new ConfigError('the joint synthetic path has no volume: set depth to {"source":"fixed","depth1PctQuote":...}', { field });
  if (first === 0) throw new ConfigError('depth from volume needs warm-up bars before the run: set warmupBars > 0 or a fixed depth', { field: 'warmupBars' });
  const v = calibrateDepth1PctQuote(series, { fractionOfHourlyQuoteVolume: d.fractionOfHourlyQuoteVolume, windowMs: d.windowHours * MS_PER_HOUR })[first];
  if (!(v > 0)) throw new ConfigError('no volume in the warm-up to calibrate depth: set a fixed depth', { field });
  return v;
}

function liquidityConfig(a: PortfolioAsset, i: number, depth1PctQuote: number): LiquidityConfig {
  const l = a.liquidity;
  switch (l.kind) {
    case 'linear':
      return { ...l, depth1PctQuote };
    case 'sqrt': {
      if (l.dailyVolumeBase === undefined) {
        throw new ConfigError('set dailyVolumeBase for the square-root model in multi-asset runs', { field: `assets.${i}.liquidity.dailyVolumeBase` });
      }
      return { ...l, dailyVolumeBase: l.dailyVolumeBase };
    }
    case 'book':
      if (l.snapshot !== undefined) throw new ConfigError('book snapshots are not supported in multi-asset runs yet', { field: `assets.${i}.liquidity.snapshot` });
      return bookLiquidityConfig(l, depth1PctQuote);
  }
}

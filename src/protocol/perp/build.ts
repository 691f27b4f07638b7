import type { PerpConfig } from '../../config/protocolSchema.js';
import { resolveDataPath } from '../../config/resolveTarget.js';
import { MS_PER_HOUR } from '../../core/time.js';
import type { SeedTree } from '../../core/rng.js';
import { loadBars } from '../../data/csv/loadBars.js';
import type { AccountBook } from '../accounts.js';
import { loadFundingSeries } from './fundingSeries.js';
import { generateShorts } from './shorts.js';
import { PerpVenue, type IndexSeries } from './venue.js';

/**
 * The perp venue of `protocol.perp`: a short side as large as the longs'
 * open interest (Σ long collateral), funding from the premium or a file.
 */
export function buildPerpVenue(p: PerpConfig, longs: AccountBook, startPrice: number, barMs: number, baseDir: string, seeds: SeedTree): PerpVenue {
  const shorts = generateShorts(
    { ...p.shorts, totalSize: longs.totalCollateral(), startPrice },
    seeds.rng('protocol.perp.shorts'),
  );
  const f = p.funding;
  return new PerpVenue({
    shorts,
    intervalMs: p.fundingIntervalHours * MS_PER_HOUR,
    premium: f.kind === 'premium'
      ? { interest: f.interestPctPerInterval / 100, clamp: f.premiumClampPct / 100, cap: f.capPct / 100 }
      : { interest: 0, clamp: 0, cap: 0 },
    series: f.kind === 'series' ? loadFundingSeries(resolveDataPath(f.path, baseDir)) : null,
    fundingOn: f.kind !== 'off',
    adlOn: p.adl,
    barMs,
    index: p.index ? indexSeries(resolveDataPath(p.index.path, baseDir)) : null,
  });
}

function indexSeries(path: string): IndexSeries {
  const bars = loadBars(path).series;
  const gaps = new Float64Array(Math.max(0, bars.time.length - 1));
  for (let i = 1; i < bars.time.length; i++) gaps[i - 1] = bars.time[i] - bars.time[i - 1];
  gaps.sort();
  return { time: bars.time, close: bars.close, stepMs: gaps.length > 0 ? gaps[gaps.length >> 1] : 0 };
}

import type { SeedTree } from '../core/rng.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../core/time.js';
import { allocBarColumns, makeBarSeries, type BarSeries } from '../data/bars.js';

/** What the joint synthetic path needs per asset. */
export interface SyntheticAssetSpec {
  readonly name: string;
  readonly startPrice: number;
  /** Calm volatility, per sqrt(year). */
  readonly volPerYear: number;
  /** Share of the common crash, in log terms. */
  readonly crashBeta: number;
}

export interface JointPathSpec {
  readonly bars: number;
  readonly barMinutes: number;
  readonly calmCorrelation: number;
  readonly stressCorrelation: number;
  readonly stressDrawdown: number;
  readonly crashStartBar: number;
  readonly crashBars: number;
  readonly crashLogMove: number;
}

/** Epoch ms of the first synthetic bar: a fixed date, so two runs label bars alike. */
export const SYNTHETIC_START_MS = Date.UTC(2030, 0, 1);

/**
 * Correlation in force at a stress level s in [0, 1]: linear from calm to
 * stressed. Procyclical by construction (assets move together when they
 * fall), the pattern seen in crypto and equity crashes alike.
 */
export function correlationAt(s: number, calm: number, stressed: number): number {
  const c = s <= 0 ? 0 : s >= 1 ? 1 : s;
  return calm * (1 - c) + stressed * c;
}

/**
 * Joint synthetic bars: log-normal steps whose shocks share one factor,
 * z_a = sqrt(ρ)·m + sqrt(1 − ρ)·e_a (equicorrelation ρ ≥ 0), plus a common
 * crash of `crashLogMove · crashBeta_a` spread over `crashBars` bars. ρ for
 * bar i follows the stress of the path through bar i − 1 (drawdown of the
 * equal-weight log index from its peak over `stressDrawdown`), so the
 * correlation rises as the crash deepens and nothing reads ahead. Each
 * asset's idiosyncratic shocks come from its own stream of the seed tree.
 * Also returns the correlation used at each bar, for tests and reports.
 */
export function jointSyntheticPath(assets: readonly SyntheticAssetSpec[], spec: JointPathSpec, seeds: SeedTree): { series: BarSeries[]; correlation: Float64Array } {
  const n = spec.bars;
  const A = assets.length;
  const dtYears = (spec.barMinutes * MS_PER_MINUTE) / MS_PER_YEAR;
  const common = seeds.rng('portfolio.synthetic.common');
  const own = assets.map((a) => seeds.rng(`portfolio.synthetic.asset.${a.name}`));
  const cols = assets.map(() => allocBarColumns(n));
  const logPrice = new Float64Array(A);
  for (let a = 0; a < A; a++) logPrice[a] = Math.log(assets[a].startPrice);
  const correlation = new Float64Array(n);
  let index = 0;
  let peak = 0;
  const perCrashBar = spec.crashLogMove / spec.crashBars;
  for (let i = 0; i < n; i++) {
    const s = (peak - index) / Math.max(1e-12, -Math.log(1 - spec.stressDrawdown));
    const rho = correlationAt(s, spec.calmCorrelation, spec.stressCorrelation);
    correlation[i] = rho;
    const m = common.normal();
    const inCrash = i >= spec.crashStartBar && i < spec.crashStartBar + spec.crashBars;
    let sum = 0;
    for (let a = 0; a < A; a++) {
      const sig = assets[a].volPerYear;
      const z = Math.sqrt(rho) * m + Math.sqrt(1 - rho) * own[a].normal();
      const r = sig * Math.sqrt(dtYears) * z - 0.5 * sig * sig * dtYears + (inCrash ? perCrashBar * assets[a].crashBeta : 0);
      const c = cols[a];
      const open = Math.exp(logPrice[a]);
      logPrice[a] += r;
      const close = Math.exp(logPrice[a]);
      c.time[i] = SYNTHETIC_START_MS + i * spec.barMinutes * MS_PER_MINUTE;
      c.open[i] = open;
      c.close[i] = close;
      c.high[i] = Math.max(open, close);
      c.low[i] = Math.min(open, close);
      sum += logPrice[a] - Math.log(assets[a].startPrice);
    }
    index = sum / A;
    if (index > peak) peak = index;
  }
  const series = assets.map((a, k) => makeBarSeries({ symbol: a.name, source: 'synthetic:portfolio-joint', synthetic: true, volumeUnit: 'none' }, cols[k]));
  return { series, correlation };
}

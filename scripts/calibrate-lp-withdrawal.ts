/**
 * Calibrates the liquidity-provider withdrawal (src/behaviour/liquidityProviders.ts)
 * against the real crash files in CASCADE_DATA_DIR. There are no order books,
 * so depth is measured by its inverse, Kyle's lambda: the slope of the
 * 1-minute log return on the 1-minute signed taker flow (2·takerBuy − volume,
 * BTC), which is the linear impact model's q / D read backwards. The depth
 * multiplier of a set of bars is λ_calm / λ_set, λ_calm from the first
 * two hours of the same file. Amihud (Σ|r| / Σ quote volume) and the range
 * per unit volume are printed beside it for comparison; they are not fitted
 * because crash volume swamps them (docs/lp-withdrawal.md).
 *
 *   CASCADE_DATA_DIR=/path/to/data npx tsx scripts/calibrate-lp-withdrawal.ts
 *
 * Prints tables and the fitted parameters (the defaults proposed for the
 * schema). Reads only; writes nothing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { formatIsoUtc, MS_PER_MINUTE, MS_PER_YEAR } from '../src/core/time.js';
import { barIntervalMs, type BarSeries } from '../src/data/bars.js';
import { loadBars } from '../src/data/csv/load.js';
import { makeStressSignals } from '../src/sim/stress.js';
import { LiquidityProviders, thresholdAt, withdrawalTarget, type LiquidityProvidersConfig } from '../src/behaviour/liquidityProviders.js';

/** Perp 1-minute files with taker-buy volume (PROVENANCE.md section 5). */
const FILES_1M = [
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv',
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv',
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv',
];
/**
 * Hourly file covering each 1-minute file's week before (same venue where one
 * exists; spot for 2021, whose perp hourly file was not found): the calm vol.
 */
const CALM_VOL_FILE: Record<string, string> = {
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv': 'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv',
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv': 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2024-08-05.csv',
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv': 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2025-10-10.csv',
};
/** Hours of the hourly file, ending where the 1-minute file starts, over which the calm vol is measured. */
const CALM_VOL_HOURS = 6 * 24;
/** Hourly files, for the Amihud cross-check over the week before (no taker flow, so no lambda). */
const FILES_1H = [
  'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv',
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv',
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2024-08-05.csv',
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2025-10-10.csv',
];
/** Bars of the calm baseline at the start of each 1-minute file (two hours). */
const BASELINE_BARS = 120;
/** Engine default engine.realisedVolHalfLifeMinutes: the signals must be the engine's. */
const VOL_HALF_LIFE_MIN = 60;
const DD_EDGES = [0, 0.01, 0.02, 0.035, 0.05, 0.08, 0.12, 0.2, 1];
const VR_EDGES = [0, 1.5, 2, 3, 4, 6, 10, Infinity];
/** Fewest bars in a fitted cell: below this the pooled OLS is mostly noise. */
const MIN_CELL_BARS = 20;
/** Quantile nodes per signal in the expected factor (midpoint rule). */
const QUAD_NODES = 24;
/** Dispersion of the thresholds across groups, fixed (the data cannot separate it from the elasticity). */
const LOG_SD = 0.5;
const WINDOW_BARS = 30;

// ---------------------------------------------------------------- estimators

/** Running sums for a least-squares slope of y on x with an intercept. */
export class SlopeAccumulator {
  n = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;
  private syy = 0;

  add(x: number, y: number): void {
    this.n++;
    this.sx += x;
    this.sy += y;
    this.sxx += x * x;
    this.sxy += x * y;
    this.syy += y * y;
  }

  slope(): number {
    const n = this.n;
    return (this.sxy - (this.sx * this.sy) / n) / (this.sxx - (this.sx * this.sx) / n);
  }

  /** Standard error of the slope (homoskedastic OLS). */
  slopeSe(): number {
    const n = this.n;
    const vxx = this.sxx - (this.sx * this.sx) / n;
    const vxy = this.sxy - (this.sx * this.sy) / n;
    const vyy = this.syy - (this.sy * this.sy) / n;
    const rss = Math.max(0, vyy - (vxy * vxy) / vxx);
    return Math.sqrt(rss / (n - 2) / vxx);
  }
}

/** Per-bar inputs of the estimators: log return, signed taker flow (base), quote volume, log range. */
export interface FlowBars {
  readonly n: number;
  readonly ret: Float64Array;
  readonly flow: Float64Array;
  readonly quoteVolume: Float64Array;
  readonly logRange: Float64Array;
}

export function flowBars(b: BarSeries): FlowBars {
  if (!b.takerBuyVolume || !b.quoteVolume) throw new Error(`${b.source}: needs taker_buy_volume and quote_volume columns`);
  const n = b.length;
  const ret = new Float64Array(n);
  const flow = new Float64Array(n);
  const qv = new Float64Array(n);
  const lr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // The first bar has no previous close: open-to-close is its return.
    ret[i] = Math.log(b.close[i] / (i > 0 ? b.close[i - 1] : b.open[i]));
    flow[i] = 2 * b.takerBuyVolume[i] - b.volume[i];
    qv[i] = b.quoteVolume[i];
    lr[i] = Math.log(b.high[i] / b.low[i]);
  }
  return { n, ret, flow, quoteVolume: qv, logRange: lr };
}

/** Kyle's lambda (log-price per base unit of signed flow) over bars [from, to). */
export function kyleLambda(f: FlowBars, from: number, to: number): { lambda: number; se: number; n: number } {
  const acc = new SlopeAccumulator();
  for (let i = from; i < to; i++) acc.add(f.flow[i], f.ret[i]);
  return { lambda: acc.slope(), se: acc.slopeSe(), n: acc.n };
}

/** Amihud illiquidity as a ratio of sums (robust to zero-volume bars): Σ|r| / Σ quote volume. */
export function amihud(ret: Float64Array, quoteVolume: Float64Array, from: number, to: number): number {
  let a = 0;
  let v = 0;
  for (let i = from; i < to; i++) {
    a += Math.abs(ret[i]);
    v += quoteVolume[i];
  }
  return a / v;
}

/**
 * The engine's stress signals at each bar's start (src/engine/run.ts):
 * drawdown of the previous close below the running peak of closes so far,
 * and EWMA realised vol through the previous bar over the calm vol.
 */
export function stressPath(close: Float64Array, barMs: number, volHalfLifeMs: number, calmVolPerYear: number): { drawdown: Float64Array; volRatio: Float64Array } {
  const n = close.length;
  const dd = new Float64Array(n);
  const vr = new Float64Array(n);
  const decay = Math.pow(0.5, barMs / volHalfLifeMs);
  const annualise = MS_PER_YEAR / barMs;
  let varPerBar = (calmVolPerYear * calmVolPerYear) / annualise;
  let peak = close[0];
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const r = Math.log(close[i - 1] / (i > 1 ? close[i - 2] : close[0]));
      if (i > 1) varPerBar = decay * varPerBar + (1 - decay) * r * r;
      if (close[i - 1] > peak) peak = close[i - 1];
      dd[i] = 1 - close[i - 1] / peak;
    }
    vr[i] = Math.sqrt(varPerBar * annualise) / calmVolPerYear;
  }
  return { drawdown: dd, volRatio: vr };
}

/** Annualised realised vol of bars [from, to). */
export function realisedVol(ret: Float64Array, from: number, to: number, barMs: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += ret[i] * ret[i];
  return Math.sqrt((s / (to - from)) * (MS_PER_YEAR / barMs));
}

// ---------------------------------------------------------------- the model's expectation

/** Fitted static parameters (the elasticity and dispersion of thresholds, the two medians, the mobile share). */
export interface StaticParams {
  mobileDepthShare: number;
  drawdownMedian: number;
  volRatioExcessMedian: number;
  withdrawalElasticity: number;
  logSd: number;
}

/**
 * Expected depth factor over the threshold distribution with instant
 * recovery (the model's steady state for given signals): midpoint rule over
 * QUAD_NODES quantiles per signal, thresholds independent across signals.
 */
export function expectedFactor(dd: number, vr: number, p: StaticParams, nodes = QUAD_NODES): number {
  let sum = 0;
  const dDist = { median: p.drawdownMedian, logSd: p.logSd };
  const vDist = { median: p.volRatioExcessMedian, logSd: p.logSd };
  for (let a = 0; a < nodes; a++) {
    const td = thresholdAt(dDist, (a + 0.5) / nodes);
    for (let b = 0; b < nodes; b++) {
      const tv = 1 + thresholdAt(vDist, (b + 0.5) / nodes);
      sum += withdrawalTarget(Math.max(dd / td, vr / tv), p.withdrawalElasticity);
    }
  }
  return 1 - (p.mobileDepthShare * sum) / (nodes * nodes);
}

/** One measured cell: mean signals, measured depth multiplier and the variance of its log. */
export interface Cell {
  dd: number;
  vr: number;
  m: number;
  varLog: number;
  n: number;
}

export function weightedLoss(cells: readonly Cell[], p: StaticParams): number {
  let s = 0;
  for (const c of cells) {
    const e = Math.log(c.m) - Math.log(expectedFactor(c.dd, c.vr, p));
    s += (e * e) / c.varLog;
  }
  return s;
}

/**
 * Bounds of the search. A drawdown median under 1% or a vol excess under
 * 0.25 would put thresholds inside the noise of the calm baseline itself
 * (the fit then turns the model into a constant); an elasticity over 16 is
 * already a step.
 */
export const FIT_BOUNDS = {
  mobileDepthShare: [0.05, 0.95],
  drawdownMedian: [0.01, 1],
  volRatioExcessMedian: [0.25, 32],
  withdrawalElasticity: [0.1, 16],
} as const;

function inBounds(p: StaticParams): boolean {
  for (const k of Object.keys(FIT_BOUNDS) as Array<keyof typeof FIT_BOUNDS>) {
    if (p[k] < FIT_BOUNDS[k][0] || p[k] > FIT_BOUNDS[k][1]) return false;
  }
  return true;
}

/**
 * Deterministic fit: a log-spaced grid over the four free parameters, then
 * coordinate refinement on the best point (log steps halving to 1%).
 */
export function fitStatic(cells: readonly Cell[], logSd = LOG_SD): { params: StaticParams; loss: number } {
  const grid = {
    mobileDepthShare: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
    drawdownMedian: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 1],
    volRatioExcessMedian: [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 16],
    withdrawalElasticity: [0.125, 0.25, 0.5, 1, 2, 4, 8, 16],
  };
  let best: StaticParams = { mobileDepthShare: 0.5, drawdownMedian: 0.1, volRatioExcessMedian: 2, withdrawalElasticity: 1, logSd };
  let bestLoss = Infinity;
  for (const m of grid.mobileDepthShare)
    for (const d of grid.drawdownMedian)
      for (const v of grid.volRatioExcessMedian)
        for (const e of grid.withdrawalElasticity) {
          const p = { mobileDepthShare: m, drawdownMedian: d, volRatioExcessMedian: v, withdrawalElasticity: e, logSd };
          const l = weightedLoss(cells, p);
          if (l < bestLoss) {
            bestLoss = l;
            best = p;
          }
        }
  const keys = ['mobileDepthShare', 'drawdownMedian', 'volRatioExcessMedian', 'withdrawalElasticity'] as const;
  for (let step = 0.5; step > 0.01; step /= 2) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const k of keys) {
        for (const dir of [-1, 1]) {
          const trial = { ...best, [k]: best[k] * Math.exp(dir * step) };
          if (!inBounds(trial)) continue;
          const l = weightedLoss(cells, trial);
          if (l < bestLoss - 1e-12) {
            bestLoss = l;
            best = trial;
            improved = true;
          }
        }
      }
    }
  }
  return { params: best, loss: bestLoss };
}

/** Least-squares e of the existing vol-only withdrawal m = min(1, vr^(−e)) on the same cells (golden-section on [0, 4]). */
export function fitVolElasticity(cells: readonly Cell[]): { e: number; loss: number } {
  const loss = (e: number): number => {
    let s = 0;
    for (const c of cells) {
      const f = c.vr <= 1 ? 1 : Math.pow(c.vr, -e);
      const r = Math.log(c.m) - Math.log(f);
      s += (r * r) / c.varLog;
    }
    return s;
  };
  let a = 0;
  let b = 4;
  const g = (Math.sqrt(5) - 1) / 2;
  while (b - a > 1e-6) {
    const x1 = b - g * (b - a);
    const x2 = a + g * (b - a);
    if (loss(x1) <= loss(x2)) b = x2;
    else a = x1;
  }
  const e = (a + b) / 2;
  return { e, loss: loss(e) };
}

// ---------------------------------------------------------------- data

interface FileMeasure {
  name: string;
  f: FlowBars;
  time: Float64Array;
  barMs: number;
  lambdaCalm: number;
  lambdaCalmSe: number;
  calmVol: number;
  amihudCalm: number;
  rangePerVolCalm: number;
  dd: Float64Array;
  vr: Float64Array;
}

function measureFile(dir: string, rel: string): FileMeasure {
  const b = loadBars(join(dir, rel)).series;
  const f = flowBars(b);
  const barMs = barIntervalMs(b);
  const calm = kyleLambda(f, 1, BASELINE_BARS);
  const calmVol = hourlyCalmVol(join(dir, CALM_VOL_FILE[rel]), b.time[0]);
  const s = stressPath(b.close, barMs, VOL_HALF_LIFE_MIN * MS_PER_MINUTE, calmVol);
  return {
    name: rel.replace(/^.*\//, ''),
    f,
    time: b.time,
    barMs,
    lambdaCalm: calm.lambda,
    lambdaCalmSe: calm.se,
    calmVol,
    amihudCalm: amihud(f.ret, f.quoteVolume, 1, BASELINE_BARS),
    rangePerVolCalm: amihud(f.logRange, f.quoteVolume, 1, BASELINE_BARS),
    dd: s.drawdown,
    vr: s.volRatio,
  };
}

/** Realised vol of the hourly returns over the CALM_VOL_HOURS before `endMs`, annualised. */
function hourlyCalmVol(path: string, endMs: number): number {
  const h = loadBars(path).series;
  let end = 0;
  while (end < h.length && h.time[end] < endMs) end++;
  const from = Math.max(1, end - CALM_VOL_HOURS);
  const ret = new Float64Array(h.length);
  for (let i = 1; i < h.length; i++) ret[i] = Math.log(h.close[i] / h.close[i - 1]);
  return realisedVol(ret, from, end, barIntervalMs(h));
}

function bucketOf(x: number, edges: readonly number[]): number {
  for (let k = 0; k < edges.length - 1; k++) if (x < edges[k + 1]) return k;
  return edges.length - 2;
}

/**
 * Pools bars across files by a key; regresses r on flow·λ_calm(file), so the
 * slope is λ/λ_calm and m = 1/slope. var(ln m) = (se/slope)² (delta method),
 * plus the baseline's own relative variance.
 */
function pooledCells(files: readonly FileMeasure[], key: (fm: FileMeasure, i: number) => number, nKeys: number): Array<Cell & { amihudRatio: number; rangeRatio: number }> {
  const acc = Array.from({ length: nKeys }, () => new SlopeAccumulator());
  const sdd = new Float64Array(nKeys);
  const svr = new Float64Array(nKeys);
  const baseVar = new Float64Array(nKeys);
  const absR = new Float64Array(nKeys);
  const rng = new Float64Array(nKeys);
  const qvN = new Float64Array(nKeys);
  for (const fm of files) {
    const relVarCalm = (fm.lambdaCalmSe / fm.lambdaCalm) ** 2;
    for (let i = BASELINE_BARS; i < fm.f.n; i++) {
      const k = key(fm, i);
      if (k < 0) continue;
      acc[k].add(fm.f.flow[i] * fm.lambdaCalm, fm.f.ret[i]);
      sdd[k] += fm.dd[i];
      svr[k] += fm.vr[i];
      baseVar[k] += relVarCalm;
      // Amihud and range normalised by the file's calm level, summed per bar of volume.
      absR[k] += Math.abs(fm.f.ret[i]) / fm.amihudCalm;
      rng[k] += fm.f.logRange[i] / fm.rangePerVolCalm;
      qvN[k] += fm.f.quoteVolume[i];
    }
  }
  const out: Array<Cell & { amihudRatio: number; rangeRatio: number }> = [];
  for (let k = 0; k < nKeys; k++) {
    const a = acc[k];
    if (a.n < 3) {
      out.push({ dd: NaN, vr: NaN, m: NaN, varLog: NaN, n: a.n, amihudRatio: NaN, rangeRatio: NaN });
      continue;
    }
    const slope = a.slope();
    const se = a.slopeSe();
    out.push({
      dd: sdd[k] / a.n,
      vr: svr[k] / a.n,
      m: 1 / slope,
      varLog: (se / slope) ** 2 + baseVar[k] / a.n,
      n: a.n,
      amihudRatio: qvN[k] / absR[k],
      rangeRatio: qvN[k] / rng[k],
    });
  }
  return out;
}

function pct(x: number, d = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '   -';
}

function fmt(x: number, d = 2): string {
  return Number.isFinite(x) ? x.toFixed(d) : '-';
}

function main(): void {
  const dir = process.env.CASCADE_DATA_DIR;
  if (!dir) {
    console.error('set CASCADE_DATA_DIR to the folder holding crypto_1m/ and crypto_ohlc/ (PROVENANCE.md)');
    process.exit(2);
  }
  const files = FILES_1M.map((rel) => measureFile(dir, rel));

  console.log('## Baselines (first two hours of each 1-minute file)');
  console.log(`file | calm depth 1/λ (BTC per unit log-price) | ±SE | calm vol (hourly, ${CALM_VOL_HOURS} h before; annualised) | first-2h 1-min vol`);
  for (const fm of files) {
    const se = fm.lambdaCalmSe / fm.lambdaCalm / fm.lambdaCalm;
    console.log(`${fm.name} | ${(1 / fm.lambdaCalm).toExponential(3)} | ${se.toExponential(2)} | ${pct(fm.calmVol)} | ${pct(realisedVol(fm.f.ret, 1, BASELINE_BARS, fm.barMs))}`);
  }

  const nD = DD_EDGES.length - 1;
  const nV = VR_EDGES.length - 1;
  const byDd = pooledCells(files, (fm, i) => bucketOf(fm.dd[i], DD_EDGES), nD);
  const byVr = pooledCells(files, (fm, i) => bucketOf(fm.vr[i], VR_EDGES), nV);
  console.log('\n## Depth multiplier by drawdown (all three files pooled, bars after the baseline)');
  console.log('drawdown bucket | bars | mean vol ratio | m = λ_calm/λ (Kyle) | 95% range | Amihud ratio | range/volume ratio');
  for (let k = 0; k < nD; k++) {
    const c = byDd[k];
    const h = 1.96 * Math.sqrt(c.varLog);
    console.log(`[${pct(DD_EDGES[k], 1)}, ${pct(DD_EDGES[k + 1], 1)}) | ${c.n} | ${fmt(c.vr)} | ${fmt(c.m)} | ${fmt(c.m * Math.exp(-h))}–${fmt(c.m * Math.exp(h))} | ${fmt(c.amihudRatio)} | ${fmt(c.rangeRatio)}`);
  }
  console.log('\n## Depth multiplier by vol ratio (pooled)');
  console.log('vol-ratio bucket | bars | mean drawdown | m (Kyle) | 95% range | Amihud ratio | range/volume ratio');
  for (let k = 0; k < nV; k++) {
    const c = byVr[k];
    const h = 1.96 * Math.sqrt(c.varLog);
    console.log(`[${VR_EDGES[k]}, ${VR_EDGES[k + 1]}) | ${c.n} | ${pct(c.dd)} | ${fmt(c.m)} | ${fmt(c.m * Math.exp(-h))}–${fmt(c.m * Math.exp(h))} | ${fmt(c.amihudRatio)} | ${fmt(c.rangeRatio)}`);
  }
  console.log('\n## Per file: depth multiplier by drawdown');
  for (const fm of files) {
    const cells = pooledCells([fm], (f2, i) => bucketOf(f2.dd[i], DD_EDGES), nD);
    console.log(`${fm.name}: ` + cells.map((c, k) => (c.n >= MIN_CELL_BARS ? `[${pct(DD_EDGES[k], 1)}+) ${fmt(c.m)} (n ${c.n}, vr ${fmt(c.vr, 1)})` : '')).filter((s) => s).join('; '));
  }

  console.log('\n## Per file: the hour centred on the deepest drawdown (of closes), and the rest after it');
  console.log('file | window | drawdown (mean) | vol ratio (mean) | m (Kyle) | 95% range');
  for (const fm of files) {
    let lo = BASELINE_BARS;
    for (let i = BASELINE_BARS; i < fm.f.n; i++) if (fm.dd[i] > fm.dd[lo]) lo = i;
    const spans: Array<[string, number, number]> = [
      ['deepest hour', Math.max(BASELINE_BARS, lo - 30), Math.min(fm.f.n, lo + 30)],
      ['after', Math.min(fm.f.n, lo + 30), fm.f.n],
    ];
    for (const [label, a, b] of spans) {
      if (b - a < MIN_CELL_BARS) continue;
      const c = pooledCells([fm], (_f, i) => (i >= a && i < b ? 0 : -1), 1)[0];
      const h = 1.96 * Math.sqrt(c.varLog);
      console.log(`${fm.name} | ${label} ${formatIsoUtc(fm.time[a]).slice(11, 16)}–${formatIsoUtc(fm.time[b - 1]).slice(11, 16)} | ${pct(c.dd)} | ${fmt(c.vr)} | ${fmt(c.m)} | ${fmt(c.m * Math.exp(-h))}–${fmt(c.m * Math.exp(h))}`);
    }
  }

  // The fit: joint (drawdown × vol-ratio) cells with enough bars.
  const joint = pooledCells(files, (fm, i) => bucketOf(fm.dd[i], DD_EDGES) * nV + bucketOf(fm.vr[i], VR_EDGES), nD * nV);
  const cells = joint.filter((c) => c.n >= MIN_CELL_BARS && c.m > 0 && Number.isFinite(c.varLog));
  const calmCell: Cell = { dd: 0, vr: 1, m: 1, varLog: 0.01, n: BASELINE_BARS };
  const fitCells = [calmCell, ...cells];
  const fit = fitStatic(fitCells);
  const ddOnly = fitStatic(fitCells.map((c) => ({ ...c, vr: 0 })));
  ddOnly.params.volRatioExcessMedian = Infinity;
  const volElasticity = fitVolElasticity(fitCells);
  const dof = fitCells.length - 4;
  console.log(`\n## Fit (${cells.length} joint cells with >= ${MIN_CELL_BARS} bars, plus the calm anchor m(0, 1) = 1)`);
  console.log(`drawdown + vol: ${JSON.stringify(round(fit.params))}  chi2 ${fit.loss.toFixed(1)} on ${dof} dof`);
  console.log(`drawdown only (vol ignored, for the square-root model whose impact already grows with σ): ${JSON.stringify(round(ddOnly.params))}  chi2 ${ddOnly.loss.toFixed(1)}`);
  console.log(`for comparison, the engine's vol-only withdrawal min(1, volRatio^-e) fitted to the same cells: e = ${volElasticity.e.toFixed(3)}, chi2 ${volElasticity.loss.toFixed(1)} on ${fitCells.length - 1} dof`);
  console.log('cell | drawdown | vol ratio | bars | measured m | fitted m');
  for (const c of cells) console.log(`| ${pct(c.dd)} | ${fmt(c.vr)} | ${c.n} | ${fmt(c.m)} | ${fmt(expectedFactor(c.dd, c.vr, fit.params))}`);

  // Recovery half-life: run the model itself along each file's signals and
  // compare its window means with the measured 30-minute windows.
  const windows: Array<{ fm: FileMeasure; from: number; to: number; m: number; varLog: number }> = [];
  for (const fm of files) {
    for (let w = BASELINE_BARS; w + WINDOW_BARS <= fm.f.n; w += WINDOW_BARS) {
      const k = kyleLambda(fm.f, w, w + WINDOW_BARS);
      const slope = k.lambda / fm.lambdaCalm;
      if (!(slope > 0)) continue;
      windows.push({ fm, from: w, to: w + WINDOW_BARS, m: 1 / slope, varLog: (k.se / k.lambda) ** 2 + (fm.lambdaCalmSe / fm.lambdaCalm) ** 2 });
    }
  }
  const halfLivesMin = [1, 5, 15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680];
  console.log(`\n## Recovery half-life (${windows.length} windows of ${WINDOW_BARS} bars; model path with 64 groups, seed 1)`);
  console.log('half-life (min) | chi2');
  let bestH = halfLivesMin[0];
  let bestHL = Infinity;
  for (const h of halfLivesMin) {
    const paths = new Map<FileMeasure, Float64Array>();
    for (const fm of files) paths.set(fm, modelPath(fm, fit.params, h * MS_PER_MINUTE));
    let l = 0;
    for (const w of windows) {
      const p = paths.get(w.fm)!;
      let s = 0;
      for (let i = w.from; i < w.to; i++) s += p[i];
      const e = Math.log(w.m) - Math.log(s / (w.to - w.from));
      l += (e * e) / w.varLog;
    }
    console.log(`${h} | ${l.toFixed(1)}`);
    if (l < bestHL) {
      bestHL = l;
      bestH = h;
    }
  }
  console.log(`best recovery half-life: ${bestH} min`);

  console.log('\n## Hourly cross-check: Amihud (Σ|r| / Σ quote volume) of the 24 h from the crash bar over the 6 days before');
  for (const rel of FILES_1H) {
    const b = loadBars(join(dir, rel)).series;
    const n = b.length;
    const ret = new Float64Array(n);
    const qv = new Float64Array(n);
    let worst = 1;
    for (let i = 1; i < n; i++) {
      ret[i] = Math.log(b.close[i] / b.close[i - 1]);
      qv[i] = b.quoteVolume ? b.quoteVolume[i] : b.volume[i] * b.close[i];
      if (ret[i] < ret[worst]) worst = i;
    }
    const pre = amihud(ret, qv, Math.max(1, worst - 24 * 7), Math.max(2, worst - 24));
    const crash = amihud(ret, qv, worst, Math.min(n, worst + 24));
    console.log(`${rel.replace(/^.*\//, '')}: crash bar ${formatIsoUtc(b.time[worst])}, Amihud ratio pre/crash ${fmt(pre / crash)}`);
  }
}

function round(p: StaticParams): Record<string, number> {
  return {
    mobileDepthShare: +p.mobileDepthShare.toFixed(3),
    drawdownMedian: +p.drawdownMedian.toFixed(4),
    volRatioExcessMedian: +p.volRatioExcessMedian.toFixed(3),
    withdrawalElasticity: +p.withdrawalElasticity.toFixed(3),
    logSd: p.logSd,
  };
}

/** The model's factor bar by bar along a file's signals (liquidation velocity unobserved: 0). */
function modelPath(fm: FileMeasure, p: StaticParams, halfLifeMs: number): Float64Array {
  const cfg: LiquidityProvidersConfig = {
    enabled: true,
    groupCount: 64,
    mobileDepthShare: p.mobileDepthShare,
    drawdownThreshold: { median: p.drawdownMedian, logSd: p.logSd },
    volRatioExcessThreshold: { median: p.volRatioExcessMedian, logSd: p.logSd },
    liquidationQuotePerMinThreshold: { median: Infinity, logSd: 0 },
    withdrawalElasticity: p.withdrawalElasticity,
    recoveryHalfLifeMs: halfLifeMs,
  };
  const lp = new LiquidityProviders(cfg, new Rng(1));
  const s = makeStressSignals();
  const out = new Float64Array(fm.f.n);
  for (let i = 0; i < fm.f.n; i++) {
    s.drawdown = fm.dd[i];
    s.volRatio = fm.vr[i];
    out[i] = lp.depthFactor(i, i > 0 ? fm.time[i] - fm.time[i - 1] : 0, s);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();

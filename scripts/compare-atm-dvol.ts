/**
 * The ATM vol the model infers without an IV index, set against Deribit's
 * DVOL on the BTC crashes DVOL covers (it starts in March 2021). The level
 * is the engine's own (`atm_vol`: the slow realised vol times a premium,
 * times 1 + atmPerDrawdown · drawdown, within [minVol, maxVol];
 * src/market/marketState.ts, src/surface/dynamics.ts), from a run with no
 * dealer and no protocol on the crash's real hourly bars over the catalog
 * window: nothing moves the price, so the run sees the history.
 *
 *   CASCADE_DATA_DIR=/path/to/data npx tsx scripts/compare-atm-dvol.ts
 *
 * Prints, for the defaults and the best point of a grid of premium,
 * half-life and atmPerDrawdown: the RMS of ln(level / DVOL) at each DVOL
 * daily close, the level's peak against DVOL's, and the share of hours at
 * the cap. Reads only; writes nothing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateScenario } from '../src/config/load.js';
import { MS_PER_DAY } from '../src/core/time.js';
import { loadIvSeries } from '../src/data/csv/loadIv.js';
import { crashWindowMs, getCrash } from '../src/data/catalog.js';
import { runBacktest } from '../src/runner/backtest.js';
import { prepareRunData } from '../src/runner/prepareData.js';

/** Crash → hourly BTC file of the catalog's measurement (PROVENANCE.md). */
const FILES: Record<string, string> = {
  'btc-2021-05-19': 'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv',
  'luna-2022-05': 'crypto_ohlc/btcusd_bitstamp_1h_2022-05-10.csv',
  'ftx-2022-11': 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv',
  'yen-carry-2024-08-05': 'crypto_ohlc/btcusdt_binance_spot_1h_2024-08-05.csv',
  'btc-2025-10-10': 'crypto_ohlc/btcusdt_binance_spot_1h_2025-10-10.csv',
};
const DVOL_FILE = 'implied_vol/btc_dvol_deribit_daily_2021-03-24_2026-04-20.csv';

export interface Params {
  readonly premium: number;
  readonly halfLifeHours: number;
  readonly atmPerDrawdown: number;
}

/** The schema's defaults (surface.atm.premium, realisedHalfLifeHours; surface.stress.atmPerDrawdown). */
export const DEFAULTS: Params = { premium: 1.1, halfLifeHours: 72, atmPerDrawdown: 0.5 };

export interface Crash {
  readonly name: string;
  /** The hourly bar file, absolute. */
  readonly file: string;
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** A level series beside DVOL: bar start times, the level in force at each, the bar length. */
export interface Levels {
  readonly time: Float64Array;
  readonly atm: Float64Array;
  readonly barMs: number;
}

export interface Score {
  /** Σ ln(level / DVOL)² and how many daily closes it sums. */
  readonly sumSq: number;
  readonly points: number;
  readonly peak: number;
  readonly dvolPeak: number;
  /** Share of the bars with the level at `cap`. */
  readonly capShare: number;
}

/** The engine's ATM level, bar by bar, on the crash's bars with no dealer and no protocol. */
export function engineLevels(c: Crash, p: Params): Levels {
  const scenario = validateScenario({
    name: `atm-${c.name}`,
    data: { bars: { source: 'file', path: c.file }, window: { start: c.windowStart, end: c.windowEnd } },
    dealer: { inventory: { kind: 'none' } },
    surface: { atm: { premium: p.premium, realisedHalfLifeHours: p.halfLifeHours }, stress: { atmPerDrawdown: p.atmPerDrawdown } },
  });
  const prepared = prepareRunData(scenario, process.cwd());
  const run = runBacktest(scenario, prepared.data, process.cwd());
  const time = run.recorder.get('time');
  return { time, atm: run.recorder.get('atm_vol'), barMs: time[1] - time[0] };
}

/**
 * The level against DVOL's daily closes: DVOL's row for a day holds the
 * day's close (its date is the candle's start), so it is set against the
 * level in force at the day's last bar.
 */
export function scoreAgainstDvol(l: Levels, dvol: ReadonlyMap<number, number>, cap: number): Score {
  let sumSq = 0;
  let points = 0;
  let peak = 0;
  let dvolPeak = 0;
  let atCap = 0;
  for (let i = 0; i < l.atm.length; i++) {
    if (l.atm[i] >= cap) atCap++;
    peak = Math.max(peak, l.atm[i]);
    const dayStart = Math.floor(l.time[i] / MS_PER_DAY) * MS_PER_DAY;
    if (l.time[i] + l.barMs !== dayStart + MS_PER_DAY) continue;
    const d = dvol.get(dayStart);
    if (d === undefined) continue;
    dvolPeak = Math.max(dvolPeak, d);
    const e = Math.log(l.atm[i] / d);
    sumSq += e * e;
    points++;
  }
  return { sumSq, points, peak, dvolPeak, capShare: atCap / l.atm.length };
}

export interface Fit {
  readonly rmsLog: number;
  readonly points: number;
  readonly perCrash: Array<{ name: string; rmsLog: number; modelPeak: number; dvolPeak: number; capShare: number }>;
}

export function fit(crashes: readonly Crash[], dvol: ReadonlyMap<number, number>, p: Params): Fit {
  let sq = 0;
  let n = 0;
  const perCrash = crashes.map((c) => {
    const s = scoreAgainstDvol(engineLevels(c, p), dvol, MAX_VOL);
    sq += s.sumSq;
    n += s.points;
    return { name: c.name, rmsLog: Math.sqrt(s.sumSq / s.points), modelPeak: s.peak, dvolPeak: s.dvolPeak, capShare: s.capShare };
  });
  return { rmsLog: Math.sqrt(sq / n), points: n, perCrash };
}

/** The schema's default cap (surface.atm.maxVol). */
const MAX_VOL = 2;

/** The five crashes' files and windows, and DVOL's daily closes (decimal) by day. */
export function loadCrashes(dir: string): { crashes: Crash[]; dvol: Map<number, number> } {
  const iv = loadIvSeries(join(dir, DVOL_FILE));
  const dvol = new Map<number, number>();
  for (let i = 0; i < iv.length; i++) dvol.set(iv.time[i], iv.value[i] / 100);
  const crashes = Object.entries(FILES).map(([name, rel]) => {
    const c = getCrash(name);
    crashWindowMs(c); // refuses a malformed window here, before any run
    return { name, file: join(dir, rel), windowStart: c.windowStart, windowEnd: c.windowEnd };
  });
  return { crashes, dvol };
}

/** The grid point with the lowest RMS log error (the defaults if none beats them). */
export function bestOnGrid(crashes: readonly Crash[], dvol: ReadonlyMap<number, number>): { p: Params; rms: number } {
  let best = { p: DEFAULTS, rms: fit(crashes, dvol, DEFAULTS).rmsLog };
  for (const premium of [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]) {
    for (const halfLifeHours of [24, 72, 168, 336, 720]) {
      for (const atmPerDrawdown of [0, 0.25, 0.5, 1, 2]) {
        const p = { premium, halfLifeHours, atmPerDrawdown };
        const rms = fit(crashes, dvol, p).rmsLog;
        if (rms < best.rms) best = { p, rms };
      }
    }
  }
  return best;
}

function main(): void {
  const dir = process.env.CASCADE_DATA_DIR;
  if (!dir) {
    console.error('set CASCADE_DATA_DIR to the folder holding crypto_ohlc/ and implied_vol/ (the team data folder)');
    process.exit(2);
  }
  const { crashes, dvol } = loadCrashes(dir);
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const show = (label: string, p: Params): void => {
    const f = fit(crashes, dvol, p);
    console.log(`${label}: premium ${p.premium}, half-life ${p.halfLifeHours} h, atmPerDrawdown ${p.atmPerDrawdown}: RMS ln(level/DVOL) ${f.rmsLog.toFixed(3)} over ${f.points} daily closes`);
    for (const c of f.perCrash) {
      console.log(`  ${c.name.padEnd(22)} RMS ${c.rmsLog.toFixed(3)}  peak level ${pct(c.modelPeak)} / DVOL ${pct(c.dvolPeak)}  hours at the ${pct(MAX_VOL)} cap ${pct(c.capShare)}`);
    }
  };
  show('defaults', DEFAULTS);
  show('best on the grid', bestOnGrid(crashes, dvol).p);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();

/**
 * The ATM vol the model infers without an IV index, set against Deribit's
 * DVOL on the BTC crashes DVOL covers (it starts in March 2021). The model's
 * level is the slow realised vol of the bars so far times a premium, times
 * (1 + atmPerDrawdown · drawdown), within [minVol, maxVol]
 * (src/market/marketState.ts, src/surface/dynamics.ts); here it runs on the
 * historical hourly closes, as a run with no inventory sees them. Each
 * crash's realised vol starts at the scenario's prior (0.6) at the catalog
 * window's start; the first day (the runs' warm-up) is not compared.
 *
 *   CASCADE_DATA_DIR=/path/to/data npx tsx scripts/compare-atm-dvol.ts
 *
 * Prints, for the defaults and for a grid of premium, half-life and
 * atmPerDrawdown: the RMS of ln(model / DVOL) at each DVOL daily close,
 * the model's peak against DVOL's, and the share of hours at the cap.
 * Reads only; writes nothing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getCrash, crashWindowMs } from '../src/data/catalog.js';
import { loadBars } from '../src/data/csv/load.js';
import { loadIvSeries } from '../src/data/csv/loadIv.js';
import { MS_PER_DAY, MS_PER_HOUR } from '../src/core/time.js';
import { RealisedVol } from '../src/market/realisedVol.js';

/** Crash → hourly BTC file of the catalog's measurement (PROVENANCE.md). */
const FILES: Record<string, string> = {
  'btc-2021-05-19': 'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv',
  'luna-2022-05': 'crypto_ohlc/btcusd_bitstamp_1h_2022-05-10.csv',
  'ftx-2022-11': 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv',
  'yen-carry-2024-08-05': 'crypto_ohlc/btcusdt_binance_spot_1h_2024-08-05.csv',
  'btc-2025-10-10': 'crypto_ohlc/btcusdt_binance_spot_1h_2025-10-10.csv',
};
const DVOL_FILE = 'implied_vol/btc_dvol_deribit_daily_2021-03-24_2026-04-20.csv';
const PRIOR_VOL = 0.6;
const MIN_VOL = 0.05;
const MAX_VOL = 2;
/** The schema's defaults (surface.atm.premium, realisedHalfLifeHours; surface.stress.atmPerDrawdown). */
export const DEFAULTS: Params = { premium: 1.1, halfLifeHours: 72, atmPerDrawdown: 0.5 };

export interface Params {
  readonly premium: number;
  readonly halfLifeHours: number;
  readonly atmPerDrawdown: number;
}

export interface Crash {
  readonly name: string;
  readonly time: Float64Array;
  readonly close: Float64Array;
  /** DVOL close (decimal) by the day's start, epoch ms. */
  readonly dvol: Map<number, number>;
  readonly startMs: number;
}

/** Hour by hour, the level a run's surface would use at each bar start. */
export function modelAtm(c: Crash, p: Params): Float64Array {
  const barMs = c.time[1] - c.time[0];
  const slow = new RealisedVol(p.halfLifeHours * MS_PER_HOUR, barMs, PRIOR_VOL);
  const out = new Float64Array(c.close.length);
  let peak = 0;
  for (let i = 0; i < c.close.length; i++) {
    const mid = c.close[i];
    if (mid > peak) peak = mid;
    const dd = (peak - mid) / peak;
    let atm = Math.max(MIN_VOL, slow.value() * p.premium) * (1 + p.atmPerDrawdown * dd);
    if (atm > MAX_VOL) atm = MAX_VOL;
    out[i] = atm;
    if (i + 1 < c.close.length) slow.update(Math.log(c.close[i + 1] / mid));
  }
  return out;
}

export interface Fit {
  readonly rmsLog: number;
  readonly points: number;
  readonly perCrash: Array<{ name: string; rmsLog: number; modelPeak: number; dvolPeak: number; capShare: number }>;
}

export function fit(crashes: readonly Crash[], p: Params): Fit {
  let sq = 0;
  let n = 0;
  const perCrash = crashes.map((c) => {
    const atm = modelAtm(c, p);
    let csq = 0;
    let cn = 0;
    let modelPeak = 0;
    let dvolPeak = 0;
    let atCap = 0;
    let counted = 0;
    for (let i = 0; i < atm.length; i++) {
      if (c.time[i] < c.startMs + MS_PER_DAY) continue; // the warm-up day
      counted++;
      if (atm[i] >= MAX_VOL) atCap++;
      modelPeak = Math.max(modelPeak, atm[i]);
      // DVOL's daily close is the day's last value: compare the model's level at the day's last hour.
      const dayStart = Math.floor(c.time[i] / MS_PER_DAY) * MS_PER_DAY;
      if (c.time[i] + (c.time[1] - c.time[0]) !== dayStart + MS_PER_DAY) continue;
      const d = c.dvol.get(dayStart);
      if (d === undefined) continue;
      dvolPeak = Math.max(dvolPeak, d);
      const e = Math.log(atm[i] / d);
      csq += e * e;
      cn++;
    }
    sq += csq;
    n += cn;
    return { name: c.name, rmsLog: Math.sqrt(csq / cn), modelPeak, dvolPeak, capShare: atCap / counted };
  });
  return { rmsLog: Math.sqrt(sq / n), points: n, perCrash };
}

/** The five crashes' hourly closes inside their catalog windows, with DVOL by day. */
export function loadCrashes(dir: string): Crash[] {
  const iv = loadIvSeries(join(dir, DVOL_FILE));
  const dvol = new Map<number, number>();
  for (let i = 0; i < iv.length; i++) dvol.set(iv.time[i], iv.value[i] / 100);
  return Object.entries(FILES).map(([name, rel]) => {
    const { startMs, endMs } = crashWindowMs(getCrash(name));
    const bars = loadBars(join(dir, rel), { symbol: name }).series;
    let a = 0;
    while (a < bars.length && bars.time[a] < startMs) a++;
    let b = a;
    while (b < bars.length && bars.time[b] < endMs) b++;
    return { name, time: bars.time.slice(a, b), close: bars.close.slice(a, b), dvol, startMs };
  });
}

/** The grid point with the lowest RMS log error. */
export function bestOnGrid(crashes: readonly Crash[]): { p: Params; rms: number } {
  let best = { p: DEFAULTS, rms: fit(crashes, DEFAULTS).rmsLog };
  for (const premium of [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]) {
    for (const halfLifeHours of [24, 72, 168, 336, 720]) {
      for (const atmPerDrawdown of [0, 0.25, 0.5, 1, 2]) {
        const p = { premium, halfLifeHours, atmPerDrawdown };
        const rms = fit(crashes, p).rmsLog;
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
  const crashes = loadCrashes(dir);
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const show = (label: string, p: Params): void => {
    const f = fit(crashes, p);
    console.log(`${label}: premium ${p.premium}, half-life ${p.halfLifeHours} h, atmPerDrawdown ${p.atmPerDrawdown}: RMS ln(model/DVOL) ${f.rmsLog.toFixed(3)} over ${f.points} daily closes`);
    for (const c of f.perCrash) {
      console.log(`  ${c.name.padEnd(22)} RMS ${c.rmsLog.toFixed(3)}  peak model ${pct(c.modelPeak)} / DVOL ${pct(c.dvolPeak)}  hours at the ${pct(MAX_VOL)} cap ${pct(c.capShare)}`);
    }
  };
  show('defaults', DEFAULTS);
  show('best on the grid', bestOnGrid(crashes).p);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();

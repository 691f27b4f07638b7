/**
 * Measures each catalog crash on the real files in CASCADE_DATA_DIR and
 * derives crash-generator parameters that reproduce it; writes both into
 * data/crashes.json. This is the only code that reads real data: the catalog
 * keeps derived numbers only, no third-party rows.
 *
 *   CASCADE_DATA_DIR=/path/to/data npx tsx scripts/measure-crashes.ts [--check]
 *
 * --check recomputes everything and exits non-zero if the catalog differs
 * (for CI with the data mounted) instead of writing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseIsoUtc, formatIsoUtc, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_YEAR } from '../src/core/time.js';
import { barIntervalMs } from '../src/data/bars.js';
import { DEFAULT_CATALOG_PATH, parseCatalog } from '../src/data/catalog.js';
import { measureCrash, type BarArrays } from '../src/data/synthetic/measure.js';
import { calibrateCrashParams, calibrationGrid, median, pathSpread, type CalibrationTarget } from '../src/data/synthetic/calibrate.js';

/** Which real file each crash is measured on (PROVENANCE.md); all in the normalized layout. */
const FILES: Record<string, string> = {
  'black-monday-1987': 'equity_index/sp500_gspc_yahoo_daily_1987-09-01_1987-12-31.csv',
  'btc-2020-03-12': 'crypto_ohlc/btcusdt_binance_spot_1h_2020-03-12.csv',
  'btc-2021-05-19': 'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv',
  'luna-2022-05': 'crypto_ohlc/btcusd_bitstamp_1h_2022-05-10.csv',
  'ftx-2022-11': 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv',
  'yen-carry-2024-08-05': 'crypto_ohlc/btcusdt_binance_spot_1h_2024-08-05.csv',
  'btc-2025-10-10': 'crypto_ohlc/btcusdt_binance_spot_1h_2025-10-10.csv',
};
/** Files whose volume column is quote currency (PROVENANCE.md, Known quirks); divided by close to get base units. */
const QUOTE_VOLUME_FILES = new Set(['crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv', 'crypto_ohlc/ethusd_bitstamp_1h_2020-03-12.csv']);

/** Sub-steps of 5 minutes at any bar size, so high/low resolution is the same for hourly and daily crashes. */
const SUBSTEP_MINUTES = 5;
const CALIBRATION_SEED_FIRST = 0;
const CALIBRATION_SEED_COUNT = 128;
const BRANCHING_RATIO_ASSUMED = 0.5;
const JUMPS_PER_WORST_BAR = 3;

interface Bars extends BarArrays {
  volume: Float64Array;
}

function readBars(dir: string, rel: string, startMs: number, endMs: number): Bars {
  const file = join(dir, rel);
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  const kept = rows
    .map((r, i) => ({ r, line: i + 2 }))
    .filter(({ r, line }) => {
      const t = parseIsoUtc(r.timestamp, { file, line, field: 'timestamp' });
      return t >= startMs && t < endMs;
    });
  const n = kept.length;
  const b = {
    length: n,
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  kept.forEach(({ r, line }, i) => {
    b.time[i] = parseIsoUtc(r.timestamp, { file, line, field: 'timestamp' });
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      const v = Number(r[k]);
      if (!Number.isFinite(v)) throw new Error(`${file}:${line}: field '${k}': not a number: '${r[k]}'`);
      b[k][i] = v;
    }
    if (QUOTE_VOLUME_FILES.has(rel)) b.volume[i] /= b.close[i];
  });
  if (n < 10) throw new Error(`${file}: only ${n} bars inside the window`);
  return b;
}

const sig = (x: number, d = 6): number => (x === 0 ? 0 : Number(x.toPrecision(d)));

function main(): void {
  const dir = process.env.CASCADE_DATA_DIR;
  if (!dir) {
    console.error('set CASCADE_DATA_DIR to the folder holding crypto_ohlc/ and equity_index/ (the team data folder)');
    process.exit(2);
  }
  const check = process.argv.includes('--check');
  const text = readFileSync(DEFAULT_CATALOG_PATH, 'utf8');
  const raw = JSON.parse(text) as { crashes: Array<Record<string, unknown>> };

  for (const entry of raw.crashes) {
    const name = entry.name as string;
    const rel = FILES[name];
    if (!rel) throw new Error(`no real file mapped for crash '${name}'`);
    const startMs = parseIsoUtc(entry.windowStart as string);
    const endMs = parseIsoUtc(entry.windowEnd as string);
    const bars = readBars(dir, rel, startMs, endMs);
    const barMs = barIntervalMs(bars);
    const barMinutes = barMs / MS_PER_MINUTE;
    const barHours = barMs / MS_PER_HOUR;
    const st = measureCrash(bars);
    const perYear = Math.sqrt(MS_PER_YEAR / barMs);
    const preVol = new Float64Array(st.peakIndex + 1);
    for (let i = 0; i <= st.peakIndex; i++) preVol[i] = bars.volume[i] / barHours;
    const measured = {
      file: rel,
      barMinutes,
      bars: bars.length,
      startPrice: bars.open[0],
      peakTime: formatIsoUtc(st.peakTimeMs),
      peakPrice: st.peakPrice,
      troughTime: formatIsoUtc(st.troughTimeMs),
      troughPrice: st.troughPrice,
      drawdown: sig(st.drawdown),
      peakToTroughHours: st.peakToTroughHours,
      preCrashVolPerBar: sig(st.preCrashVolPerBar),
      preCrashReturns: st.preCrashReturns,
      crashVolPerBar: sig(st.crashVolPerBar),
      crashReturns: st.crashReturns,
      outsideCrashVolPerBar: sig(st.outsideCrashVolPerBar),
      preCrashVolPerYear: sig(st.preCrashVolPerBar * perYear),
      crashVolPerYear: sig(st.crashVolPerBar * perYear),
      worstBarReturn: sig(st.worstBarReturn),
      worstBarTime: formatIsoUtc(st.worstBarTimeMs),
      recoveredFractionAtEnd: sig(st.recoveredFractionAtEnd),
      hoursToHalfRecovery: Number.isFinite(st.hoursToHalfRecovery) ? st.hoursToHalfRecovery : null,
      baseVolumePerHour: sig(median(preVol)),
    };
    // Calibrate to the stored (rounded) numbers, so anyone can re-derive the params from the catalog alone.
    const target: CalibrationTarget = {
      windowStartMs: startMs,
      windowEndMs: endMs,
      barMinutes,
      startPrice: measured.startPrice,
      baseVolumePerHour: measured.baseVolumePerHour,
      drawdown: measured.drawdown,
      peakTimeMs: st.peakTimeMs,
      peakToTroughHours: measured.peakToTroughHours,
      preCrashVolPerBar: measured.preCrashVolPerBar,
      preCrashReturns: measured.preCrashReturns,
      outsideCrashVolPerBar: measured.outsideCrashVolPerBar,
      crashVolPerBar: measured.crashVolPerBar,
      worstBarReturn: measured.worstBarReturn,
      recoveredFractionAtEnd: measured.recoveredFractionAtEnd,
      hoursToHalfRecovery: measured.hoursToHalfRecovery ?? Number.NaN,
    };
    const stepsPerBar = Math.max(1, Math.round(barMinutes / SUBSTEP_MINUTES));
    const seeds = Array.from({ length: CALIBRATION_SEED_COUNT }, (_, i) => CALIBRATION_SEED_FIRST + i);
    const cal = calibrateCrashParams(target, { stepsPerBar, seeds, branchingRatio: BRANCHING_RATIO_ASSUMED, jumpsPerWorstBar: JUMPS_PER_WORST_BAR });
    const spread = pathSpread(cal.params, calibrationGrid(target, stepsPerBar), seeds, measured);
    entry.measured = measured;
    entry.synthetic = {
      generator: 'crash',
      params: cal.params,
      calibration: {
        barMinutes,
        stepsPerBar,
        seedFirst: CALIBRATION_SEED_FIRST,
        seedCount: CALIBRATION_SEED_COUNT,
        branchingRatioAssumed: BRANCHING_RATIO_ASSUMED,
        jumpsPerWorstBar: JUMPS_PER_WORST_BAR,
        jumpScale: cal.jumpScale,
        achieved: {
          drawdown: sig(cal.achieved.drawdown),
          peakToTroughHours: sig(cal.achieved.peakToTroughHours),
          preCrashVolPerBar: sig(cal.achieved.preCrashVolPerBar),
          crashVolPerBar: sig(cal.achieved.crashVolPerBar),
          worstBarReturn: sig(cal.achieved.worstBarReturn),
        },
        method:
          'closed-form mapping in src/data/synthetic/calibrate.ts, then the jump log-size mean and std scaled together by jumpScale so the median drawdown over the calibration seeds equals the measured one',
        representative: {
          seed: spread.representative.seed,
          drawdown: sig(spread.representative.drawdown),
          peakToTroughHours: sig(spread.representative.peakToTroughHours),
          worstBarReturn: sig(spread.representative.worstBarReturn),
        },
        drawdownP10: sig(spread.drawdownP10),
        drawdownP90: sig(spread.drawdownP90),
      },
    };
    console.log(
      [
        name.padEnd(22),
        `dd ${(st.drawdown * 100).toFixed(1)}% (${st.peakPrice} -> ${st.troughPrice})`,
        `p2t ${st.peakToTroughHours}h`,
        `vol/bar pre ${(st.preCrashVolPerBar * 100).toFixed(2)}% crash ${(st.crashVolPerBar * 100).toFixed(2)}%`,
        `worst ${(st.worstBarReturn * 100).toFixed(2)}%`,
        `| sim median dd ${(cal.achieved.drawdown * 100).toFixed(1)}% p2t ${cal.achieved.peakToTroughHours}h crash vol ${(cal.achieved.crashVolPerBar * 100).toFixed(2)}% worst ${(cal.achieved.worstBarReturn * 100).toFixed(2)}% (scale ${cal.jumpScale})`,
        `| seed ${spread.representative.seed}: dd ${(spread.representative.drawdown * 100).toFixed(1)}% p2t ${spread.representative.peakToTroughHours}h worst ${(spread.representative.worstBarReturn * 100).toFixed(2)}%; dd p10-p90 ${(spread.drawdownP10 * 100).toFixed(1)}-${(spread.drawdownP90 * 100).toFixed(1)}%`,
      ].join('  '),
    );
  }
  const out = `${JSON.stringify(raw, null, 2)}\n`;
  parseCatalog(JSON.parse(out), DEFAULT_CATALOG_PATH); // refuse to write a catalog the loader would reject
  if (check) {
    if (out !== text) {
      console.error(`${DEFAULT_CATALOG_PATH}: differs from what the real data gives; rerun without --check`);
      process.exit(1);
    }
    console.log('catalog matches the real data');
    return;
  }
  writeFileSync(DEFAULT_CATALOG_PATH, out);
  console.log(`wrote ${DEFAULT_CATALOG_PATH}`);
}

main();

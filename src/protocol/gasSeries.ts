/**
 * Ethereum gas prices per fixed bucket (the stablesims 10-minute files,
 * PROVENANCE.md section 4), as typed arrays in gwei with an as-of lookup.
 *
 * No look-ahead: a row stamped T describes the transactions of the bucket
 * that starts at T, so it is known only when the bucket closes. A row becomes
 * visible at T + publishLagMs (default: the file's own bucket interval). If
 * the stamps were bucket ends instead, this only makes keepers react one
 * bucket late, never early.
 */
import { DataError } from '../core/errors.js';
import { loadNumericTable, parseNumericTable, type NumericTable } from '../data/csv/numericTable.js';

export type GasField = 'avg' | 'p30' | 'p60' | 'p90' | 'max';

const COLUMNS: Record<GasField, string> = {
  avg: 'avg_gas_wei',
  p30: 'p30_gas_wei',
  p60: 'p60_gas_wei',
  p90: 'p90_gas_wei',
  max: 'max_gas_wei',
};
const TX_COUNT = 'tx_count';
const WEI_PER_GWEI = 1e9;

export interface GasSeries {
  readonly file: string;
  readonly length: number;
  /** Row stamps (bucket starts), epoch ms. */
  readonly time: Float64Array;
  /** When each row becomes known: stamp + publish lag, epoch ms. */
  readonly availableMs: Float64Array;
  /** Bucket interval read off the file (median spacing), ms. */
  readonly intervalMs: number;
  /** Rows older than this (as seen from the query time) count as missing: NaN. */
  readonly maxStaleMs: number;
  readonly txCount: Float64Array;
  /** Gas prices per field, gwei. */
  readonly gwei: Readonly<Record<GasField, Float64Array>>;
  /**
   * Median of the field over the `medianWindowRows` rows up to and including
   * each row (only past rows: usable as a "normal gas" level without
   * look-ahead), gwei.
   */
  readonly trailingMedianGwei: Readonly<Record<GasField, Float64Array>>;
}

export interface GasSeriesOptions {
  /** Delay from a row's stamp to its visibility, ms. Default: the file's interval. */
  publishLagMs?: number;
  /** Lookups further than this past a row's visibility return NaN, ms. Default: 3 intervals. */
  maxStaleMs?: number;
  /** Rows in the trailing median. Default 36 (6 hours of 10-minute rows). */
  medianWindowRows?: number;
}

export function loadGasSeries(path: string, opts: GasSeriesOptions = {}): GasSeries {
  return gasSeriesFromTable(loadNumericTable(path, { timeColumn: 'timestamp' }), opts);
}

export function parseGasSeries(text: string, file: string, opts: GasSeriesOptions = {}): GasSeries {
  return gasSeriesFromTable(parseNumericTable(text, file, { timeColumn: 'timestamp' }), opts);
}

function gasSeriesFromTable(t: NumericTable, opts: GasSeriesOptions): GasSeries {
  const file = t.file;
  const headerLine = t.length > 0 ? t.lines[0] - 1 : 1;
  const col = (name: string): Float64Array => {
    const c = t.columns.get(name);
    if (!c) throw new DataError(`missing column '${name}' (gas files need timestamp,tx_count,${Object.values(COLUMNS).join(',')})`, { file, line: headerLine, field: name });
    return c;
  };
  if (t.length < 2) throw new DataError(`need at least 2 rows to tell the bucket interval, got ${t.length}`, { file, line: headerLine });
  const n = t.length;
  const txCount = col(TX_COUNT);
  const wei = {} as Record<GasField, Float64Array>;
  for (const f of Object.keys(COLUMNS) as GasField[]) wei[f] = col(COLUMNS[f]);

  for (let i = 0; i < n; i++) {
    const line = t.lines[i];
    if (txCount[i] < 0 || !Number.isInteger(txCount[i])) throw new DataError(`transaction count must be a whole number ≥ 0, got ${txCount[i]}`, { file, line, field: TX_COUNT });
    for (const f of Object.keys(COLUMNS) as GasField[]) {
      if (!(wei[f][i] >= 0)) throw new DataError(`gas price must be ≥ 0 wei, got ${wei[f][i]}`, { file, line, field: COLUMNS[f] });
    }
    // Quantiles out of order mean shifted or mislabelled columns.
    if (!(wei.p30[i] <= wei.p60[i] && wei.p60[i] <= wei.p90[i] && wei.p90[i] <= wei.max[i])) {
      throw new DataError(
        `gas quantiles out of order: p30 ${wei.p30[i]} ≤ p60 ${wei.p60[i]} ≤ p90 ${wei.p90[i]} ≤ max ${wei.max[i]} does not hold`,
        { file, line, field: COLUMNS.p90 },
      );
    }
  }

  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = t.time[i] - t.time[i - 1];
  gaps.sort();
  const intervalMs = gaps[(gaps.length - 1) >> 1];

  const publishLagMs = opts.publishLagMs ?? intervalMs;
  if (!(publishLagMs >= 0)) throw new DataError(`publish lag must be ≥ 0 ms, got ${publishLagMs}`, { file, field: 'publishLagMs' });
  const maxStaleMs = opts.maxStaleMs ?? 3 * intervalMs;
  const window = opts.medianWindowRows ?? 36;
  if (!(window >= 1) || !Number.isInteger(window)) throw new DataError(`median window must be a whole number ≥ 1 of rows, got ${window}`, { file, field: 'medianWindowRows' });

  const availableMs = new Float64Array(n);
  for (let i = 0; i < n; i++) availableMs[i] = t.time[i] + publishLagMs;

  const gwei = {} as Record<GasField, Float64Array>;
  const trailingMedianGwei = {} as Record<GasField, Float64Array>;
  const scratch = new Float64Array(window);
  for (const f of Object.keys(COLUMNS) as GasField[]) {
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) g[i] = wei[f][i] / WEI_PER_GWEI;
    const med = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - window + 1);
      const k = i - lo + 1;
      const s = scratch.subarray(0, k);
      s.set(g.subarray(lo, i + 1));
      s.sort();
      med[i] = k % 2 === 1 ? s[k >> 1] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
    }
    gwei[f] = g;
    trailingMedianGwei[f] = med;
  }
  return { file, length: n, time: t.time, availableMs, intervalMs, maxStaleMs, txCount, gwei, trailingMedianGwei };
}

/**
 * Index of the last row visible at `timeMs` (availableMs ≤ timeMs), or −1 when
 * none is visible yet or the last visible one is staler than `maxStaleMs`.
 * Binary search: O(log n), stateless, so bar rollbacks need no bookkeeping.
 */
export function gasRowAsOf(s: GasSeries, timeMs: number): number {
  const a = s.availableMs;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= timeMs) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - 1;
  if (i < 0 || timeMs - a[i] > s.maxStaleMs) return -1;
  return i;
}

/** Gas price (gwei) of `field` known at `timeMs`; NaN when nothing is known. */
export function gasGweiAsOf(s: GasSeries, field: GasField, timeMs: number): number {
  const i = gasRowAsOf(s, timeMs);
  return i < 0 ? Number.NaN : s.gwei[field][i];
}

/** Trailing median (gwei) of `field` known at `timeMs`; NaN when nothing is known. */
export function gasMedianGweiAsOf(s: GasSeries, field: GasField, timeMs: number): number {
  const i = gasRowAsOf(s, timeMs);
  return i < 0 ? Number.NaN : s.trailingMedianGwei[field][i];
}

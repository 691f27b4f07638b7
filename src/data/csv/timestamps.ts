import { DataError } from '../../core/errors.js';
import { parseIsoUtc } from '../../core/time.js';

/**
 * How a file writes its times: ISO-8601 with a zone, a date alone (the
 * trading date at 00:00Z), or an epoch count in seconds, milliseconds or
 * microseconds.
 */
export type TimeUnit = 'iso' | 'date' | 's' | 'ms' | 'us';

const EPOCH = /^\d+(\.\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/*
 * Epoch unit by magnitude. Any real market timestamp after 1973-03-03 falls
 * in exactly one band: 1e8..1e11 s (to year 5138), 1e11..1e14 ms,
 * 1e14..1e17 µs. Below 1e8 the unit cannot be told (e.g. a YYYYMMDD date),
 * so such values are refused rather than guessed.
 */
const S_MIN = 1e8;
const MS_MIN = 1e11;
const US_MIN = 1e14;
const US_MAX = 1e17;

export interface ParsedTime {
  ms: number;
  unit: TimeUnit;
}

/** Parses one time field to epoch ms and reports the unit it was written in. */
export function parseTimeField(text: string, file: string, line: number, field: string, out: ParsedTime): void {
  const loc = { file, line, field };
  if (text === '') throw new DataError('empty field', loc);
  if (EPOCH.test(text)) {
    const v = Number(text);
    if (v < S_MIN) throw new DataError(`epoch value ${text} is too small to tell its unit (s/ms/µs); expected a time after 1973`, loc);
    if (v < MS_MIN) { out.ms = v * 1000; out.unit = 's'; return; }
    if (v < US_MIN) { out.ms = v; out.unit = 'ms'; return; }
    if (v < US_MAX) { out.ms = v / 1000; out.unit = 'us'; return; }
    throw new DataError(`epoch value ${text} is too large for seconds, milliseconds or microseconds`, loc);
  }
  out.ms = parseIsoUtc(text, loc);
  out.unit = DATE_ONLY.test(text) ? 'date' : 'iso';
}

const UNIT_NAME: Record<TimeUnit, string> = {
  iso: 'ISO-8601 date-time',
  date: 'date only',
  s: 'epoch seconds',
  ms: 'epoch milliseconds',
  us: 'epoch microseconds',
};

export function describeTimeUnit(u: TimeUnit): string {
  return UNIT_NAME[u];
}

/**
 * Parses a column of time fields. One file must use one unit: Binance spot
 * klines switched from ms to µs in 2025, and a file stitched across the
 * switch would otherwise put bars 1000x apart.
 */
export function parseTimeColumn(
  fields: readonly string[],
  lines: ArrayLike<number>,
  file: string,
  field: string,
): { time: Float64Array; unit: TimeUnit } {
  const n = fields.length;
  const time = new Float64Array(n);
  const p: ParsedTime = { ms: 0, unit: 'iso' };
  let unit: TimeUnit | undefined;
  for (let i = 0; i < n; i++) {
    parseTimeField(fields[i], file, lines[i], field, p);
    if (unit === undefined) unit = p.unit;
    else if (p.unit !== unit) {
      throw new DataError(
        `mixed time units: this row is in ${describeTimeUnit(p.unit)}, earlier rows in ${describeTimeUnit(unit)}`,
        { file, line: lines[i], field },
      );
    }
    time[i] = p.ms;
  }
  return { time, unit: unit ?? 'iso' };
}

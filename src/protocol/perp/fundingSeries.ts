/**
 * A funding-rate history in Binance's USD-M `fundingRate` archive layout
 * (`calc_time,funding_interval_hours,last_funding_rate`: the time a funding
 * was settled, the interval it covered, and the rate as a fraction of
 * notional, positive when longs pay shorts).
 */
import { DataError } from '../../core/errors.js';
import { loadNumericTable, parseNumericTable, type NumericTable } from '../../data/csv/numericTable.js';

export interface FundingSeries {
  readonly file: string;
  readonly length: number;
  /** Settlement times, epoch ms, strictly increasing. */
  readonly time: Float64Array;
  /** Rate per settlement, fraction of notional (0.0001 = 0.01%). */
  readonly rate: Float64Array;
  readonly intervalHours: Float64Array;
}

const TIME = 'calc_time';
const RATE = 'last_funding_rate';
const INTERVAL = 'funding_interval_hours';
/** No venue has settled a rate of 100% of notional; a value this large is a unit slip (percent written as a fraction). */
const MAX_ABS_RATE = 1;

export function loadFundingSeries(path: string): FundingSeries {
  return fromTable(loadNumericTable(path, { timeColumn: TIME }));
}

export function parseFundingSeries(text: string, file: string): FundingSeries {
  return fromTable(parseNumericTable(text, file, { timeColumn: TIME }));
}

function fromTable(t: NumericTable): FundingSeries {
  const file = t.file;
  const headerLine = t.length > 0 ? t.lines[0] - 1 : 1;
  const col = (name: string): Float64Array => {
    const c = t.columns.get(name);
    if (!c) throw new DataError(`missing column '${name}' (funding files need ${TIME},${INTERVAL},${RATE})`, { file, line: headerLine, field: name });
    return c;
  };
  const rate = col(RATE);
  const intervalHours = col(INTERVAL);
  if (t.length === 0) throw new DataError('no funding rows', { file, line: headerLine });
  for (let i = 0; i < t.length; i++) {
    const line = t.lines[i];
    if (!(Math.abs(rate[i]) < MAX_ABS_RATE)) {
      throw new DataError(`funding rate ${rate[i]} is not a fraction of notional below 1 in size (a percent written as a fraction?)`, { file, line, field: RATE });
    }
    if (!(intervalHours[i] > 0)) throw new DataError(`funding interval must be > 0 hours, got ${intervalHours[i]}`, { file, line, field: INTERVAL });
    if (i > 0 && !(t.time[i] > t.time[i - 1])) throw new DataError('duplicate settlement time (rows must be strictly increasing)', { file, line, field: TIME });
  }
  return { file, length: t.length, time: t.time, rate, intervalHours };
}

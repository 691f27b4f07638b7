import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { parseBars } from '../../src/data/csv/loadBars.js';
import { parseIvSeries } from '../../src/data/csv/loadIv.js';

const DIR = new URL('../fixtures/csv/bad/', import.meta.url);

/**
 * One row per bad fixture: the loader must refuse it with a DataError that
 * names the 1-based physical line, the field (when one is to blame) and a
 * reason. The fixtures are hand-made; the expected line was counted by hand
 * in each file.
 */
interface BadCase {
  file: string;
  line: number;
  field?: string;
  reason: string;
  loader?: 'bars' | 'iv';
}

const CASES: BadCase[] = [
  { file: 'empty_field.csv', line: 3, field: 'close', reason: 'empty field' },
  { file: 'non_numeric.csv', line: 4, field: 'volume', reason: "not a number: 'n/a'" },
  { file: 'hex_number.csv', line: 3, field: 'open', reason: "not a number: '0x69'" },
  { file: 'price_zero.csv', line: 3, field: 'low', reason: 'low must be a positive finite number, got 0' },
  { file: 'price_negative.csv', line: 2, field: 'open', reason: 'open must be a positive finite number, got -100' },
  { file: 'price_nonfinite.csv', line: 4, field: 'high', reason: "non-finite number '1e999'" },
  { file: 'negative_volume.csv', line: 3, field: 'volume', reason: 'negative volume -3' },
  { file: 'high_below_open.csv', line: 3, field: 'high', reason: 'high 108 < max(open 109, close 101)' },
  { file: 'low_above_close.csv', line: 4, field: 'low', reason: 'low 99 > min(open 101, close 98.5)' },
  { file: 'high_below_low.csv', line: 2, field: 'high', reason: 'high 90 < low 95' },
  { file: 'unsorted.csv', line: 4, field: 'timestamp', reason: 'unsorted timestamps: earlier than line 3' },
  { file: 'duplicate_timestamp.csv', line: 4, field: 'timestamp', reason: 'duplicate timestamp: same time as line 3' },
  { file: 'mixed_units_binance.csv', line: 3, field: 'open_time', reason: 'mixed time units: this row is in epoch microseconds, earlier rows in epoch milliseconds' },
  { file: 'mixed_units_iso_epoch.csv', line: 3, field: 'timestamp', reason: 'mixed time units' },
  { file: 'naive_timestamp.csv', line: 3, field: 'timestamp', reason: 'has no time zone' },
  { file: 'truncated_last_line.csv', line: 4, field: 'close', reason: 'truncated last line: 4 fields, header has 6 and the file does not end with a newline' },
  { file: 'truncated_last_line_newline.csv', line: 3, field: 'low', reason: 'truncated last line: 3 fields, header has 6' },
  { file: 'wrong_column_count.csv', line: 3, reason: 'wrong column count: expected 6 fields like the header, got 7' },
  { file: 'short_interior_row.csv', line: 3, reason: 'wrong column count: expected 6 fields like the header, got 4' },
  { file: 'blank_line.csv', line: 3, reason: 'blank line inside the data' },
  { file: 'unknown_layout.csv', line: 1, reason: "unknown layout: first lines are 'time,price,size" },
  { file: 'unknown_column.csv', line: 1, field: 'vwap', reason: "unknown column 'vwap'" },
  { file: 'epoch_too_small.csv', line: 2, field: 'timestamp', reason: 'too small to tell its unit' },
  { file: 'cdd_out_of_order.csv', line: 5, field: 'unix', reason: 'unsorted timestamps: file is newest first' },
  { file: 'header_only.csv', line: 1, reason: 'no data rows after the header' },
  { file: 'empty_file.csv', line: 1, reason: 'file is empty' },
  { file: 'taker_buy_above_volume.csv', line: 2, field: 'taker_buy_volume', reason: 'taker-buy volume 10.5 exceeds volume 10' },
  { file: 'binance_close_before_open.csv', line: 1, field: 'close_time', reason: 'close_time is not after open_time' },
  { file: 'unclosed_quote.csv', line: 3, reason: 'CSV syntax error in the record starting here: Quote Not Closed' },
  { file: 'iv_zero.csv', line: 3, field: 'value', reason: 'value must be a positive finite number, got 0', loader: 'iv' },
];

function load(c: BadCase): unknown {
  const text = readFileSync(new URL(c.file, DIR), 'utf8');
  try {
    if (c.loader === 'iv') parseIvSeries(text, c.file);
    else parseBars(text, c.file);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('bad CSV corpus: every defect is refused with file, line, field and reason', () => {
  it.each(CASES)('$file -> line $line: $reason', (c) => {
    const err = load(c);
    const ctx = JSON.stringify(c);
    expect(err, `no error for ${ctx}`).toBeInstanceOf(DataError);
    const e = err as DataError;
    expect(e.location.file, ctx).toBe(c.file);
    expect(e.location.line, `${ctx}: ${e.message}`).toBe(c.line);
    expect(e.location.field, `${ctx}: ${e.message}`).toBe(c.field);
    expect(e.reason, ctx).toContain(c.reason);
    // The one-line CLI message carries the location too.
    expect(e.message, ctx).toContain(`${c.file}:${c.line}`);
  });

  it('covers every file in the bad corpus (no fixture without a case)', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(DIR).filter((f) => f.endsWith('.csv')).sort();
    expect(files).toEqual(CASES.map((c) => c.file).sort());
  });

  it('a forced layout that does not fit says which header it saw', () => {
    const text = 'timestamp,open,high,low,close,volume\n2020-03-12T00:00:00Z,1,1,1,1,0\n';
    expect(() => parseBars(text, 'x.csv', { layout: 'yahoo' })).toThrow(/x\.csv:1: header does not match layout 'yahoo': saw 'timestamp,open,high,low,close,volume/);
  });
});

import { parse } from 'csv-parse/sync';
import { DataError } from '../../core/errors.js';

/**
 * The raw text of a CSV file split into records, each with the 1-based
 * physical line it sits on, so every later error can name that line.
 * No value is interpreted here.
 */
export interface RawTable {
  readonly file: string;
  /** Every record in file order, fields as written (quotes removed). */
  readonly records: string[][];
  /** Physical line of each record (the line the record ends on). */
  readonly lines: number[];
  readonly bomStripped: boolean;
  /** False when the last byte is not a newline: the last row may have been cut mid-write. */
  readonly endsWithNewline: boolean;
}

const BOM = '\uFEFF';

export function readRawTable(text: string, file: string): RawTable {
  const bomStripped = text.startsWith(BOM);
  const body = bomStripped ? text.slice(1) : text;
  if (body.trim() === '') throw new DataError('file is empty', { file, line: 1 });
  const lines: number[] = [];
  let records: string[][];
  try {
    // Column counts are checked by the caller against the header, so it can
    // tell a truncated last line from a malformed interior one. The context's
    // `lines` is the physical line the record ends on.
    records = parse(body, {
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n'],
      trim: true,
      on_record: (record: string[], ctx: { lines: number }) => {
        lines.push(ctx.lines);
        return record;
      },
    }) as string[][];
  } catch (e) {
    // Name the line where the broken record STARTS (e.g. where an unclosed
    // quote opened), not where the parser gave up, which may be end of file.
    const start = (lines.length > 0 ? lines[lines.length - 1] : 0) + 1;
    throw new DataError(`CSV syntax error in the record starting here: ${(e as Error).message ?? String(e)}`, { file, line: start });
  }
  return { file, records, lines, bomStripped, endsWithNewline: body.endsWith('\n') };
}

/**
 * Checks that every data record has exactly `width` fields. A short LAST
 * record is reported as truncated (a download cut mid-row), anything else
 * as a wrong column count; a blank line is named as such.
 */
export function checkColumnCounts(t: RawTable, firstDataIndex: number, width: number, header: readonly string[]): void {
  const last = t.records.length - 1;
  for (let i = firstDataIndex; i <= last; i++) {
    const n = t.records[i].length;
    if (n === width) continue;
    const loc = { file: t.file, line: t.lines[i] };
    if (n === 1 && t.records[i][0] === '') throw new DataError(`blank line inside the data (expected ${width} fields)`, loc);
    if (i === last && n < width) {
      const why = t.endsWithNewline ? '' : ' and the file does not end with a newline';
      throw new DataError(
        `truncated last line: ${n} fields, header has ${width}${why} (missing '${header[n] ?? '?'}' onward)`,
        { ...loc, field: header[n] },
      );
    }
    throw new DataError(`wrong column count: expected ${width} fields like the header, got ${n}`, loc);
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Strict decimal parse: `Number()` would accept '', ' ', '0x1F' and
 * 'Infinity', each of which is a data defect here.
 */
export function parseNumberField(text: string, file: string, line: number, field: string): number {
  if (text === '') throw new DataError('empty field', { file, line, field });
  if (!NUMBER.test(text)) throw new DataError(`not a number: '${text}'`, { file, line, field });
  const v = Number(text);
  if (!Number.isFinite(v)) throw new DataError(`non-finite number '${text}'`, { file, line, field });
  return v;
}

/** A table of numbers keyed by header name, with one time column (for non-bar files such as gas prices or pool reserves). */
export interface NumericTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly length: number;
  /** Epoch ms UTC of each row. */
  readonly time: Float64Array;
  /** Every non-time column, parsed as numbers. */
  readonly columns: ReadonlyMap<string, Float64Array>;
  /** Physical line of each row. */
  readonly lines: Int32Array;
}

import { closeSync, openSync, readSync } from 'node:fs';
import { Parser } from 'csv-parse';
import { DataError } from '../../core/errors.js';
import { describeErrno } from '../../core/files.js';

/**
 * CSV records delivered one at a time, so a loader can parse each into typed
 * arrays and keep nothing of the text: a year of 1-minute bars is 500 MB of
 * CSV, which as one JS string (and then as arrays of field strings) would cost
 * ten times the file and stop at V8's largest string. The same parser options
 * and the same line accounting as `readRawTable`, so errors name the same
 * lines whichever path read the file.
 */

/** Told of each record in file order: its fields (not kept by the caller after returning) and the physical line it ends on. */
export type RecordHandler = (record: string[], line: number) => void;

/** What the stream saw besides the records. */
export interface StreamReport {
  readonly bomStripped: boolean;
  /** False when the last byte is not a newline: the last row may have been cut mid-write. */
  readonly endsWithNewline: boolean;
  /** Records delivered. */
  readonly records: number;
}

/**
 * csv-parse's incremental core: the stream class runs it inside
 * `_transform`; here it is called directly, synchronously, chunk by chunk,
 * and returns its error instead of emitting it on a later tick.
 */
interface IncrementalParser {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: unknown) => void, close: () => void): Error | undefined;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A feed of byte chunks: returns the next chunk, or null at the end. */
export type ChunkSource = () => Buffer | null;

/** Chunks of a file, in order. */
export function fileChunks(path: string, chunkBytes = CHUNK_BYTES): { next: ChunkSource; close: () => void } {
  // The byte-order mark is recognised in the first chunk only.
  if (!(chunkBytes >= 3)) throw new RangeError(`chunkBytes must be at least 3, got ${chunkBytes}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new DataError(`cannot read file: ${describeErrno(err)}`, { file: path });
  }
  return {
    next: () => {
      // A fresh buffer per chunk: the parser keeps a view of an unfinished
      // record's bytes across calls, which a reused buffer would overwrite.
      const buf = Buffer.allocUnsafe(chunkBytes);
      const n = readSync(fd, buf, 0, chunkBytes, null);
      return n === 0 ? null : buf.subarray(0, n);
    },
    close: () => closeSync(fd),
  };
}

/** One buffer as a single chunk (text parsed in tests and by callers that hold it already). */
export function singleChunk(bytes: Buffer): ChunkSource {
  let given = false;
  return () => {
    if (given) return null;
    given = true;
    return bytes;
  };
}

/**
 * Parses the chunks as CSV and calls `onRecord` for each record. A syntax
 * error names the line where the broken record starts (e.g. where an
 * unclosed quote opened), not where the parser gave up.
 */
export function streamRecords(next: ChunkSource, file: string, onRecord: RecordHandler): StreamReport {
  let lastLine = 0;
  let count = 0;
  let sawText = false;
  const parser = new Parser({
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n'],
    trim: true,
    on_record: (record: string[], ctx: { lines: number }) => {
      lastLine = ctx.lines;
      count++;
      if (!sawText && (record.length > 1 || record[0] !== '')) sawText = true;
      onRecord(record, ctx.lines);
      return null;
    },
  });
  const api = (parser as unknown as { api: IncrementalParser }).api;
  const push = (): void => {};
  const close = (): void => {};
  let first = true;
  let bomStripped = false;
  let lastByte = -1;
  const fail = (e: Error): never => {
    if (e instanceof DataError) throw e;
    throw new DataError(`CSV syntax error in the record starting here: ${e.message}`, { file, line: lastLine + 1 });
  };
  for (let chunk = next(); chunk !== null; chunk = next()) {
    if (chunk.length === 0) continue;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk.subarray(0, 3).equals(BOM)) {
        bomStripped = true;
        chunk = chunk.subarray(3);
      }
    }
    if (chunk.length === 0) continue;
    lastByte = chunk[chunk.length - 1];
    let err: Error | undefined;
    try {
      err = api.parse(chunk, false, push, close);
    } catch (e) {
      err = e as Error;
    }
    if (err) fail(err);
  }
  let err: Error | undefined;
  try {
    err = api.parse(undefined, true, push, close);
  } catch (e) {
    err = e as Error;
  }
  if (err) fail(err);
  if (!sawText) throw new DataError('file is empty', { file, line: 1 });
  return { bomStripped, endsWithNewline: lastByte === 0x0a, records: count };
}

import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { DataError, type CascadeError, type ErrorLocation } from './errors.js';

/**
 * Every input file is checked before it is read: it must exist, be a regular
 * file (not a directory, device, pipe or socket: `/dev/zero` would be read
 * until memory runs out) and be readable, and it must be smaller than a
 * bound. The bounds are far above any real input and below what V8 can hold
 * as one string (about 512 MiB), so a mistake is refused at once instead of
 * after minutes of reading.
 */

/** CSV inputs (bars, IV, positions, gas, snapshots, dealer books): 512 MiB, V8's largest string. */
export const MAX_DATA_FILE_BYTES = 512 * 1024 * 1024;
/** Scenario and other JSON/YAML files written by hand: 16 MiB. */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

export interface InputFileOptions {
  /** What the file is, in messages ("file", "scenario file", "L2 snapshot"). Default "file". */
  readonly label?: string;
  /** Largest size accepted, bytes. Default MAX_DATA_FILE_BYTES. */
  readonly maxBytes?: number;
  /** The error class to throw (ConfigError for scenarios). Default DataError. */
  readonly error?: new (reason: string, loc?: ErrorLocation) => CascadeError;
  /** Extra location (e.g. the scenario field that named this path). */
  readonly field?: string;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'a directory, not a file',
};

/** `ENOENT (no such file)`: the code a user can search for, and what it means. */
export function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return (err as Error).message;
  return ERRNO_TEXT[code] !== undefined ? `${code} (${ERRNO_TEXT[code]})` : code;
}

/**
 * Checks `path` names a readable regular file within the size bound and
 * returns its stats; throws one located error otherwise.
 */
export function checkInputFile(path: string, opts: InputFileOptions = {}): Stats {
  const label = opts.label ?? 'file';
  const Err = opts.error ?? DataError;
  const loc: ErrorLocation = { file: path, ...(opts.field !== undefined ? { field: opts.field } : {}) };
  if (path === '') throw new Err(`cannot read ${label}: the path is empty`, opts.field !== undefined ? { field: opts.field } : {});
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new Err(`cannot read ${label}: ${describeErrno(err)}`, loc);
  }
  if (st.isDirectory()) throw new Err(`cannot read ${label}: EISDIR (${ERRNO_TEXT.EISDIR})`, loc);
  if (!st.isFile()) throw new Err(`cannot read ${label}: not a regular file (a device, pipe or socket)`, loc);
  const max = opts.maxBytes ?? MAX_DATA_FILE_BYTES;
  if (st.size > max) throw new Err(`cannot read ${label}: ${st.size} bytes is above the limit of ${max} bytes`, loc);
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new Err(`cannot read ${label}: ${describeErrno(err)}`, loc);
  }
  return st;
}

/** Reads a checked input file as UTF-8 text (see checkInputFile). */
export function readInputText(path: string, opts: InputFileOptions = {}): string {
  return readInputBytes(path, opts).toString('utf8');
}

/** Reads a checked input file's bytes (see checkInputFile). */
export function readInputBytes(path: string, opts: InputFileOptions = {}): Buffer {
  const max = opts.maxBytes ?? MAX_DATA_FILE_BYTES;
  checkInputFile(path, opts);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new (opts.error ?? DataError)(`cannot read ${opts.label ?? 'file'}: ${describeErrno(err)}`, { file: path });
  }
  // The file may have grown between the check and the read.
  if (bytes.length > max) throw new (opts.error ?? DataError)(`cannot read ${opts.label ?? 'file'}: ${bytes.length} bytes is above the limit of ${max} bytes`, { file: path });
  return bytes;
}

/**
 * Report folders are written whole or not at all.
 *
 * `prepareOutput` runs before the simulation: it checks the target (not an
 * empty path, not under /proc, /sys or /dev, not below a file, not a file,
 * not another command's output), takes a lock beside it and creates a
 * hidden partial folder beside it, so a mistake in `--out` is reported at
 * once and not after the whole run. The files are written into the partial
 * folder and `commit` renames it onto the target at the end: a run killed
 * mid-write leaves the previous folder untouched (or no folder), never a
 * half-written one.
 *
 * A target holding a previous output of the same command is replaced whole;
 * one holding another command's output, or files cascade did not write, is
 * refused. The lock is a file `<target>.lock` created with O_EXCL holding
 * the writer's pid; a second writer is refused while that process lives, and
 * a lock left by a killed process is taken over (with its partial folders).
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CascadeError, clip } from '../core/errors.js';
import { describeErrno } from '../core/files.js';

/** A mistake in the output folder given by the user (or in a scenario's output.dir). */
export class OutputError extends CascadeError {}

/** Which command writes a folder, and the files that command writes. */
export type OutputKind = 'run' | 'compare' | 'replay' | 'margin';

/** The files each command writes; a folder holding only these (and its own marker file) is that command's output. */
export const OUTPUT_FILES: Record<OutputKind, readonly string[]> = {
  run: [
    'summary.json', 'config.json', 'timeseries.csv', 'trades.csv', 'timeseries.csv.gz', 'trades.csv.gz', 'strategy_orders.csv', 'strategy_orders.csv.gz', 'timing.json',
    'report.html', 'profiles.json',
  ],
  compare: ['compare.csv', 'compare.json', 'compare.html'],
  replay: ['replay.json', 'configs.json', 'inferred_shocks.csv', 'replay.csv', 'replay.html'],
  margin: ['margin-compare.json', 'margin-compare.csv', 'margin-timeseries.csv', 'margin-compare.html'],
};

/** The file whose presence says which command wrote a folder. */
const MARKER: Record<OutputKind, string> = { run: 'summary.json', compare: 'compare.json', replay: 'replay.json', margin: 'margin-compare.json' };

/** The command that writes each kind, as the user types it. */
const COMMAND: Record<OutputKind, string> = { run: 'run', compare: 'compare', replay: 'replay', margin: 'margin compare' };

/** Folders a report may not be written under: kernel and device trees (writing under /proc can spin forever). */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/** Longest path component most file systems accept, bytes. */
const NAME_MAX = 255;
/** Longest path Linux accepts, bytes. */
const PATH_MAX = 4095;

export interface PreparedOutput {
  /** The target folder, as given. */
  readonly dir: string;
  /** The hidden folder beside it that the files are written into. */
  readonly partial: string;
  readonly kind: OutputKind;
  /** Moves the partial folder onto the target (replacing a previous output whole) and releases the lock. */
  commit(): void;
  /** Removes the partial folder and releases the lock (after a failure). */
  abandon(): void;
}

/** Checks, locks and prepares `dir` for a `kind` output; see the module comment. */
export function prepareOutput(dir: string, kind: OutputKind): PreparedOutput {
  if (dir.trim() === '') throw new OutputError('--out is empty; give a folder for the report');
  const label = `--out '${clip(dir)}'`;
  const abs = resolve(dir);
  if (Buffer.byteLength(abs) > PATH_MAX) throw new OutputError(`${label}: the path is too long (${Buffer.byteLength(abs)} bytes; the limit is ${PATH_MAX})`);
  const long = abs.split(sep).find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined) throw new OutputError(`${label}: a folder name is too long (${Buffer.byteLength(long)} bytes; the limit is ${NAME_MAX})`);
  if (abs === sep) throw new OutputError(`${label}: cannot write a report as the root folder`);

  // The nearest existing ancestor must be a folder outside the system trees.
  let ancestor = dirname(abs);
  for (;;) {
    const st = statOrNull(ancestor);
    if (st !== null) {
      if (!st.isDirectory()) throw new OutputError(`${label}: '${clip(ancestor)}' is a file, not a folder`);
      break;
    }
    ancestor = dirname(ancestor);
  }
  const real = realpathSync(ancestor);
  const tree = SYSTEM_TREES.find((t) => real === t || real.startsWith(`${t}/`) || abs === t || abs.startsWith(`${t}/`));
  if (tree !== undefined) throw new OutputError(`${label}: cannot write a report under ${tree}`);

  const existing = statOrNull(abs);
  if (existing !== null && !existing.isDirectory()) throw new OutputError(`${label}: a file of that name exists; give a folder`);
  if (existing !== null) checkReplaceable(abs, kind, label);

  const parent = dirname(abs);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw new OutputError(`${label}: cannot create '${clip(parent)}': ${describeErrno(err)}`);
  }
  const lock = `${abs}.lock`;
  takeLock(lock, abs, label);
  const partial = join(parent, `.${basename(abs)}.partial-${process.pid}`);
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
  } catch (err) {
    releaseLock(lock);
    throw new OutputError(`${label}: cannot write in '${clip(parent)}': ${describeErrno(err)}`);
  }
  let done = false;
  const prepared: PreparedOutput = {
    dir,
    partial,
    kind,
    commit(): void {
      if (done) return;
      done = true;
      OPEN.delete(prepared);
      try {
        const old = join(parent, `.${basename(abs)}.old-${process.pid}`);
        const before = statOrNull(abs);
        if (before !== null) {
          // Re-checked under the lock: the folder may have changed since prepareOutput.
          checkReplaceable(abs, kind, label);
          rmSync(old, { recursive: true, force: true });
          renameSync(abs, old);
        }
        renameSync(partial, abs);
        if (before !== null) rmSync(old, { recursive: true, force: true });
      } finally {
        releaseLock(lock);
      }
    },
    abandon(): void {
      if (done) return;
      done = true;
      OPEN.delete(prepared);
      rmSync(partial, { recursive: true, force: true });
      releaseLock(lock);
    },
  };
  OPEN.add(prepared);
  return prepared;
}

/**
 * Runs `fill` on the prepared folder's partial directory, then commits it;
 * abandons it (and rethrows) if `fill` or the commit fails, so a folder is
 * written whole or not at all. Returns what `fill` returns.
 */
export function writeWhole<T>(target: PreparedOutput, fill: (partial: string) => T): T {
  try {
    const r = fill(target.partial);
    target.commit();
    return r;
  } catch (err) {
    target.abandon();
    throw err;
  }
}

/** Outputs prepared and not yet committed or abandoned in this process. */
const OPEN = new Set<PreparedOutput>();

/**
 * Abandons every output still open: the CLI calls it when a command fails
 * between preparing its folder and writing it, so the partial folder and
 * the lock do not outlive the error.
 */
export function abandonOpenOutputs(): void {
  for (const o of [...OPEN]) o.abandon();
}

/** What an existing folder holds: empty, a run's, a compare's or a replay's output, or foreign files. */
export function describeFolder(abs: string): { kind: OutputKind | 'empty' | 'foreign' | 'unmarked'; foreign: string[] } {
  const names = readdirSync(abs);
  if (names.length === 0) return { kind: 'empty', foreign: [] };
  const kinds = ['run', 'compare', 'replay', 'margin'] as const;
  for (const kind of kinds) {
    if (names.includes(MARKER[kind]) && names.every((n) => OUTPUT_FILES[kind].includes(n))) return { kind, foreign: [] };
  }
  const known = new Set(kinds.flatMap((k) => OUTPUT_FILES[k]));
  const mixed = kinds.some((k) => names.includes(MARKER[k]));
  if (mixed) return { kind: 'foreign', foreign: names };
  const foreign = names.filter((n) => !known.has(n));
  // Only files some command writes, but none of the files that say which: an output cut short or edited by hand.
  return foreign.length > 0 ? { kind: 'foreign', foreign } : { kind: 'unmarked', foreign: names };
}

function checkReplaceable(abs: string, kind: OutputKind, label: string): void {
  let found: ReturnType<typeof describeFolder>;
  try {
    found = describeFolder(abs);
  } catch (err) {
    throw new OutputError(`${label}: cannot list the folder: ${describeErrno(err)}`);
  }
  if (found.kind === 'empty' || found.kind === kind) return;
  if (found.kind === 'foreign' || found.kind === 'unmarked') {
    const list = `${found.foreign.slice(0, 3).map((n) => clip(n, 40)).join(', ')}${found.foreign.length > 3 ? ', …' : ''}`;
    if (found.kind === 'unmarked') {
      const markers = Object.values(MARKER);
      throw new OutputError(
        `${label}: the folder holds report files (${list}) but none of ${markers.slice(0, -1).join(', ')} or ${markers[markers.length - 1]}, which say what wrote them: an output cut short or edited; choose another folder or empty it`,
      );
    }
    throw new OutputError(`${label}: the folder holds files cascade ${COMMAND[kind]} did not write (${list}); choose another folder or empty it`);
  }
  throw new OutputError(`${label}: the folder holds a \`cascade ${COMMAND[found.kind]}\` output; choose another folder for \`cascade ${COMMAND[kind]}\``);
}

/**
 * A lock file with no pid in it younger than this is taken as being
 * created (an older cascade wrote the pid after creating the file); older,
 * as left by a process killed in between.
 */
const EMPTY_LOCK_GRACE_MS = 10_000;

/**
 * Takes `lock`. The lock appears with its pid already inside: the pid is
 * written to a file of this process's own and hard-linked to the lock's
 * name, which fails if the name exists. A lock created empty and written
 * after (as before) could be read empty by a second writer in between,
 * taken for a dead process's and removed with the first writer's partial
 * folder, and both would then write.
 */
function takeLock(lock: string, abs: string, label: string): void {
  const mine = join(dirname(abs), `.${basename(abs)}.lock-${process.pid}`);
  try {
    writeFileSync(mine, `${process.pid}\n`);
  } catch (err) {
    throw new OutputError(`${label}: cannot create the lock '${clip(lock)}': ${describeErrno(err)}`);
  }
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, lock);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A file system without hard links: create the lock exclusively and write the pid after (the grace above covers the gap).
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          if (createExclusive(lock, label)) return;
        } else if (code !== 'EEXIST') {
          throw new OutputError(`${label}: cannot create the lock '${clip(lock)}': ${describeErrno(err)}`);
        }
      }
      const text = readTextOrEmpty(lock).trim();
      const pid = Number(text);
      // Its age on the file system's clock: against our own file, written just now, not the wall clock.
      if (text === '' && (statOrNull(mine)?.mtimeMs ?? 0) - (statOrNull(lock)?.mtimeMs ?? 0) < EMPTY_LOCK_GRACE_MS) {
        throw new OutputError(`${label}: another cascade command is taking the lock of this folder; try again, or remove '${clip(lock)}' if it stays empty`);
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new OutputError(`${label}: another cascade command (pid ${pid}) is writing this folder; wait for it, or remove '${clip(lock)}' if it is gone`);
      }
      // Left by a process that died mid-write: drop it and its partial folders,
      // and put back a previous output it had moved aside but not yet replaced.
      rmSync(lock, { force: true });
      removeLeftovers(abs);
    }
    throw new OutputError(`${label}: cannot take the lock '${clip(lock)}'`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Creates `lock` with O_EXCL and writes the pid; false if it exists. */
function createExclusive(lock: string, label: string): boolean {
  try {
    writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new OutputError(`${label}: cannot create the lock '${clip(lock)}': ${describeErrno(err)}`);
  }
}

function removeLeftovers(abs: string): void {
  const parent = dirname(abs);
  const prefix = `.${basename(abs)}.`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    if (/^\.old-\d+$/.test(name.slice(prefix.length - 1)) && statOrNull(abs) === null) renameSync(join(parent, name), abs);
    else if (/^\.(partial|old)-\d+$/.test(name.slice(prefix.length - 1))) rmSync(join(parent, name), { recursive: true, force: true });
    else if (/^\.lock-\d+$/.test(name.slice(prefix.length - 1)) && !processAlive(Number(name.slice(prefix.length + 'lock-'.length)))) rmSync(join(parent, name), { force: true });
  }
}

function releaseLock(lock: string): void {
  rmSync(lock, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

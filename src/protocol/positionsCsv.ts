/**
 * Real positions from a CSV file, one row per account
 * (docs/model.md#populations: a generator, or a CSV of real positions).
 *
 * Two layouts, told apart by the header (names case-insensitive, any order):
 *
 * - account layout, what a lending protocol's state gives directly:
 *     collateral,debt,threshold
 *   collateral in base units (> 0), debt in quote (> 0), threshold = the
 *   account's liquidation threshold LT in (0, 1].
 *
 * - perp layout, what a perp venue's position list gives:
 *     size,entry_price,leverage,maintenance_margin
 *   a long of `size` base units (> 0; shorts are not modelled) opened at
 *   `entry_price` (> 0) with `leverage` (> 1) and maintenance margin
 *   (a fraction in (0, 1)); converted by perpAccount(): collateral = size,
 *   debt = size·entry·(1 − 1/leverage), LT = 1 − mm, so the liquidation
 *   price is entry·(1 − 1/leverage)/(1 − mm). leverage must be below 1/mm,
 *   or the position was liquidatable at its own entry.
 *
 * Either layout may add an `id` column (any non-empty text, unique), kept so
 * reports can name accounts. Any other column is an error: a file that means
 * something else must not be half-read.
 *
 * Nothing is dropped silently. Every bad field is an error naming file,
 * line, field and reason. A row with zero debt (or leverage exactly 1) can
 * never be liquidated; by default it is an error, with `zeroDebt: 'skip'`
 * it is left out and its line listed in the report. With `startPrice`, the
 * accounts already liquidatable at that price are kept (a real snapshot has
 * them; they are liquidated in the first bar) and counted in the report.
 */
import { DataError } from '../core/errors.js';
import { readInputText } from '../core/files.js';
import { checkColumnCounts, parseNumberField, readRawTable } from '../data/csv/table.js';
import { AccountBook } from './accounts.js';

export type PositionsLayout = 'account' | 'perp';

const ACCOUNT_COLUMNS = ['collateral', 'debt', 'threshold'] as const;
const PERP_COLUMNS = ['size', 'entry_price', 'leverage', 'maintenance_margin'] as const;

export interface PositionsOptions {
  /** What to do with a row that has no debt; default 'error'. */
  readonly zeroDebt?: 'error' | 'skip';
  /** When given, accounts with liquidation key >= startPrice are counted in the report (and kept). */
  readonly startPrice?: number;
  /** Book capacity; default the number of accounts loaded. */
  readonly capacity?: number;
}

export interface PositionsReport {
  readonly layout: PositionsLayout;
  /** Data rows in the file. */
  readonly rows: number;
  readonly accounts: number;
  /** Lines of rows skipped for zero debt (zeroDebt: 'skip'). */
  readonly skippedZeroDebtLines: readonly number[];
  /** With startPrice: accounts liquidatable at it, and their lines (all of them). */
  readonly liquidatableAtStart: { readonly startPrice: number; readonly count: number; readonly lines: readonly number[] } | null;
  /** Base units. */
  readonly totalCollateral: number;
  /** Quote. */
  readonly totalDebt: number;
  readonly bomStripped: boolean;
}

export interface LoadedPositions {
  readonly book: AccountBook;
  /** Physical line of each account, by book index. */
  readonly lines: Int32Array;
  /** Account ids by book index, when the file has an `id` column. */
  readonly ids: readonly string[] | null;
  readonly report: PositionsReport;
}

export function loadPositions(path: string, opts: PositionsOptions = {}): LoadedPositions {
  const text = readInputText(path);
  return parsePositions(text, path, opts);
}

export function parsePositions(text: string, file: string, opts: PositionsOptions = {}): LoadedPositions {
  const t = readRawTable(text, file);
  const header = t.records[0];
  const headerLine = t.lines[0];
  const names = header.map((h) => h.trim().toLowerCase());
  const col = new Map<string, number>();
  names.forEach((nm, c) => {
    if (nm === '') throw new DataError(`empty column name in position ${c + 1} of the header`, { file, line: headerLine });
    if (col.has(nm)) throw new DataError(`duplicate column '${header[c]}'`, { file, line: headerLine, field: header[c] });
    if (nm !== 'id' && !(ACCOUNT_COLUMNS as readonly string[]).includes(nm) && !(PERP_COLUMNS as readonly string[]).includes(nm)) {
      throw new DataError(
        `unknown column '${header[c]}': positions files have '${ACCOUNT_COLUMNS.join(',')}' or '${PERP_COLUMNS.join(',')}', plus an optional 'id'`,
        { file, line: headerLine, field: header[c] },
      );
    }
    col.set(nm, c);
  });
  const hasAccount = ACCOUNT_COLUMNS.some((c) => col.has(c));
  const hasPerp = PERP_COLUMNS.some((c) => col.has(c));
  if (hasAccount && hasPerp) {
    throw new DataError(`header mixes the account layout (${ACCOUNT_COLUMNS.join(',')}) and the perp layout (${PERP_COLUMNS.join(',')}): use one`, {
      file, line: headerLine,
    });
  }
  if (!hasAccount && !hasPerp) {
    throw new DataError(`no position columns: expected '${ACCOUNT_COLUMNS.join(',')}' or '${PERP_COLUMNS.join(',')}'`, { file, line: headerLine });
  }
  const layout: PositionsLayout = hasAccount ? 'account' : 'perp';
  const required = layout === 'account' ? ACCOUNT_COLUMNS : PERP_COLUMNS;
  for (const r of required) {
    if (!col.has(r)) throw new DataError(`missing column '${r}' of the ${layout} layout (${required.join(',')})`, { file, line: headerLine, field: r });
  }
  checkColumnCounts(t, 1, header.length, header);
  const rows = t.records.length - 1;
  if (rows <= 0) throw new DataError('no data rows after the header', { file, line: headerLine });

  const zeroDebt = opts.zeroDebt ?? 'error';
  const start = opts.startPrice;
  if (start !== undefined && !(start > 0 && start < Infinity)) throw new DataError(`startPrice must be finite and > 0, got ${start}`, { file });
  const idCol = col.get('id');
  const fieldName = (nm: string): string => header[col.get(nm)!];

  // Parse everything first so the book is sized exactly and nothing is half-loaded on an error.
  const coll = new Float64Array(rows);
  const debt = new Float64Array(rows);
  const lt = new Float64Array(rows);
  const keep = new Uint8Array(rows);
  const skipped: number[] = [];
  const ids: string[] | null = idCol === undefined ? null : [];
  const idLine = new Map<string, number>();
  let kept = 0;
  for (let r = 0; r < rows; r++) {
    const rec = t.records[r + 1];
    const line = t.lines[r + 1];
    const num = (nm: string): number => parseNumberField(rec[col.get(nm)!], file, line, fieldName(nm));
    const fail = (nm: string, reason: string): never => {
      throw new DataError(reason, { file, line, field: fieldName(nm) });
    };
    let zero = false;
    if (layout === 'account') {
      const c = num('collateral');
      const d = num('debt');
      const th = num('threshold');
      if (!(c > 0)) fail('collateral', `collateral must be > 0 (base units), got ${c}`);
      if (d < 0) fail('debt', `debt must be >= 0 (quote), got ${d}`);
      if (!(th > 0 && th <= 1)) fail('threshold', `threshold must be in (0, 1] (a fraction, not percent), got ${th}`);
      if (d === 0) {
        if (zeroDebt === 'error') fail('debt', "debt is 0: the account can never be liquidated (pass zeroDebt: 'skip' to leave such rows out)");
        zero = true;
      }
      coll[r] = c;
      debt[r] = d;
      lt[r] = th;
    } else {
      const size = num('size');
      const entry = num('entry_price');
      const lev = num('leverage');
      const mm = num('maintenance_margin');
      if (size < 0) fail('size', `short positions are not supported: size must be > 0, got ${size}`);
      if (!(size > 0)) fail('size', `size must be > 0 (base units), got ${size}`);
      if (!(entry > 0)) fail('entry_price', `entry_price must be > 0, got ${entry}`);
      if (!(mm > 0 && mm < 1)) fail('maintenance_margin', `maintenance_margin must be in (0, 1) (a fraction, not percent), got ${mm}`);
      if (!(lev >= 1)) fail('leverage', `leverage must be >= 1, got ${lev}`);
      if (!(lev < 1 / mm)) {
        fail('leverage', `leverage ${lev} with maintenance margin ${mm} is liquidatable at its own entry price (needs leverage < 1/mm = ${1 / mm})`);
      }
      if (lev === 1) {
        if (zeroDebt === 'error') fail('leverage', "leverage is 1: the position has no debt and can never be liquidated (pass zeroDebt: 'skip' to leave such rows out)");
        zero = true;
      }
      coll[r] = size;
      debt[r] = size * entry * (1 - 1 / lev);
      lt[r] = 1 - mm;
    }
    if (ids !== null) {
      const id = rec[idCol!];
      if (id === '') throw new DataError('empty id', { file, line, field: header[idCol!] });
      const first = idLine.get(id);
      if (first !== undefined) throw new DataError(`duplicate id '${id}': first on line ${first}`, { file, line, field: header[idCol!] });
      idLine.set(id, line);
    }
    if (zero) skipped.push(line);
    else {
      keep[r] = 1;
      kept++;
    }
  }
  if (kept === 0) throw new DataError(`no account left: all ${rows} rows have zero debt`, { file, line: headerLine });
  const capacity = opts.capacity ?? kept;
  if (!(Number.isInteger(capacity) && capacity >= kept)) throw new DataError(`capacity ${capacity} is below the ${kept} accounts in the file`, { file });

  const book = new AccountBook(capacity);
  const lines = new Int32Array(kept);
  const liqLines: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (keep[r] === 0) continue;
    const i = book.add(coll[r], debt[r], lt[r]);
    lines[i] = t.lines[r + 1];
    if (ids !== null) ids.push(t.records[r + 1][idCol!]);
    if (start !== undefined && book.key(i) >= start) liqLines.push(lines[i]);
  }
  return {
    book,
    lines,
    ids,
    report: {
      layout,
      rows,
      accounts: kept,
      skippedZeroDebtLines: skipped,
      liquidatableAtStart: start === undefined ? null : { startPrice: start, count: liqLines.length, lines: liqLines },
      totalCollateral: book.totalCollateral(),
      totalDebt: book.totalDebt(),
      bomStripped: t.bomStripped,
    },
  };
}

/**
 * Trial results on disk. Each finished trial is appended as one JSON line
 * to results.jsonl the moment it finishes, so a sweep killed at any point
 * keeps every trial it completed; a torn last line (the kill came mid-write)
 * is ignored on reading and that trial simply runs again. Reading keeps the
 * first record of each key, the rule every runner shares (shards, queue).
 *
 * The tables written from the records are sorted by trial index, so they
 * are byte-identical whatever the number of workers and the finishing order.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { formatNumber } from '../report/timeseriesCsv.js';
import type { TrialRecord } from './trial.js';
import { csvField } from '../core/format.js';

/** Appends one record as one line (a single write, so concurrent appenders do not interleave within a line). */
export function appendResult(file: string, record: TrialRecord): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

function isRecord(x: unknown): x is TrialRecord {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.index === 'number' &&
    typeof r.key === 'string' &&
    typeof r.label === 'string' &&
    (r.status === 'ok' || r.status === 'invalid' || r.status === 'error') &&
    (r.figures === null || (typeof r.figures === 'object' && !Array.isArray(r.figures)))
  );
}

/**
 * The records of a results.jsonl (none when the file is absent), first
 * record per key kept, in file order. A line that is not a whole record
 * (a torn write) is skipped.
 */
export function readResults(file: string): TrialRecord[] {
  if (!existsSync(file)) return [];
  return dedupeByKey(parseResultLines(readFileSync(file, 'utf8')));
}

/** Parses JSON lines into records, skipping blank and torn lines. */
export function parseResultLines(text: string): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecord(parsed)) out.push(parsed);
  }
  return out;
}

/** First record of each key wins, order of first appearance kept. */
export function dedupeByKey(records: readonly TrialRecord[]): TrialRecord[] {
  const seen = new Set<string>();
  const out: TrialRecord[] = [];
  for (const r of records) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    out.push(r);
  }
  return out;
}

/** Sorted by index, then key (two keys at one index only if merged from different sweeps; the order stays total). */
export function sortByIndex(records: readonly TrialRecord[]): TrialRecord[] {
  return [...records].sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Reads a figure by dotted path (`dealerPnl.total`); numbers written as text ("Infinity") come back as numbers. */
export function figureAt(figures: Record<string, unknown> | null, path: string): number | null {
  if (figures === null) return null;
  let node: unknown = figures;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, seg)) return null;
    node = (node as Record<string, unknown>)[seg];
  }
  if (typeof node === 'string' && /^(-?Infinity|NaN)$/.test(node)) node = Number(node);
  if (typeof node === 'boolean') return node ? 1 : 0;
  return typeof node === 'number' && !Number.isNaN(node) ? node : null;
}

/** What the table shows besides the record itself: one column per parameter and per figure. */
export interface SweepColumns {
  /** Parameter names (dotted paths), in column order. */
  readonly parameters: readonly string[];
  /** The parameter values of trial `index`, one per parameter. */
  readonly values: (index: number) => readonly unknown[];
  /** Figure paths read from each record's figures (figureAt). */
  readonly figures: readonly string[];
}

function showValue(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? formatNumber(v) : JSON.stringify(v);
}

/** index,key,status, the parameters, the figures, message; one row per record in index order. */
export function resultsToCsv(records: readonly TrialRecord[], columns: SweepColumns): string {
  const header = ['index', 'key', 'status', ...columns.parameters, ...columns.figures, 'message'];
  const lines = [header.map(csvField).join(',')];
  for (const r of sortByIndex(records)) {
    const figs = columns.figures.map((f) => {
      const v = figureAt(r.figures, f);
      return v === null ? '' : formatNumber(v);
    });
    lines.push([String(r.index), r.key, r.status, ...columns.values(r.index).map((v) => csvField(showValue(v))), ...figs, csvField(r.message ?? '')].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One row of the JSON table: the compare.json row shape plus key, status and message. */
export interface SweepJsonRow {
  readonly variant: number;
  readonly key: string;
  readonly status: TrialRecord['status'];
  readonly label: string;
  readonly values: Record<string, unknown>;
  readonly figures: Record<string, number | string | null>;
  readonly message?: string;
}

function jsonFigure(v: number | null): number | string | null {
  return v === null || Number.isFinite(v) ? v : String(v);
}

/** The rows of the JSON table, in index order. */
export function resultsToJsonRows(records: readonly TrialRecord[], columns: SweepColumns): SweepJsonRow[] {
  return sortByIndex(records).map((r) => {
    const values = columns.values(r.index);
    return {
      variant: r.index,
      key: r.key,
      status: r.status,
      label: r.label,
      values: Object.fromEntries(columns.parameters.map((p, k) => [p, values[k]])),
      figures: Object.fromEntries(columns.figures.map((f) => [f, jsonFigure(figureAt(r.figures, f))])),
      ...(r.message !== undefined ? { message: r.message } : {}),
    };
  });
}

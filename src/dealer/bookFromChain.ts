/**
 * The dealer's options from an option chain's open interest as it was known
 * at the run's first bar (docs/data.md#option-chains): every option alive
 * then, at the open interest of its last row at or before that time, times
 * the share the dealer is assumed to hold, with the dealer's side.
 *
 * The book is set once. Open interest that arrives later is not applied:
 * changes in open interest are trades whose counterparties and prices the
 * chain does not tell, and the dealer's book only changes through the
 * engine's own rules (expiry, rolls). Options from the chain are not rolled
 * (no tenor or moneyness at writing is known for them).
 */
import { DataError } from '../core/errors.js';
import { chainAsOf, readOptionChain } from '../data/optionChain.js';
import type { ChainRow } from '../data/optionChain.js';
import { requireOpenInterest, type ChainLayout } from '../data/optionChainLayouts.js';
import type { OptionSpec } from './book.js';

export interface BookFromChainConfig {
  readonly side: 'short' | 'long';
  /** Share of the open interest held, in (0, 1]. */
  readonly fraction: number;
}

/** Positions from rows already known at the start (each row one option's latest state). */
export function specsFromOpenInterest(rows: readonly ChainRow[], cfg: BookFromChainConfig): OptionSpec[] {
  const sign = cfg.side === 'short' ? -1 : 1;
  const out: OptionSpec[] = [];
  for (const r of rows) {
    if (!(r.openInterest > 0)) continue; // no open interest (0 or never given): nothing to hold
    out.push({ strike: r.strike, expiryMs: r.expiryMs, kind: r.kind, qty: sign * cfg.fraction * r.openInterest, tenorMs: NaN, moneyness: NaN });
  }
  return out;
}

/** Reads the chain file and returns the dealer's options at `startMs` (the first bar's time). */
export function bookFromChain(path: string, layout: ChainLayout, startMs: number, cfg: BookFromChainConfig): OptionSpec[] {
  requireOpenInterest(layout, path);
  const { rows, lastRowMs } = chainAsOf((onRow) => readOptionChain(path, layout, onRow), startMs);
  if (lastRowMs === -Infinity) {
    throw new DataError(`no row at or before the first bar (${new Date(startMs).toISOString()}): the open interest known at the start is unknown`, { file: path });
  }
  const specs = specsFromOpenInterest(rows, cfg);
  if (specs.length === 0) throw new DataError(`no live option with open interest > 0 at or before the first bar (${new Date(startMs).toISOString()})`, { file: path, field: 'open_interest' });
  return specs;
}

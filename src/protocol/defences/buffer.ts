/**
 * The "systemic volatility buffer" (docs/model.md#defences): the insurance
 * fund, the liquidation penalty and the liquidation delay together decide
 * how much of a shock the protocol absorbs before bad debt appears, so the
 * summary reports them side by side rather than one at a time.
 */
import { formatIsoUtc } from '../../core/time.js';

export interface SystemicBuffer {
  /** Insurance fund now, quote. */
  insuranceFundQuote: number;
  /** Insurance fund the solvency test asks for, quote (0: none set). */
  fundTargetQuote: number;
  /** Liquidation penalty in force, bps. */
  penaltyBps: number;
  /** Keeper delay including the grace period, ms (Infinity: keepers stopped). */
  delayMs: number;
  /** Open debt, quote: what the fund is measured against. */
  openDebtQuote: number;
  /** Fund / open debt (NaN with no debt). */
  fundToDebt: number;
  /** When the figures were taken, epoch ms. */
  asOfMs: number;
}

export function emptyBuffer(): SystemicBuffer {
  return { insuranceFundQuote: 0, fundTargetQuote: 0, penaltyBps: 0, delayMs: 0, openDebtQuote: 0, fundToDebt: Number.NaN, asOfMs: Number.NaN };
}

/** Fills `out` (no allocation, so it can run every bar). */
export function fillBuffer(
  out: SystemicBuffer,
  asOfMs: number,
  insuranceFundQuote: number,
  fundTargetQuote: number,
  penaltyBps: number,
  delayMs: number,
  openDebtQuote: number,
): SystemicBuffer {
  out.asOfMs = asOfMs;
  out.insuranceFundQuote = insuranceFundQuote;
  out.fundTargetQuote = fundTargetQuote;
  out.penaltyBps = penaltyBps;
  out.delayMs = delayMs;
  out.openDebtQuote = openDebtQuote;
  out.fundToDebt = openDebtQuote > 0 ? insuranceFundQuote / openDebtQuote : Number.NaN;
  return out;
}

/** One line for the summary. */
export function formatBuffer(b: SystemicBuffer): string {
  const when = Number.isFinite(b.asOfMs) ? formatIsoUtc(b.asOfMs) : 'n/a';
  const delay = Number.isFinite(b.delayMs) ? `${(b.delayMs / 1000).toFixed(0)} s` : 'keepers stopped';
  const ratio = Number.isFinite(b.fundToDebt) ? `${(100 * b.fundToDebt).toFixed(2)}% of open debt` : 'no open debt';
  const target = b.fundTargetQuote > 0 ? `, target ${b.fundTargetQuote.toFixed(0)}` : '';
  return `systemic buffer @ ${when}: insurance fund ${b.insuranceFundQuote.toFixed(0)} (${ratio}${target}), penalty ${b.penaltyBps.toFixed(0)} bps, delay ${delay}`;
}

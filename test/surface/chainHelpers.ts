/**
 * Option chains written in Tardis's options_chain layout from a known SSVI
 * surface, so a calibration can be checked against the parameters that
 * made the quotes.
 */
import { SsviSurface } from '../../src/surface/surface.js';
import type { SsviParams } from '../../src/surface/ssvi.js';

export const TARDIS_HEADER =
  'exchange,symbol,timestamp,local_timestamp,type,strike_price,expiration,open_interest,last_price,bid_price,bid_amount,bid_iv,ask_price,ask_amount,ask_iv,mark_price,mark_iv,underlying_index,underlying_price,delta,gamma,vega,theta,rho';

export interface KnownSnapshot {
  /** Grid time the quotes are for; rows are stamped `leadMs` before it. */
  readonly timeMs: number;
  readonly params: SsviParams;
  /** Flat ATM vol of the true surface. */
  readonly atmVol: number;
  readonly spot: number;
  /** Open interest of every option, base units (a function of the snapshot so tests can change it). */
  readonly openInterest?: number;
}

export const EXPIRY_DAYS = [3, 10, 24, 52, 87];
export const LOG_MONEYNESS = [-0.6, -0.4, -0.25, -0.15, -0.07, 0, 0.07, 0.15, 0.3];
/** Carry of the forwards, per year. */
const CARRY = 0.05;

/**
 * Rows for one snapshot: every expiry (days after the snapshot, at 08:00
 * UTC) and log-moneyness, a put at or below the forward and a call above
 * it, with the true surface's vol as mark IV (vol points to 8 decimals).
 */
export function snapshotRows(s: KnownSnapshot, yearMs: number, leadMs = 30_000, book?: BookQuotes): string[] {
  const truth = new SsviSurface({ params: s.params, term: { kind: 'flat' }, atmVol: s.atmVol });
  const rows: string[] = [];
  const day0 = Math.floor(s.timeMs / 86_400_000) * 86_400_000;
  const tUs = (s.timeMs - leadMs) * 1000;
  for (const d of EXPIRY_DAYS) {
    const expiryMs = day0 + d * 86_400_000 + 8 * 3_600_000;
    const years = (expiryMs - s.timeMs) / yearMs;
    const forward = s.spot * Math.exp(CARRY * years);
    for (const k of LOG_MONEYNESS) {
      const strike = Math.round(forward * Math.exp(k));
      const type = strike <= forward ? 'put' : 'call';
      const iv = 100 * truth.impliedVol(strike, forward, years);
      const name = `BTC-X${d}-${strike}-${type === 'put' ? 'P' : 'C'}`;
      const oi = s.openInterest ?? 10;
      if (book === undefined) {
        rows.push(`deribit,${name},${tUs},${tUs + 700},${type},${strike},${expiryMs * 1000},${oi},,,,,,,,,${iv.toFixed(8)},BTC-X${d},${forward},,,,,`);
      } else {
        const half = 0.5 * book.spreadPts(k);
        const [bid, ask, mark] = [iv - half, iv + half, iv + book.markBiasPts].map((x) => x.toFixed(8));
        rows.push(`deribit,${name},${tUs},${tUs + 700},${type},${strike},${expiryMs * 1000},${oi},,,1,${bid},,1,${ask},,${mark},BTC-X${d},${forward},,,,,`);
      }
    }
  }
  return rows;
}

/** Bid and ask IVs around the true vol (spread in vol points by log-moneyness), and a mark off the truth by a bias. */
export interface BookQuotes {
  readonly spreadPts: (k: number) => number;
  readonly markBiasPts: number;
}

export function chainCsv(snaps: readonly KnownSnapshot[], yearMs: number, book?: BookQuotes): string {
  return [TARDIS_HEADER, ...snaps.flatMap((s) => snapshotRows(s, yearMs, 30_000, book))].join('\n') + '\n';
}

import { bsPrice } from '../pricing/blackScholes.js';

/**
 * Option legs of multi-asset accounts: European, on the asset's simulated
 * mid, valued by Black-Scholes (no rate or carry) on the asset's surface.
 */

/** The surface's vol at strike K: ATM · (1 − skew · ln(K/S)), never below 5% of ATM. */
export function volAtStrike(atm: number, skew: number, strike: number, spot: number): number {
  const v = atm * (1 - skew * Math.log(strike / spot));
  return v > 0.05 * atm ? v : 0.05 * atm;
}

/** Value of one unit: Black-Scholes before expiry, intrinsic at or after it. */
export function optionValue(call: boolean, spot: number, strike: number, years: number, vol: number): number {
  if (!(years > 0)) return call ? Math.max(0, spot - strike) : Math.max(0, strike - spot);
  return bsPrice(call ? 'call' : 'put', spot, strike, years, vol);
}

/** One account's option legs as the scan sees them (index = asset; qty 0 = none). */
export interface OptionScan {
  readonly qty: Float64Array;
  readonly strike: Float64Array;
  readonly call: Uint8Array;
  /** Years to expiry at the current bar. */
  readonly years: Float64Array;
  /** ATM vol per asset now. */
  readonly atm: Float64Array;
  readonly skew: Float64Array;
  /** Relative vol move of the scan, e.g. 0.3. */
  volScan: number;
}

export function makeOptionScan(assets: number): OptionScan {
  return {
    qty: new Float64Array(assets),
    strike: new Float64Array(assets),
    call: new Uint8Array(assets),
    years: new Float64Array(assets),
    atm: new Float64Array(assets),
    skew: new Float64Array(assets),
    volScan: 0,
  };
}

export function hasOptions(o: OptionScan | undefined): o is OptionScan {
  if (o === undefined) return false;
  for (let a = 0; a < o.qty.length; a++) if (o.qty[a] !== 0) return true;
  return false;
}

/** Value of the legs at prices S·(1 + x) and vols σ·(1 + v), the surface re-read at the moved spot (sticky moneyness). */
export function optionBookValue(o: OptionScan, price: ArrayLike<number>, moves: ArrayLike<number> | null, moveOffset: number, volMove: number): number {
  let total = 0;
  for (let a = 0; a < o.qty.length; a++) {
    const q = o.qty[a];
    if (q === 0) continue;
    const s = price[a] * (moves === null ? 1 : 1 + moves[moveOffset + a]);
    const vol = volAtStrike(o.atm[a], o.skew[a], o.strike[a], s) * (1 + volMove);
    total += q * optionValue(o.call[a] === 1, s, o.strike[a], o.years[a], vol);
  }
  return total;
}

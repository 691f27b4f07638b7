/**
 * Scalar Black-Scholes and Black-76 prices and greeks, for convenience and
 * for callers outside hot loops (the batch kernels in batch.ts are the fast
 * path and give bit-identical results).
 *
 * Units: price in the currency of spot/strike; delta per unit of spot (or
 * forward); gamma per unit of spot squared; vega per unit of volatility
 * (0.01 = one vol point); theta per year of calendar time (dV/dt, negative
 * for a long option that decays); rho per unit of rate; vanna = d delta/d vol;
 * volga = d vega/d vol. Edge cases are defined in kernel.ts: expired options
 * (years <= 0) pay intrinsic with a step delta (0.5 exactly at the money),
 * zero volatility gives the discounted intrinsic of the forward.
 */
import { black76Eval, bsEval, OUT_SIZE } from './kernel.js';

export type OptionType = 'call' | 'put';

/** Price and greeks of one option; units in the module comment. */
export interface Greeks {
  readonly price: number;
  /** dV/dS (Black-Scholes) or dV/dF (Black-76). */
  readonly delta: number;
  readonly gamma: number;
  /** dV/dvol, per unit of volatility (not per 1%). */
  readonly vega: number;
  /** dV/dt per year of calendar time (= -dV/dT). */
  readonly theta: number;
  /** dV/dr per unit of rate (dividend yield or forward held fixed). */
  readonly rho: number;
  /** d delta / d vol. */
  readonly vanna: number;
  /** d vega / d vol. */
  readonly volga: number;
}

/** +1 for a call, -1 for a put; throws on anything else. */
export function optionSign(type: OptionType): 1 | -1 {
  if (type === 'call') return 1;
  if (type === 'put') return -1;
  throw new RangeError(`option type must be 'call' or 'put', got '${String(type)}'`);
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

function requireVol(value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`vol must be a finite number >= 0, got ${value}`);
  }
}

const scratch = new Float64Array(OUT_SIZE);

function toGreeks(o: Float64Array): Greeks {
  return {
    price: o[0],
    delta: o[1],
    gamma: o[2],
    vega: o[3],
    theta: o[4],
    rho: o[5],
    vanna: o[6],
    volga: o[7],
  };
}

/**
 * Black-Scholes-Merton price and greeks of a European option on a spot with
 * continuous dividend yield (or carry) `dividend`.
 * @param years time to expiry in years (<= 0 means expired)
 * @param vol annualised volatility (0.2 = 20%), >= 0
 * @param rate continuously compounded risk-free rate per year
 * @param dividend continuous dividend yield / carry per year
 * @throws RangeError if spot or strike is not positive, or an input is not finite
 */
export function blackScholes(
  type: OptionType,
  spot: number,
  strike: number,
  years: number,
  vol: number,
  rate = 0,
  dividend = 0,
): Greeks {
  const w = optionSign(type);
  requirePositive('spot', spot);
  requirePositive('strike', strike);
  requireFinite('years', years);
  requireVol(vol);
  requireFinite('rate', rate);
  requireFinite('dividend', dividend);
  bsEval(w, spot, strike, years, vol, rate, dividend, scratch);
  return toGreeks(scratch);
}

/**
 * Black-76 price and greeks of a European option on a forward/futures price,
 * discounted at `rate`. Delta and gamma are with respect to the forward;
 * rho is dV/dr with the forward held fixed (= -years * price).
 * @throws RangeError if forward or strike is not positive, or an input is not finite
 */
export function black76(
  type: OptionType,
  forward: number,
  strike: number,
  years: number,
  vol: number,
  rate = 0,
): Greeks {
  const w = optionSign(type);
  requirePositive('forward', forward);
  requirePositive('strike', strike);
  requireFinite('years', years);
  requireVol(vol);
  requireFinite('rate', rate);
  black76Eval(w, forward, strike, years, vol, rate, scratch);
  return toGreeks(scratch);
}

/** Black-Scholes price only (same value as blackScholes(...).price). */
export function bsPrice(
  type: OptionType,
  spot: number,
  strike: number,
  years: number,
  vol: number,
  rate = 0,
  dividend = 0,
): number {
  return blackScholes(type, spot, strike, years, vol, rate, dividend).price;
}

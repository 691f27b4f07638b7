/**
 * The liquidity-model interface (docs/model.md#liquidity-models). History is
 * immutable and impact is an overlay: the simulated mid is `refPrice · exp(J)`
 * where `refPrice` is the historical close the engine passes at each bar start
 * and `J` is the endogenous log-price impact the model accumulates. With no
 * orders `J` stays exactly 0 and the mid is the history bit for bit.
 *
 * Hot-path rules: `startBar` and `execute` allocate nothing; the caller owns
 * the `Fill` it passes in; the whole state fits in a Float64Array slice so the
 * engine can try a bar and roll it back (docs/model.md#reading-history).
 */

/** Result of one market order; a caller-owned object reused across calls. */
export interface Fill {
  /** Signed base units executed (+ buy, − sell). */
  size: number;
  /** Average fill price, quote per base, including the half-spread. */
  price: number;
  /** Simulated mid just before the order. */
  midBefore: number;
  /** Simulated mid just after the order. */
  midAfter: number;
  /** Execution cost in quote versus `midBefore`: `(price − midBefore) · size`; never negative. */
  cost: number;
  /** The part of `cost` due to impact, i.e. excluding the half-spread (or, in the book, the touch). */
  impactCost: number;
}

/** What the engine hands a model at each bar start. */
export interface BarMarket {
  /** C_i: historical reference price (close) of this bar, quote per base, > 0. */
  refPrice: number;
  /** Time since the previous bar start, ms (>= 0); drives decay and refill. */
  dtMs: number;
  /**
   * Multiplier on the base depth, > 0: liquidity withdrawn as vol/stress rise
   * (see depthWithdrawal.ts). Values above 1 are allowed, so the engine may
   * also fold a calibrated, slowly varying depth ratio into it
   * (depthCalibration.ts: depth_i / depth_runStart).
   */
  depthScale: number;
  /** Current realised volatility, per sqrt(year) (0.8 = 80%); the sqrt model needs it. */
  volPerSqrtYear: number;
}

export type LiquidityKind = 'linear' | 'sqrt' | 'book';

export interface LiquidityModel {
  readonly kind: LiquidityKind;
  /** Decays transient impact over `dtMs`, refills the book, applies `depthScale`, adopts `refPrice`. `m` is the caller's, reused next bar: read it, do not keep it. */
  startBar(m: BarMarket): void;
  /** Current simulated mid: `refPrice · exp(J)`. */
  mid(): number;
  /** J, the accumulated endogenous log-price impact (permanent + transient). */
  logImpact(): number;
  /** The transient part of J (decays with the configured half-life). */
  transientLogImpact(): number;
  /** Executes a market order of `signedSize` base units (+ buy) and writes the result into `out`. */
  execute(signedSize: number, out: Fill): void;
  /**
   * D: base units that move ln(mid) by 1 for a small order now, on the side an
   * order of sign `side` would hit (default −1: a sell, the crash direction).
   * Feeds the branching ratio n/D' (docs/model.md#branching-ratios-and-criticality).
   */
  depthPerLogPrice(side?: number): number;
  /**
   * The mid a market order of `signedSize` base units would leave if it
   * executed now, with nothing changed: what `execute` would write as
   * `midAfter`, up to rounding. Lets an order be sized against its own
   * impact (the dealer's fixed-point hedge) before it is sent. Optional: a
   * model without it gets the plain cascade rounds.
   */
  midAfter?(signedSize: number): number;
  /**
   * The price the next unit of an order of sign `side` trades at the margin:
   * the best ask for a buy (side > 0), the best bid for a sale. Where resting
   * limit orders meet the flow. Optional: a model without it (linear, square
   * root) trades at its mid, so the mid is its touch on both sides.
   */
  touch?(side: number): number;
  /** Number of float64 slots `saveState` writes. */
  readonly stateSize: number;
  /** Writes the whole mutable state into `buf[offset .. offset + stateSize)`. */
  saveState(buf: Float64Array, offset: number): void;
  /** Restores a state written by `saveState` of a model built from the same config. */
  loadState(buf: Float64Array, offset: number): void;
}

/** `model.touch(side)`, or the mid for a model whose touch is its mid. */
export function touchOf(model: LiquidityModel, side: number): number {
  return model.touch === undefined ? model.mid() : model.touch(side);
}

/** A fresh Fill to reuse (allocate once, outside the hot path). */
export function makeFill(): Fill {
  return { size: 0, price: Number.NaN, midBefore: Number.NaN, midAfter: Number.NaN, cost: 0, impactCost: 0 };
}

/**
 * Fraction of a quantity left after `dtMs` under exponential decay with the
 * given half-life. Written as 0.5^(dt/h) so one half-life gives exactly 0.5;
 * an infinite half-life (no resilience) gives exactly 1.
 */
export function decayFactor(dtMs: number, halfLifeMs: number): number {
  if (!(dtMs > 0)) return 1;
  return Math.pow(0.5, dtMs / halfLifeMs);
}

/**
 * (e^x − 1)/x: the mean of e^s over s in [0, x], i.e. the average mid along a
 * log path that moves linearly by x (relative to its start); 1 at x = 0.
 * expm1 keeps full relative precision for the tiny moves of small orders.
 */
export function expm1OverX(x: number): number {
  return x === 0 ? 1 : Math.expm1(x) / x;
}

/** Validates a BarMarket once per bar; errors here are engine bugs, not user input. */
export function checkBarMarket(m: BarMarket): void {
  if (!(m.refPrice > 0) || !Number.isFinite(m.refPrice)) throw new RangeError(`BarMarket.refPrice must be finite and > 0, got ${m.refPrice}`);
  if (!(m.dtMs >= 0)) throw new RangeError(`BarMarket.dtMs must be >= 0, got ${m.dtMs}`);
  if (!(m.depthScale > 0) || !Number.isFinite(m.depthScale)) throw new RangeError(`BarMarket.depthScale must be finite and > 0, got ${m.depthScale}`);
  if (!(m.volPerSqrtYear >= 0) || !Number.isFinite(m.volPerSqrtYear)) throw new RangeError(`BarMarket.volPerSqrtYear must be finite and >= 0, got ${m.volPerSqrtYear}`);
}

/** Writes a fill from the order size, the mean mid along the impact path and the half-spread. */
export function writeFill(out: Fill, size: number, meanMidRaw: number, halfSpread: number, midBefore: number, midAfter: number): void {
  // Rounding in the path average must never make a buy cheaper than the mid before it (cost >= 0 is a contract).
  const meanMid = size > 0 ? Math.max(meanMidRaw, midBefore) : size < 0 ? Math.min(meanMidRaw, midBefore) : midBefore;
  const price = size > 0 ? meanMid * (1 + halfSpread) : size < 0 ? meanMid * (1 - halfSpread) : midBefore;
  out.size = size;
  out.price = price;
  out.midBefore = midBefore;
  out.midAfter = midAfter;
  out.cost = (price - midBefore) * size;
  out.impactCost = size === 0 ? 0 : (meanMid - midBefore) * size;
}

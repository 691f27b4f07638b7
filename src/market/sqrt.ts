import { MS_PER_DAY, MS_PER_YEAR } from '../core/time.js';
import { BPS, type SqrtLiquidityConfig } from './config.js';
import {
  checkBarMarket, decayFactor, expm1OverX, writeFill,
  type BarMarket, type Fill, type LiquidityModel,
} from './liquidity.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, Stateful } from '../sim/stateBlock.js';

/** sqrt(day / year), both calendar: σ_day = σ_year · this. V is volume per calendar day to match. */
const SQRT_DAY_IN_YEARS = Math.sqrt(MS_PER_DAY / MS_PER_YEAR);

/**
 * (z e^z − (e^z − 1)) / z², the weight of the linear term in the integral
 * ∫_0^d 2(t0+τ) e^{kτ} dτ = 2 t0 d E1(kd) + 2 d² H(kd). The power series
 * Σ_{n≥2} (n−1) z^{n−2} / n! is used near 0, where the closed form cancels.
 */
export function sqrtPathH(z: number): number {
  if (Math.abs(z) >= 0.25) return (z * Math.exp(z) - Math.expm1(z)) / (z * z);
  let sum = 0.5;
  let pow = 1; // z^{n-2}
  let fact = 2; // n!
  for (let n = 3; n < 30; n++) {
    pow *= z;
    fact *= n;
    const term = ((n - 1) * pow) / fact;
    sum += term;
    if (Math.abs(term) < 1e-18 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * Square-root impact (Tóth et al. 2011; Donier & Bonart 2015 for Bitcoin).
 *
 * The impact potential is F(Q) = sign(Q) · c · sqrt(|Q|), c = Y σ_day /
 * (sqrt(V_day) · depthScale), over the running signed metaorder volume Q,
 * which decays with the transient half-life. An order q moves J by
 * F(Q + q) − F(Q). For same-sign flow this is the brief's
 * sign · Yσ (sqrt(|Q+q|/V) − sqrt(|Q|/V)), so splitting an order into pieces
 * costs the same as sending it whole (the sum telescopes). A sign flip is the
 * same formula: the order first unwinds the existing metaorder back through
 * F(0) = 0 along the curve it came up, then starts a new one on the other
 * side; no separate case, and no impact is created or lost by the crossing.
 * depthScale divides c so that depth D scales like depthScale, as in the
 * linear and book models; note σ already thins this model as vol rises.
 *
 * Fill price: the exact mean of the mid along the path, in closed form on each
 * same-sign segment (substituting t = sqrt|x| turns the integrand into
 * 2t·e^{kt}), then times (1 ± halfSpread).
 *
 * D for the branching ratio is the local slope 1 / F'(Q) = 2 sqrt(|Q|) / c,
 * with |Q| floored at slopeFloorFractionOfDailyVolume · V, because F' is
 * infinite at Q = 0. With σ = 0 there is no impact and D is +Infinity.
 */
export class SqrtImpactModel extends Stateful implements LiquidityModel {
  readonly kind = 'sqrt' as const;

  private readonly dailyVolume: number;
  private readonly prefactor: number;
  private readonly halfSpread: number;
  private readonly permanentFraction: number;
  private readonly transientHalfLifeMs: number;
  private readonly slopeFloor: number;

  private started = 0;
  private refPrice = Number.NaN;
  private c = Number.NaN;
  private j = 0;
  private jTrans = 0;
  private q = 0;

  constructor(cfg: Omit<SqrtLiquidityConfig, 'kind'>) {
    super();
    this.dailyVolume = cfg.dailyVolumeBase;
    this.prefactor = cfg.impactPrefactor;
    this.halfSpread = cfg.halfSpreadBps * BPS;
    this.permanentFraction = cfg.permanentFraction;
    this.transientHalfLifeMs = cfg.transientHalfLifeMs;
    this.slopeFloor = cfg.slopeFloorFractionOfDailyVolume * cfg.dailyVolumeBase;
  }

  startBar(m: BarMarket): void {
    checkBarMarket(m);
    this.started = 1;
    const f = decayFactor(m.dtMs, this.transientHalfLifeMs);
    const decayed = this.jTrans * f;
    this.j = (this.j - this.jTrans) + decayed;
    this.jTrans = decayed;
    this.q *= f;
    this.refPrice = m.refPrice;
    this.c = (this.prefactor * m.volPerSqrtYear * SQRT_DAY_IN_YEARS) / (Math.sqrt(this.dailyVolume) * m.depthScale);
  }

  mid(): number {
    return this.refPrice * Math.exp(this.j);
  }

  logImpact(): number {
    return this.j;
  }

  transientLogImpact(): number {
    return this.jTrans;
  }

  /** The decaying signed metaorder volume Q, base units. */
  metaorderVolume(): number {
    return this.q;
  }

  private potential(x: number): number {
    return x >= 0 ? this.c * Math.sqrt(x) : -this.c * Math.sqrt(-x);
  }

  /** Mean of exp(F(x) − F(x0)) for x from x0 to x1 on one side of 0 (x0·x1 >= 0, x0 ≠ x1). */
  private segmentMean(x0: number, x1: number): number {
    const s = x0 + x1 > 0 ? 1 : -1;
    const t0 = Math.sqrt(Math.abs(x0));
    const t1 = Math.sqrt(Math.abs(x1));
    const d = t1 - t0;
    const kd = s * this.c * d;
    return (2 * t0 * expm1OverX(kd) + 2 * d * sqrtPathH(kd)) / (t0 + t1);
  }

  execute(signedSize: number, out: Fill): void {
    if (this.started === 0) throw new Error('SqrtImpactModel.execute before the first startBar');
    if (!Number.isFinite(signedSize)) throw new RangeError(`order size must be finite, got ${signedSize}`);
    const midBefore = this.refPrice * Math.exp(this.j);
    if (signedSize === 0) {
      writeFill(out, 0, midBefore, this.halfSpread, midBefore, midBefore);
      return;
    }
    const q0 = this.q;
    const q1 = q0 + signedSize;
    const f0 = this.potential(q0);
    const dJ = this.potential(q1) - f0;
    let meanRel: number;
    if (q0 * q1 >= 0) {
      meanRel = this.segmentMean(q0, q1);
    } else {
      // Crossing zero: unwind |q0| back to F(0) = 0, then build |q1| on the other side.
      const a0 = Math.abs(q0);
      const a1 = Math.abs(q1);
      meanRel = (a0 * this.segmentMean(q0, 0) + a1 * Math.exp(-f0) * this.segmentMean(0, q1)) / (a0 + a1);
    }
    this.q = q1;
    this.j += dJ;
    this.jTrans += (1 - this.permanentFraction) * dJ;
    const midAfter = this.refPrice * Math.exp(this.j);
    writeFill(out, signedSize, midBefore * meanRel, this.halfSpread, midBefore, midAfter);
  }

  depthPerLogPrice(): number {
    const qa = Math.max(Math.abs(this.q), this.slopeFloor);
    return (2 * Math.sqrt(qa)) / this.c;
  }

  /** The potential's step from the current metaorder volume: execute's dJ, nothing moved. */
  midAfter(signedSize: number): number {
    return this.refPrice * Math.exp(this.j + (this.potential(this.q + signedSize) - this.potential(this.q)));
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['started', 'refPrice', 'c', 'j', 'jTrans', 'q']);
  }
}

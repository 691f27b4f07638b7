import { MS_PER_DAY, MS_PER_YEAR } from '../core/time.js';
import { BPS, type SqrtLiquidityConfig } from './config.js';
import {
  checkBarMarket, decayFactor, writeFill,
  type BarMarket, type Fill, type LiquidityModel,
} from './liquidity.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, Stateful } from '../sim/stateBlock.js';

/** sqrt(day / year), both calendar: σ_day = σ_year · this. V is volume per calendar day to match. */
const SQRT_DAY_IN_YEARS = Math.sqrt(MS_PER_DAY / MS_PER_YEAR);

/** 16-point Gauss–Legendre nodes and weights on [−1, 1] (positive half; symmetric). */
const GL_X = [
  0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
  0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499,
];
const GL_W = [
  0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
  0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541,
];

/**
 * Square-root impact (Tóth et al. 2011; Donier & Bonart 2015 for Bitcoin),
 * with a permanent part linear in volume (Huberman & Stanzl 2004).
 *
 * The impact potential is F(Q) = sign(Q) · c · sqrt(|Q|), c = Y σ_day /
 * (sqrt(V_day) · depthScale), over the running signed metaorder volume Q,
 * which decays with the transient half-life. An order q moves J by
 *
 *   (1 − pf) · (F(Q + q) − F(Q))   transient, decays with the half-life
 *   + pf · q · c / sqrt(φ V)        permanent, linear in signed volume
 *
 * (pf = permanentFraction, φ = referenceMetaorderFractionOfDailyVolume). A
 * single metaorder of the reference size φV therefore peaks at exactly the
 * square-root law's Y σ sqrt(φ) and leaves pf of it for good, as the
 * all-square-root model did; smaller metaorders leave less, larger ones more,
 * in proportion to their volume. The square-root part is wholly transient:
 * a permanent part that is concave in volume lets a buyer who splits an
 * order over time push the price up for less than a seller gets back.
 *
 * For same-sign flow without decay in between the transient increments
 * telescope and the permanent one is additive, so splitting an order costs
 * the same as sending it whole. A sign flip first unwinds the metaorder back
 * through F(0) = 0 along the curve it came up, then starts one on the other
 * side. depthScale divides c so that depth scales like depthScale, as in the
 * linear and book models; note σ already thins this model as vol rises.
 *
 * Fill price: the mean of the mid along the path, times (1 ± halfSpread).
 * On each same-sign segment, substituting t = sqrt|x| makes the integrand
 * smooth (2t · exp(a·t + b·t²)), and 16-point Gauss–Legendre integrates it to
 * rounding for the exponents an order can reach.
 *
 * D for the branching ratio is the local slope 1 / J'(Q) =
 * 1 / ((1 − pf) c / (2 sqrt|Q|) + pf c / sqrt(φV)), with |Q| floored at
 * slopeFloorFractionOfDailyVolume · V, because F' is infinite at Q = 0.
 * With σ = 0 there is no impact and D is +Infinity.
 */
export class SqrtImpactModel extends Stateful implements LiquidityModel {
  readonly kind = 'sqrt' as const;

  private readonly dailyVolume: number;
  private readonly prefactor: number;
  private readonly halfSpread: number;
  private readonly permanentFraction: number;
  private readonly transientHalfLifeMs: number;
  private readonly slopeFloor: number;
  /** sqrt(φ V): the reference metaorder's sqrt, base^½. */
  private readonly sqrtReference: number;

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
    this.sqrtReference = Math.sqrt(cfg.referenceMetaorderFractionOfDailyVolume * cfg.dailyVolumeBase);
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

  /**
   * Mean of exp(J(x) − J(x0)) for x from x0 to x1 on one side of 0 (x0·x1 >= 0, x0 ≠ x1), where
   * J(x) = (1 − pf) F(x) + pf · k · x. With x = s·t²: ∫ exp(s(a(t − t0) + b(t² − t0²))) 2t dt / (t1² − t0²).
   */
  private segmentMean(x0: number, x1: number, k: number): number {
    const s = x0 + x1 > 0 ? 1 : -1;
    const t0 = Math.sqrt(Math.abs(x0));
    const t1 = Math.sqrt(Math.abs(x1));
    const a = s * (1 - this.permanentFraction) * this.c;
    const b = s * this.permanentFraction * k;
    const half = 0.5 * (t1 - t0);
    const mid = 0.5 * (t1 + t0);
    let sum = 0;
    for (let i = 0; i < 8; i++) {
      const d = half * GL_X[i];
      const tp = mid + d;
      const tm = mid - d;
      sum += GL_W[i] * (tp * Math.exp(a * (tp - t0) + b * (tp * tp - t0 * t0)) + tm * Math.exp(a * (tm - t0) + b * (tm * tm - t0 * t0)));
    }
    // ∫ 2t e^{…} dt ≈ 2 · half · Σ w f; divided by t1² − t0² = (t1 − t0)(t1 + t0) = 4 · half · mid.
    return sum / (2 * mid);
  }

  execute(signedSize: number, out: Fill): void {
    if (this.started === 0) throw new Error('SqrtImpactModel.execute before the first startBar');
    if (!Number.isFinite(signedSize)) throw new RangeError(`order size must be finite, got ${signedSize}`);
    const midBefore = this.refPrice * Math.exp(this.j);
    if (signedSize === 0) {
      writeFill(out, 0, midBefore, this.halfSpread, midBefore, midBefore);
      return;
    }
    const pf = this.permanentFraction;
    const k = this.c / this.sqrtReference;
    const q0 = this.q;
    const q1 = q0 + signedSize;
    const f0 = this.potential(q0);
    const dTrans = (1 - pf) * (this.potential(q1) - f0);
    const dPerm = pf * k * signedSize;
    let meanRel: number;
    if (q0 * q1 >= 0) {
      meanRel = this.segmentMean(q0, q1, k);
    } else {
      // Crossing zero: unwind |q0| back to F(0) = 0, then build |q1| on the other side. The first segment's J
      // change up to the crossing is −(1 − pf) f0 − pf k q0.
      const a0 = Math.abs(q0);
      const a1 = Math.abs(q1);
      const atZero = Math.exp(-(1 - pf) * f0 - pf * k * q0);
      meanRel = (a0 * this.segmentMean(q0, 0, k) + a1 * atZero * this.segmentMean(0, q1, k)) / (a0 + a1);
    }
    this.q = q1;
    this.j += dTrans + dPerm;
    this.jTrans += dTrans;
    const midAfter = this.refPrice * Math.exp(this.j);
    writeFill(out, signedSize, midBefore * meanRel, this.halfSpread, midBefore, midAfter);
  }

  depthPerLogPrice(): number {
    const qa = Math.max(Math.abs(this.q), this.slopeFloor);
    const slope = ((1 - this.permanentFraction) * this.c) / (2 * Math.sqrt(qa)) + (this.permanentFraction * this.c) / this.sqrtReference;
    return 1 / slope;
  }

  /** The potential's step from the current metaorder volume: execute's dJ, nothing moved. */
  midAfter(signedSize: number): number {
    const dTrans = (1 - this.permanentFraction) * (this.potential(this.q + signedSize) - this.potential(this.q));
    const dPerm = this.permanentFraction * (this.c / this.sqrtReference) * signedSize;
    return this.refPrice * Math.exp(this.j + (dTrans + dPerm));
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['started', 'refPrice', 'c', 'j', 'jTrans', 'q']);
  }
}

import { BPS, type LinearLiquidityConfig } from './config.js';
import {
  checkBarMarket, decayFactor, expm1OverX, writeFill,
  type BarMarket, type Fill, type LiquidityModel,
} from './liquidity.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, Stateful } from '../sim/stateBlock.js';

/**
 * Linear impact (Kyle 1985; Obizhaeva & Wang 2013 resilience).
 *
 * Depth D is in base units per unit log-price: an order of q base units moves
 * J by exactly q / D. D0 = depth1PctQuote / (0.01 · refPrice_0) is fixed at the
 * first bar; afterwards D = D0 · depthScale (withdrawal, or a calibrated depth
 * ratio folded in by the engine). Base-unit depth is kept fixed rather than
 * quote depth so that q / D is a constant of the run and the branching ratio
 * n / D' is read directly.
 *
 * Of each ΔJ, `permanentFraction` is permanent; the rest is transient and
 * decays by 0.5^(dt / transientHalfLifeMs) at each bar start.
 *
 * Fill price: each marginal unit u in [0, q] trades at the mid it meets,
 * midBefore · exp(u / D), so the average is the exact mean along the linear
 * log path: midBefore · (e^{ΔJ} − 1) / ΔJ, then times (1 ± halfSpread).
 *
 * State is J (total) and J_trans, not J_perm and J_trans, so that J after one
 * order from rest is exactly q / D and J with no orders is exactly 0.
 */
export class LinearImpactModel extends Stateful implements LiquidityModel {
  readonly kind = 'linear' as const;

  private readonly depth1PctQuote: number;
  private readonly halfSpread: number;
  private readonly permanentFraction: number;
  private readonly transientHalfLifeMs: number;

  // State (declared in describeState).
  private started = 0;
  private refPrice = Number.NaN;
  private depth0 = Number.NaN;
  private depth = Number.NaN;
  private j = 0;
  private jTrans = 0;

  constructor(cfg: Omit<LinearLiquidityConfig, 'kind'>) {
    super();
    this.depth1PctQuote = cfg.depth1PctQuote;
    this.halfSpread = cfg.halfSpreadBps * BPS;
    this.permanentFraction = cfg.permanentFraction;
    this.transientHalfLifeMs = cfg.transientHalfLifeMs;
  }

  startBar(m: BarMarket): void {
    checkBarMarket(m);
    if (this.started === 0) {
      this.depth0 = this.depth1PctQuote / (0.01 * m.refPrice);
      this.started = 1;
    }
    const f = decayFactor(m.dtMs, this.transientHalfLifeMs);
    const decayed = this.jTrans * f;
    this.j = (this.j - this.jTrans) + decayed;
    this.jTrans = decayed;
    this.refPrice = m.refPrice;
    this.depth = this.depth0 * m.depthScale;
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

  execute(signedSize: number, out: Fill): void {
    if (this.started === 0) throw new Error('LinearImpactModel.execute before the first startBar');
    if (!Number.isFinite(signedSize)) throw new RangeError(`order size must be finite, got ${signedSize}`);
    const midBefore = this.refPrice * Math.exp(this.j);
    const dJ = signedSize / this.depth;
    this.j += dJ;
    this.jTrans += (1 - this.permanentFraction) * dJ;
    const midAfter = this.refPrice * Math.exp(this.j);
    writeFill(out, signedSize, midBefore * expm1OverX(dJ), this.halfSpread, midBefore, midAfter);
  }

  depthPerLogPrice(): number {
    return this.depth;
  }

  midAfter(signedSize: number): number {
    return this.refPrice * Math.exp(this.j + signedSize / this.depth);
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['started', 'refPrice', 'depth0', 'depth', 'j', 'jTrans']);
  }
}

import { BPS } from './config.js';
import {
  checkBarMarket, decayFactor,
  type BarMarket, type Fill, type LiquidityModel,
} from './liquidity.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * The book's geometry: per side, level offsets in log-price from the mid
 * (strictly increasing, > 0) and target depths. `targetUnit` says whether the
 * targets are base units, or quote amounts converted to base at the first
 * bar's price (so a grid calibrated in quote depth means the same at any price).
 */
export interface BookShape {
  readonly bidOffsets: Float64Array;
  readonly bidTargets: Float64Array;
  readonly askOffsets: Float64Array;
  readonly askTargets: Float64Array;
  readonly targetUnit: 'base' | 'quote';
}

export interface BookDynamics {
  permanentFraction: number;
  transientHalfLifeMs: number;
  refillHalfLifeMs: number;
  probeBps: number;
}

/** One side's arrays; `depth` and `start` are state, the rest is fixed. */
interface Side {
  readonly sign: 1 | -1;
  readonly off: Float64Array;
  /** exp(sign · off): price of each level relative to the anchor. */
  readonly factor: Float64Array;
  readonly target: Float64Array;
  /** Current resting depth, base units. */
  readonly depth: Float64Array;
  /** Depth at the current bar's start: the walk front interpolates on it. */
  readonly start: Float64Array;
  /** Log distance from the last level to where the tail begins (the last level's gap). */
  readonly tailGap: number;
}

function makeSide(sign: 1 | -1, off: Float64Array, target: Float64Array): Side {
  const n = off.length;
  const factor = new Float64Array(n);
  for (let k = 0; k < n; k++) factor[k] = Math.exp(sign * off[k]);
  const tailGap = n >= 2 ? off[n - 1] - off[n - 2] : off[0];
  return { sign, off, factor, target, depth: new Float64Array(n), start: new Float64Array(n), tailGap };
}

/**
 * Discrete L2 book around the mid (ABIDES-style levels, Obizhaeva–Wang-style
 * resilience). Choices, all documented because the brief left them open:
 *
 * - **Walk.** A market order walks the levels of its side in order of distance,
 *   each at its own price, against the book as it stood at the bar start
 *   (the anchor = the mid at bar start). Fill price is volume-weighted.
 * - **Where the mid goes.** To where the walk ended, interpolated inside the
 *   last level: consuming level k moves the front from level k−1's offset
 *   (0 for the first level) to level k's, in proportion to the share of
 *   level k's bar-start depth consumed. A fully consumed level k puts the mid
 *   exactly at its price. The interpolation keeps the mid continuous in order
 *   size: snapping the mid to the last touched level would let a one-unit
 *   "hair" order jump it by a whole level, and the re-centring below would
 *   then hand a round trip a profit. J is `J_anchor ± front`; the order's ΔJ
 *   is split into permanent and transient parts as in the linear model.
 * - **Beyond the window.** Past the last level the book continues with virtual
 *   levels at the last gap, each holding the last level's target, filled at
 *   their own prices (summed in closed form), fresh at every bar: liquidity
 *   outside the modelled window is not tracked.
 * - **Between bars** (startBar, in this order): the transient part of J decays
 *   with its half-life (the mid reverts toward the permanent level); the
 *   target depth becomes shape × depthScale, and depth above the new target
 *   is cancelled at once (withdrawal is instant); depth below target refills
 *   by 1 − 0.5^(dt / refillHalfLife) of the gap; then the book is re-centred
 *   on the new mid, keeping each level's depth by index, so consumed levels
 *   stay thin next to the mid until they refill. Exogenous moves of the
 *   reference price move the whole book with it (the overlay).
 *
 * Known limit: a book whose depth falls with distance (possible from a real
 * snapshot) can let buy-then-sell across a re-centring profit, because the
 * re-centred opposite side sits closer to the pushed mid than the walk did.
 * The generated grid refuses such profiles. A flat grid is not safe either
 * once a leg spans bars: an opening split over bars walks the levels its own
 * earlier pieces emptied while the untouched side is re-centred at full
 * depth, and a close split into freshly refilled books meets a first level
 * that spans only the half-spread; both let a round trip profit
 * (test/market/noFreeRoundTrip.test.ts pins them).
 */
export class OrderBookModel extends Stateful implements LiquidityModel {
  readonly kind = 'book' as const;

  private readonly bids: Side;
  private readonly asks: Side;
  private readonly targetUnit: 'base' | 'quote';
  private readonly permanentFraction: number;
  private readonly transientHalfLifeMs: number;
  private readonly refillHalfLifeMs: number;
  private readonly probe: number;

  private started = 0;
  private refPrice = Number.NaN;
  /** Base units per shape unit (1, or 1 / refPrice_0 for quote targets). */
  private unitScale = Number.NaN;
  private depthScale = 1;
  private j = 0;
  private jTrans = 0;
  private jAnchor = 0;
  /** Base units consumed in each side's tail this bar. */
  private bidTail = 0;
  private askTail = 0;

  constructor(shape: BookShape, dyn: BookDynamics) {
    super();
    checkSide('bid', shape.bidOffsets, shape.bidTargets);
    checkSide('ask', shape.askOffsets, shape.askTargets);
    this.bids = makeSide(-1, shape.bidOffsets.slice(), shape.bidTargets.slice());
    this.asks = makeSide(1, shape.askOffsets.slice(), shape.askTargets.slice());
    this.targetUnit = shape.targetUnit;
    this.permanentFraction = dyn.permanentFraction;
    this.transientHalfLifeMs = dyn.transientHalfLifeMs;
    this.refillHalfLifeMs = dyn.refillHalfLifeMs;
    this.probe = dyn.probeBps * BPS;
  }

  startBar(m: BarMarket): void {
    checkBarMarket(m);
    const first = this.started === 0;
    if (first) {
      this.unitScale = this.targetUnit === 'quote' ? 1 / m.refPrice : 1;
      this.started = 1;
    }
    const f = decayFactor(m.dtMs, this.transientHalfLifeMs);
    const decayed = this.jTrans * f;
    this.j = (this.j - this.jTrans) + decayed;
    this.jTrans = decayed;
    this.refPrice = m.refPrice;
    this.depthScale = m.depthScale;
    const scale = this.unitScale * m.depthScale;
    const refill = first ? 0 : decayFactor(m.dtMs, this.refillHalfLifeMs);
    this.refillSide(this.bids, scale, refill);
    this.refillSide(this.asks, scale, refill);
    this.jAnchor = this.j;
    this.bidTail = 0;
    this.askTail = 0;
  }

  /** `remain` = share of the gap to target still missing after the refill (0 fills the book). */
  private refillSide(s: Side, scale: number, remain: number): void {
    for (let k = 0; k < s.off.length; k++) {
      const t = s.target[k] * scale;
      let d = s.depth[k];
      if (d > t) d = t;
      else if (d < t && remain !== 1) d = t - (t - d) * remain;
      s.depth[k] = d;
      s.start[k] = d;
    }
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

  /** Depth of each virtual tail level: the last level's current target, base units. */
  private tailLevelDepth(s: Side): number {
    return s.target[s.off.length - 1] * this.unitScale * this.depthScale;
  }

  execute(signedSize: number, out: Fill): void {
    if (this.started === 0) throw new Error('OrderBookModel.execute before the first startBar');
    if (!Number.isFinite(signedSize)) throw new RangeError(`order size must be finite, got ${signedSize}`);
    const midBefore = this.refPrice * Math.exp(this.j);
    if (signedSize === 0) {
      out.size = 0; out.price = midBefore; out.midBefore = midBefore; out.midAfter = midBefore;
      out.cost = 0; out.impactCost = 0;
      return;
    }
    const s = signedSize > 0 ? this.asks : this.bids;
    const anchorPrice = this.refPrice * Math.exp(this.jAnchor);
    const n = s.off.length;
    let rem = Math.abs(signedSize);
    let notional = 0;
    let touch = Number.NaN;
    let kEnd = -1;
    for (let k = 0; k < n; k++) {
      const d = s.depth[k];
      if (d <= 0) continue;
      const take = d < rem ? d : rem;
      const price = anchorPrice * s.factor[k];
      if (kEnd < 0) touch = price;
      notional += take * price;
      s.depth[k] = d - take;
      rem -= take;
      kEnd = k;
      if (rem === 0) break;
    }
    let front: number;
    if (rem > 0) {
      // Virtual levels i = 1, 2, ... at off_L + i·gap, each holding the last level's target, filled
      // at their own prices like real levels (a continuous tail would skip the level-price penalty
      // and let a round trip across a re-centring profit).
      const t = this.tailLevelDepth(s);
      const g = s.tailGap;
      const u0 = s.sign > 0 ? this.askTail : this.bidTail;
      const u1 = u0 + rem;
      const base = anchorPrice * Math.exp(s.sign * s.off[n - 1]);
      const i0 = Math.floor(u0 / t) + 1;
      const i1 = Math.max(i0, Math.ceil(u1 / t));
      const p0 = base * Math.exp(s.sign * i0 * g);
      if (kEnd < 0) touch = p0;
      if (i0 === i1) {
        notional += rem * p0;
      } else {
        const p1 = base * Math.exp(s.sign * i1 * g);
        notional += (i0 * t - u0) * p0 + (u1 - (i1 - 1) * t) * p1;
        const full = i1 - i0 - 1;
        // Σ_{i=i0+1}^{i1-1} e^{s·i·g} = e^{s(i0+1)g} · (e^{s·full·g} − 1) / (e^{s g} − 1).
        if (full > 0) notional += t * base * Math.exp(s.sign * (i0 + 1) * g) * (Math.expm1(s.sign * full * g) / Math.expm1(s.sign * g));
      }
      front = s.off[n - 1] + (u1 / t) * g;
      if (s.sign > 0) this.askTail = u1;
      else this.bidTail = u1;
    } else {
      const prev = kEnd === 0 ? 0 : s.off[kEnd - 1];
      const st = s.start[kEnd];
      const frac = st > 0 ? (st - s.depth[kEnd]) / st : 1;
      front = prev + (s.off[kEnd] - prev) * frac;
    }
    const newJ = this.jAnchor + s.sign * front;
    const dJ = newJ - this.j;
    this.j = newJ;
    this.jTrans += (1 - this.permanentFraction) * dJ;
    const midAfter = this.refPrice * Math.exp(newJ);
    let price = notional / Math.abs(signedSize);
    // Rounding must never make a buy cheaper than the mid before it (cost >= 0 is a contract).
    if (signedSize > 0 ? price < midBefore : price > midBefore) price = midBefore;
    out.size = signedSize;
    out.price = price;
    out.midBefore = midBefore;
    out.midAfter = midAfter;
    out.cost = (price - midBefore) * signedSize;
    out.impactCost = Math.max(0, (price - touch) * signedSize);
  }

  /**
   * Resting depth (plus tail) within probeBps beyond the mid on the side an
   * order of sign `side` hits, divided by that log window: a secant D.
   */
  depthPerLogPrice(side = -1): number {
    const s = side > 0 ? this.asks : this.bids;
    const shift = s.sign * (this.j - this.jAnchor);
    let sum = 0;
    const n = s.off.length;
    for (let k = 0; k < n; k++) {
      const dist = s.off[k] - shift;
      if (dist > this.probe) break;
      if (dist >= 0) sum += s.depth[k];
    }
    const density = this.tailLevelDepth(s) / s.tailGap;
    const tailStart = Math.max(0, s.off[n - 1] + (s.sign > 0 ? this.askTail : this.bidTail) / density - shift);
    if (tailStart < this.probe) sum += density * (this.probe - tailStart);
    return sum / this.probe;
  }

  /** The book as `[price, size]` levels, nearest first (inspection and tests; allocates). */
  quotes(): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const anchorPrice = this.refPrice * Math.exp(this.jAnchor);
    const list = (s: Side): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      for (let k = 0; k < s.off.length; k++) out.push([anchorPrice * s.factor[k], s.depth[k]]);
      return out;
    };
    return { bids: list(this.bids), asks: list(this.asks) };
  }

  protected describeState(): Saveable {
    return stateOf(
      ownScalars(this, ['started', 'refPrice', 'unitScale', 'depthScale', 'j', 'jTrans', 'jAnchor', 'bidTail', 'askTail']),
      arrays(this.bids.depth, this.bids.start, this.asks.depth, this.asks.start),
    );
  }

  /**
   * execute's walk, reading the levels without taking from them: where the
   * front would end, hence the mid. Kept apart from execute so the walk's
   * owner can change execute's bookkeeping freely; the two must end the
   * front at the same place (test/market/midAfter.test.ts).
   */
  midAfter(signedSize: number): number {
    if (signedSize === 0) return this.refPrice * Math.exp(this.j);
    const s = signedSize > 0 ? this.asks : this.bids;
    const n = s.off.length;
    let rem = Math.abs(signedSize);
    let kEnd = -1;
    let left = 0;
    for (let k = 0; k < n; k++) {
      const d = s.depth[k];
      if (d <= 0) continue;
      const take = d < rem ? d : rem;
      rem -= take;
      kEnd = k;
      left = d - take;
      if (rem === 0) break;
    }
    let front: number;
    if (rem > 0) {
      const u1 = (s.sign > 0 ? this.askTail : this.bidTail) + rem;
      front = s.off[n - 1] + (u1 / this.tailLevelDepth(s)) * s.tailGap;
    } else {
      const prev = kEnd === 0 ? 0 : s.off[kEnd - 1];
      const st = s.start[kEnd];
      front = prev + (s.off[kEnd] - prev) * (st > 0 ? (st - left) / st : 1);
    }
    return this.refPrice * Math.exp(this.jAnchor + s.sign * front);
  }
}

function checkSide(name: string, off: Float64Array, target: Float64Array): void {
  if (off.length === 0) throw new RangeError(`book ${name} side has no levels`);
  if (off.length !== target.length) throw new RangeError(`book ${name} side: ${off.length} offsets but ${target.length} targets`);
  for (let k = 0; k < off.length; k++) {
    if (!(off[k] > 0) || !Number.isFinite(off[k]) || (k > 0 && !(off[k] > off[k - 1]))) {
      throw new RangeError(`book ${name} level ${k}: offsets must be finite, > 0 and strictly increasing (got ${off[k]})`);
    }
    if (!(target[k] > 0) || !Number.isFinite(target[k])) throw new RangeError(`book ${name} level ${k}: target depth must be finite and > 0 (got ${target[k]})`);
  }
}

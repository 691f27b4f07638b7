import { BPS } from './config.js';
import {
  checkBarMarket, decayFactor,
  type BarMarket, type Fill, type LiquidityModel,
} from './liquidity.js';
import { makeLevels, type LevelSide, type Levels } from './bookLevels.js';
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

/**
 * One side: its level arrays as the level storage made them (offsets, span
 * starts, targets; `depth` and `start` are state, the rest is fixed), and
 * what the walks add.
 */
interface Side extends LevelSide {
  readonly sign: 1 | -1;
  /** exp(sign · off): price of each level relative to the side's anchor. */
  readonly factor: Float64Array;
  /** Log distance from the last level to where the tail begins (the last level's gap). */
  readonly tailGap: number;
}

function makeSide(sign: 1 | -1, offsets: Float64Array, targets: Float64Array, levels: Levels): Side {
  const n = offsets.length;
  const ls = levels.side(n);
  const { off, prev, target } = ls;
  off.set(offsets);
  target.set(targets);
  const factor = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    factor[k] = Math.exp(sign * off[k]);
    prev[k] = k === 0 ? 0 : off[k - 1];
  }
  const tailGap = n >= 2 ? off[n - 1] - off[n - 2] : off[0];
  return { ...ls, sign, factor, tailGap };
}

/**
 * The steepest secant of a side's target book from its anchor: the largest
 * cumulative target depth within a log distance y, divided by y, over every
 * level and over the virtual tail (shape units per unit log-price). A level
 * counts in full at its own offset, so a first level that holds a whole
 * level's depth inside the half-spread shows up here as a steep secant.
 */
function steepestSecant(off: Float64Array, target: Float64Array): number {
  const n = off.length;
  let cum = 0;
  let best = 0;
  for (let k = 0; k < n; k++) {
    cum += target[k];
    const r = cum / off[k];
    if (r > best) best = r;
  }
  // Tail points (C_L + i·t) / (off_L + i·g) move monotonically towards t / g, so their supremum is one of the ends.
  const g = n >= 2 ? off[n - 1] - off[n - 2] : off[0];
  const tail = target[n - 1] / g;
  return tail > best ? tail : best;
}

/**
 * Discrete L2 book (ABIDES-style levels, Obizhaeva–Wang-style resilience),
 * built so that no round trip pays (Huberman & Stanzl 2004; Gatheral 2010).
 *
 * - **Walk.** A market order walks the levels of its side in order of distance,
 *   each at its own price, against the book as it stood at the bar start (the
 *   side's anchor, below). Fill price is volume-weighted. Past the last level
 *   the book continues with virtual levels at the last gap, each holding the
 *   last level's target, filled at their own prices (summed in closed form),
 *   fresh at every bar.
 * - **Reference mid R.** Every order also moves a reference log-price R by
 *   q / D, exactly as the linear model moves its mid: a share
 *   `permanentFraction` for good, the rest transient, decaying with the
 *   transient half-life. D is the target book's steepest secant depth (above)
 *   times the bar's depthScale, so for a flat grid it is the depth per unit
 *   log-price the grid was built with.
 * - **Touches and the mid.** Each side's touch is where its walks ended:
 *   its anchor ± the walk front, interpolated inside the last level (level k
 *   spans from level k−1's offset, 0 for the first, to its own), so it is
 *   continuous in order size. The mid is the midpoint of the two touches in
 *   log-price, continuous in every order on either side. A touch beyond R
 *   is that side's depletion excess: how much further its walks went than a
 *   full book would have taken them. It is transient and relaxes with the
 *   refill: at each bar start it shrinks by the share of consumed depth still
 *   missing, 0.5^(dt / refillHalfLife).
 * - **Anchors.** Each side starts the bar at R plus its excess. Orders on the
 *   other side move it with R (a seller's impact re-quotes the asks down with
 *   R); its own walks leave the anchor and advance its front. So after a sale
 *   has emptied the bids below R the asks wait at R, the mid sits halfway,
 *   and a small buy moves the mid by a small amount. (A mid at wherever the
 *   last walk ended flipped by the whole excess, several percent in a crash,
 *   on the first order the other way; a side held where its first walk of
 *   the bar left it stayed far above a price that liquidations then took
 *   down 35% within the bar, and held the mid up with it.)
 * - **Between bars** (startBar): R's transient part decays; the target
 *   depth becomes shape × depthScale, depth above it is cancelled at once,
 *   depth below it refills by 1 − 0.5^(dt / refillHalfLife) of the gap; each
 *   side's excess relaxes and its levels keep their depth by index, so the
 *   consumed levels stay thin next to its touch until they refill.
 *   Exogenous moves of the reference price move the whole book with it (the
 *   overlay).
 *
 * Why no round trip pays: every unit bought fills at or above exp(R) at that
 * moment, and every unit sold at or below it. Each unit fills beyond its
 * side's touch, and the touch never falls behind R: it starts the bar at or
 * beyond R, moves with R when the other side trades, and when its own side
 * trades R moves by q / D while a walk through depth no fuller than the
 * target advances the front by at least q / D, by the choice of D. So a
 * trip's cash is at most that of the linear model with depth D and no spread
 * on the same orders, which never profits. Depletion, refill and withdrawal
 * change only how much worse than R a fill is.
 */
export class OrderBookModel extends Stateful implements LiquidityModel {
  readonly kind = 'book' as const;

  /** Where the sides' arrays live, and the loops over them (WebAssembly where it compiles; bit for bit the same). */
  private readonly levels: Levels;
  private readonly bids: Side;
  private readonly asks: Side;
  private readonly targetUnit: 'base' | 'quote';
  private readonly permanentFraction: number;
  private readonly transientHalfLifeMs: number;
  private readonly refillHalfLifeMs: number;
  private readonly probe: number;
  /** Steepest secant over both sides, shape units per unit log-price: one D for buys and sells. */
  private readonly secant: number;

  // Pure caches (not state): the transient decay and refill factors of the last dt, the probed depth per side, and midAfter's last answer.
  private cachedDtMs = Number.NaN;
  private cachedRemain = Number.NaN;
  private cachedDecayDtMs = Number.NaN;
  private cachedDecay = Number.NaN;
  private probeBid = Number.NaN;
  private probeAsk = Number.NaN;
  /** midAfter's last question and answer (NaN: none since the book last moved). */
  private memoSize = Number.NaN;
  private memoMid = Number.NaN;
  /**
   * Walks start at these levels: every level before is empty (walks empty
   * the levels they pass, and only a refill fills them again). A cache, not
   * state: 0 is always right, and a load resets it there.
   */
  private bidFirst = 0;
  private askFirst = 0;

  private started = 0;
  private refPrice = Number.NaN;
  /** Base units per shape unit (1, or 1 / refPrice_0 for quote targets). */
  private unitScale = Number.NaN;
  private depthScale = 1;
  /** D of the reference mid this bar, base units per unit log-price. */
  private refDepth = Number.NaN;
  /** R (total) and its transient part. */
  private r = 0;
  private rTrans = 0;
  /**
   * Each side's anchor, log-price: R plus its depletion excess at the bar
   * start (how far beyond R its touch was left, relaxed by the refill), then
   * moved with R by orders on the other side, not by its own walks (those
   * advance its front instead).
   */
  private bidAnchor = 0;
  private askAnchor = 0;
  /** How far each side's walks reached this bar from its anchor (its touch), log-price; 0 if not walked. */
  private bidFront = 0;
  private askFront = 0;
  /** Base units consumed in each side's tail this bar. */
  private bidTail = 0;
  private askTail = 0;

  constructor(shape: BookShape, dyn: BookDynamics) {
    super();
    checkSide('bid', shape.bidOffsets, shape.bidTargets);
    checkSide('ask', shape.askOffsets, shape.askTargets);
    this.levels = makeLevels(shape.bidOffsets.length + shape.askOffsets.length);
    this.bids = makeSide(-1, shape.bidOffsets, shape.bidTargets, this.levels);
    this.asks = makeSide(1, shape.askOffsets, shape.askTargets, this.levels);
    this.secant = Math.max(steepestSecant(this.bids.off, this.bids.target), steepestSecant(this.asks.off, this.asks.target));
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
    // Each side's depletion excess as the last bar left it: its touch beyond R (≥ 0, touchLog clamps at R).
    const bidExcess = this.r - this.touchLog(this.bids);
    const askExcess = this.touchLog(this.asks) - this.r;
    const f = this.transientDecay(m.dtMs);
    const decayed = this.rTrans * f;
    this.r = (this.r - this.rTrans) + decayed;
    this.rTrans = decayed;
    this.refPrice = m.refPrice;
    this.depthScale = m.depthScale;
    const scale = this.unitScale * m.depthScale;
    this.refDepth = this.secant * scale;
    const remain = first ? 0 : this.refillRemain(m.dtMs);
    this.refill(scale, remain);
    // A refill puts depth back on every level (targets are > 0); with none (remain 1) empty levels stay empty.
    if (remain !== 1) {
      this.bidFirst = 0;
      this.askFirst = 0;
    }
    this.bidAnchor = this.r - bidExcess * remain;
    this.askAnchor = this.r + askExcess * remain;
    this.bidFront = 0;
    this.askFront = 0;
    this.bidTail = 0;
    this.askTail = 0;
    this.forgetQueries();
  }

  /** The book moved: the probed depths and midAfter's last answer no longer hold. */
  private forgetQueries(): void {
    this.probeBid = Number.NaN;
    this.probeAsk = Number.NaN;
    this.memoSize = Number.NaN;
  }

  /** R's transient part left after dt; cached per dt like the refill factor. */
  private transientDecay(dtMs: number): number {
    if (dtMs !== this.cachedDecayDtMs) {
      this.cachedDecayDtMs = dtMs;
      this.cachedDecay = decayFactor(dtMs, this.transientHalfLifeMs);
    }
    return this.cachedDecay;
  }

  /** Share of the gap to target still missing after dt; bars mostly share one dt, so Math.pow runs once per run. */
  private refillRemain(dtMs: number): number {
    if (dtMs !== this.cachedDtMs) {
      this.cachedDtMs = dtMs;
      this.cachedRemain = decayFactor(dtMs, this.refillHalfLifeMs);
    }
    return this.cachedRemain;
  }

  /** Each side: cap at the new target, refill `1 − remain` of the gap, record the bar-start depth. */
  private refill(scale: number, remain: number): void {
    this.levels.refill(this.bids, scale, remain);
    this.levels.refill(this.asks, scale, remain);
  }

  /**
   * A side's touch, log-price: its anchor plus this bar's walk front. Never
   * on the wrong side of R (a walk ends at least as far as R moved, by the
   * choice of D; the clamp only absorbs rounding).
   */
  private touchLog(s: Side): number {
    if (s.sign > 0) {
      const t = this.askAnchor + this.askFront;
      return t > this.r ? t : this.r;
    }
    const t = this.bidAnchor - this.bidFront;
    return t < this.r ? t : this.r;
  }

  /** ln(mid / refPrice): the midpoint of the two touches. */
  private logMid(): number {
    return 0.5 * (this.touchLog(this.bids) + this.touchLog(this.asks));
  }

  mid(): number {
    return this.refPrice * Math.exp(this.logMid());
  }

  logImpact(): number {
    return this.logMid();
  }

  /** R's decaying part plus the mid's distance from R (the depletion excesses), which relaxes with the refill. */
  transientLogImpact(): number {
    return this.rTrans + (this.logMid() - this.r);
  }

  /** Depth of each virtual tail level: the last level's current target, base units. */
  private tailLevelDepth(s: Side): number {
    return s.target[s.off.length - 1] * this.unitScale * this.depthScale;
  }

  execute(signedSize: number, out: Fill): void {
    if (this.started === 0) throw new Error('OrderBookModel.execute before the first startBar');
    if (!Number.isFinite(signedSize)) throw new RangeError(`order size must be finite, got ${signedSize}`);
    const midBefore = this.refPrice * Math.exp(this.logMid());
    if (signedSize === 0) {
      out.size = 0; out.price = midBefore; out.midBefore = midBefore; out.midAfter = midBefore;
      out.cost = 0; out.impactCost = 0;
      return;
    }
    const s = signedSize > 0 ? this.asks : this.bids;
    const anchor = s.sign > 0 ? this.askAnchor : this.bidAnchor;
    const anchorPrice = this.refPrice * Math.exp(anchor);
    const n = s.off.length;
    let rem = Math.abs(signedSize);
    let notional = 0;
    let touch = Number.NaN;
    let kEnd = -1;
    for (let k = s.sign > 0 ? this.askFirst : this.bidFirst; k < n; k++) {
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
      // at their own prices like real levels.
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
      const prev = s.prev[kEnd];
      const st = s.start[kEnd];
      const frac = st > 0 ? (st - s.depth[kEnd]) / st : 1;
      front = prev + (s.off[kEnd] - prev) * frac;
    }
    const dR = signedSize / this.refDepth;
    this.r += dR;
    this.rTrans += (1 - this.permanentFraction) * dR;
    // The other side is re-quoted with R; this side's walk is its front.
    // Levels before the last one taken from are empty now (all of them when the walk reached the tail).
    const firstLeft = rem > 0 ? n : kEnd >= 0 ? kEnd : n;
    if (s.sign > 0) {
      this.askFront = front;
      this.bidAnchor += dR;
      this.askFirst = firstLeft;
    } else {
      this.bidFront = front;
      this.askAnchor += dR;
      this.bidFirst = firstLeft;
    }
    this.forgetQueries();
    const midAfter = this.refPrice * Math.exp(this.logMid());
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
   * order of sign `side` hits, divided by that log window: a secant D. Each
   * level's depth is spread over its span, as the walk front treats it.
   * Computed once per side between orders (the engine asks several times).
   */
  depthPerLogPrice(side = -1): number {
    if (side > 0) {
      if (Number.isNaN(this.probeAsk)) this.probeAsk = this.probeSide(this.asks, this.askFront, this.askTail);
      return this.probeAsk;
    }
    if (Number.isNaN(this.probeBid)) this.probeBid = this.probeSide(this.bids, this.bidFront, this.bidTail);
    return this.probeBid;
  }

  private probeSide(s: Side, front: number, tailUsed: number): number {
    // The window starts at the side's touch, where the next order on this side starts to fill: the mid
    // sits between the touches, and the gap from it to the touch is crossed at no depth (a window over
    // that gap would read D = 0, an infinite branching ratio, for a book that still holds its levels).
    const lo = front;
    const hi = lo + this.probe;
    const n = s.off.length;
    let sum = this.levels.probe(s, lo, hi);
    const density = this.tailLevelDepth(s) / s.tailGap;
    const tailStart = s.off[n - 1] + tailUsed / density;
    const from = tailStart > lo ? tailStart : lo;
    if (from < hi) sum += density * (hi - from);
    return sum / this.probe;
  }

  /** The book as `[price, size]` levels, nearest first (inspection and tests; allocates). */
  quotes(): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const list = (s: Side): Array<[number, number]> => {
      const anchorPrice = this.refPrice * Math.exp(s.sign > 0 ? this.askAnchor : this.bidAnchor);
      const out: Array<[number, number]> = [];
      for (let k = 0; k < s.off.length; k++) out.push([anchorPrice * s.factor[k], s.depth[k]]);
      return out;
    };
    return { bids: list(this.bids), asks: list(this.asks) };
  }

  /**
   * The best ask for a buy (side > 0), the best bid for a sale: where that
   * side's walk front stands (the continuous touch; the next unit fills at
   * the far edge of the level the front is in).
   */
  touch(side: number): number {
    return this.refPrice * Math.exp(this.touchLog(side > 0 ? this.asks : this.bids));
  }

  /** The best bid and ask as the walks left them, prices (their log-midpoint is the mid); inspection and tests. */
  touches(): { bid: number; ask: number } {
    return { bid: this.touch(-1), ask: this.touch(1) };
  }

  /** D of the reference mid R this bar (base units per unit log-price); tests and docs. */
  referenceDepth(): number {
    return this.refDepth;
  }

  override loadState(buf: Float64Array, offset: number): void {
    super.loadState(buf, offset);
    this.forgetQueries();
    this.bidFirst = 0;
    this.askFirst = 0;
  }

  protected describeState(): Saveable {
    return stateOf(
      ownScalars(this, [
        'started', 'refPrice', 'unitScale', 'depthScale', 'refDepth', 'r', 'rTrans',
        'bidAnchor', 'askAnchor', 'bidFront', 'askFront', 'bidTail', 'askTail',
      ]),
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
    // The dealer's solve asks again for sizes it has just asked about (the plain order, the root): one answer is kept until the book moves.
    if (signedSize === this.memoSize) return this.memoMid;
    const m = this.walkMid(signedSize);
    this.memoSize = signedSize;
    this.memoMid = m;
    return m;
  }

  private walkMid(signedSize: number): number {
    if (signedSize === 0) return this.refPrice * Math.exp(this.logMid());
    const s = signedSize > 0 ? this.asks : this.bids;
    const anchor = s.sign > 0 ? this.askAnchor : this.bidAnchor;
    const n = s.off.length;
    let rem = Math.abs(signedSize);
    let kEnd = -1;
    let left = 0;
    for (let k = s.sign > 0 ? this.askFirst : this.bidFirst; k < n; k++) {
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
      const prev = s.prev[kEnd];
      const st = s.start[kEnd];
      front = prev + (s.off[kEnd] - prev) * (st > 0 ? (st - left) / st : 1);
    }
    // execute's touches after the order: this side's at its new front, the other side's moved with R,
    // each clamped at R.
    const dR = signedSize / this.refDepth;
    const r = this.r + dR;
    let own = anchor + s.sign * front;
    if (s.sign * (own - r) < 0) own = r;
    let other: number;
    if (s.sign > 0) {
      other = this.bidAnchor + dR - this.bidFront;
      if (other > r) other = r;
    } else {
      other = this.askAnchor + dR + this.askFront;
      if (other < r) other = r;
    }
    return this.refPrice * Math.exp(0.5 * (own + other));
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

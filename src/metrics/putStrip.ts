/**
 * The lending protocol as a short put strip (docs/model.md#put-strip).
 *
 * An account with collateral c (base) and debt d (quote) leaves bad debt
 * max(d − c·P, 0) if it is closed at price P without a liquidation. Written
 * with its strike K = d / c this is c·max(K − P, 0): the lenders are short c
 * puts struck at K. The protocol's bad-debt exposure over a liquidation
 * horizon τ is therefore a put strip, valued here on the volatility surface
 * with Black-Scholes:
 *     V = Σ_b C_b · Put(P, K̄_b, τ, σ(K̄_b, F, τ)),
 * with delta ∂V/∂P and gamma ∂²V/∂P² at fixed implied vols (the
 * sticky-strike greeks; under a sticky-moneyness surface the total
 * derivative also moves σ). V, delta and gamma are those of the *exposure*
 * (a long put strip: delta ≤ 0, gamma ≥ 0); the protocol's position is −V.
 *
 * Accounts come in strike buckets (the ladder keeps Σ collateral and Σ debt
 * per bucket over log strike: Ladder.forEachStrikeBucket). A bucket is valued at its collateral-weighted mean strike
 * K̄_b = D_b / C_b, which keeps the intrinsic exact whenever a bucket lies
 * wholly on one side of P. Because a put is convex in K, bucketing can only
 * lower V (Jensen); the error is at most ½·max ∂²Put/∂K² · Σ c_i (K_i − K̄_b)²
 * ≤ C·width²/8 · max density (test/metrics pins this against a per-account
 * valuation).
 */
import { bsEval, OUT_DELTA, OUT_GAMMA, OUT_PRICE, OUT_SIZE } from '../pricing/kernel.js';
import type { VolSurface } from '../sim/volSurface.js';

/** Visitor of one strike bucket: its edges, Σ collateral (base), Σ debt (quote), account count. */
export type StrikeBucketVisitor = (strikeLo: number, strikeHi: number, collateral: number, debt: number, count: number) => void;

/**
 * What the ladder provides (src/protocol/ladder.ts implements it): every
 * non-empty strike bucket (strike = debt / collateral) meeting [lo, hi), in
 * increasing strike, in O(buckets visited).
 */
export interface StrikeBucketSource {
  forEachStrikeBucket(lo: number, hi: number, visit: StrikeBucketVisitor): void;
  /** Σ collateral and Σ debt with strike (debt/collateral) in [lo, hi); lets deep in-the-money buckets be summed in O(log B). */
  collateralWithStrikeIn?(lo: number, hi: number): number;
  debtWithStrikeIn?(lo: number, hi: number): number;
}

/** Output of {@link PutStripValuer.value}; pass one in and it is overwritten (no allocation per bar). */
export interface PutStripValue {
  /** Value of the bad-debt exposure, quote. */
  value: number;
  /** ∂V/∂P, base units (≤ 0). */
  delta: number;
  /** ∂²V/∂P², base units per quote (≥ 0). */
  gamma: number;
  /** Exposure if every account were closed now at P: Σ max(D_b − C_b·P, 0) over the buckets valued, quote. */
  intrinsic: number;
  /** Σ collateral valued, base units. */
  collateral: number;
}

export function makePutStripValue(): PutStripValue {
  return { value: 0, delta: 0, gamma: 0, intrinsic: 0, collateral: 0 };
}

/**
 * A strike below which a put is worth nothing to double precision: `sds`
 * standard deviations below the forward at the given vol (pass the largest
 * vol the surface shows down there). Lets a per-bar valuation skip the far
 * tail of the ladder: with sds = 10 an omitted bucket is worth less than
 * about 1e-23 of its collateral value.
 */
export function negligibleStrikeBelow(price: number, vol: number, tenorYears: number, sds = 10): number {
  if (!(tenorYears > 0)) return price;
  const s = vol * Math.sqrt(tenorYears);
  return price * Math.exp(-sds * s - 0.5 * s * s);
}

export interface PutStripOptions {
  /** Continuous rate and dividend (carry) per year. Default 0. */
  readonly rate?: number;
  readonly dividend?: number;
  /** Value only buckets meeting [minStrike, ∞); default 0 (all). See negligibleStrikeBelow. */
  readonly minStrike?: number;
  /**
   * Fast mode for per-bar use (default false: every bucket exactly): buckets
   * more than `sds` ATM standard deviations out of the money are skipped
   * (worth under ~1e-15 of their collateral at sds = 8), buckets that far in
   * the money are summed in closed form as forwards (put = K·e^{−rτ} −
   * P·e^{−qτ}: delta −e^{−qτ}, gamma 0, exact to the same order), and the
   * rest is valued in groups of adjacent buckets at most `groupSds`
   * standard deviations wide at their debt-weighted strike Σd/Σc (the
   * error is ½·Γ·Var(K) within a group: about 1e-4 of the group's gamma
   * value at groupSds = 0.01).
   */
  readonly fast?: { readonly sds: number; readonly groupSds: number };
}

/**
 * Values the strip bucket by bucket. Holds its scratch and a visitor bound
 * once, so a valuation allocates nothing.
 */
export class PutStripValuer {
  private readonly scratch = new Float64Array(OUT_SIZE);
  private readonly visitor: StrikeBucketVisitor;
  // Inputs and running sums of the valuation in progress.
  private price = 0;
  private forward = 0;
  private years = 0;
  private rate = 0;
  private dividend = 0;
  private surface: VolSurface | null = null;
  private sumValue = 0;
  private sumDelta = 0;
  private sumGamma = 0;
  private sumIntrinsic = 0;
  private sumCollateral = 0;

  private groupWidth = 1;
  private groupC = 0;
  private groupD = 0;
  private groupStart = 0;
  private lastEdge = 0;
  private readonly groupVisitor: StrikeBucketVisitor;

  constructor() {
    this.visitor = (_lo, _hi, c, d) => this.bucket(c, d);
    this.groupVisitor = (lo, hi, c, d) => {
      if (hi > this.lastEdge || this.lastEdge === Infinity) this.lastEdge = hi;
      if (!(c > 0) || !(d > 0)) return;
      // A group never straddles the spot, so intrinsic values stay exact.
      const crosses = this.groupStart < this.price && hi > this.price;
      if (this.groupC > 0 && (hi > this.groupStart * this.groupWidth || crosses)) this.flushGroup();
      if (this.groupC === 0) this.groupStart = lo;
      this.groupC += c;
      this.groupD += d;
    };
  }

  private flushGroup(): void {
    if (this.groupC > 0) this.bucket(this.groupC, this.groupD);
    this.groupC = 0;
    this.groupD = 0;
  }

  /**
   * Values the strip at spot `price` over `tenorYears` (the liquidation
   * horizon; ≤ 0 gives the intrinsic exposure exactly). The forward handed to
   * the surface is P·e^{(r − q)τ}.
   */
  value(source: StrikeBucketSource, price: number, tenorYears: number, surface: VolSurface, out: PutStripValue, opts: PutStripOptions = {}): PutStripValue {
    const rate = opts.rate ?? 0;
    const dividend = opts.dividend ?? 0;
    if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`price must be positive and finite, got ${price}`);
    if (!Number.isFinite(tenorYears)) throw new RangeError(`tenor must be finite, got ${tenorYears}`);
    if (!Number.isFinite(rate) || !Number.isFinite(dividend)) throw new RangeError(`rate and dividend must be finite, got ${rate}, ${dividend}`);
    this.price = price;
    this.years = tenorYears;
    this.rate = rate;
    this.dividend = dividend;
    this.forward = price * Math.exp((rate - dividend) * Math.max(tenorYears, 0));
    this.surface = surface;
    this.sumValue = 0;
    this.sumDelta = 0;
    this.sumGamma = 0;
    this.sumIntrinsic = 0;
    this.sumCollateral = 0;
    const fast = opts.fast;
    if (fast && tenorYears > 0 && source.collateralWithStrikeIn && source.debtWithStrikeIn) {
      const sqrtT = Math.sqrt(tenorYears);
      const sd = surface.impliedVol(this.forward, this.forward, tenorYears) * sqrtT;
      // The put wing's vol is higher than ATM on a skewed surface: place the
      // lower cut `sds` of the wing's own standard deviations out (a few
      // fixed-point steps of K = P·exp(−sds·σ(K)·√τ)).
      let lo = price * Math.exp(-fast.sds * sd);
      for (let k = 0; k < 4; k++) lo = price * Math.exp(-fast.sds * surface.impliedVol(lo, this.forward, tenorYears) * sqrtT);
      lo = Math.max(opts.minStrike ?? 0, lo);
      const hi = price * Math.exp(fast.sds * sd);
      this.groupWidth = Math.exp(fast.groupSds * sd);
      this.groupC = 0;
      this.groupD = 0;
      this.groupStart = 0;
      this.lastEdge = hi;
      source.forEachStrikeBucket(lo, hi, this.groupVisitor);
      this.flushGroup();
      // The tail starts at the upper edge of the last bucket visited, so no
      // bucket is counted twice or pro-rated.
      const cHi = source.collateralWithStrikeIn(this.lastEdge, Infinity);
      const dHi = source.debtWithStrikeIn(this.lastEdge, Infinity);
      if (cHi > 0) {
        const dq = Math.exp(-dividend * tenorYears);
        this.sumValue += dHi * Math.exp(-rate * tenorYears) - cHi * price * dq;
        this.sumDelta -= cHi * dq;
        this.sumIntrinsic += dHi - cHi * price;
        this.sumCollateral += cHi;
      }
    } else {
      source.forEachStrikeBucket(opts.minStrike ?? 0, Infinity, this.visitor);
    }
    this.surface = null;
    out.value = this.sumValue;
    out.delta = this.sumDelta;
    out.gamma = this.sumGamma;
    out.intrinsic = this.sumIntrinsic;
    out.collateral = this.sumCollateral;
    return out;
  }

  private bucket(c: number, d: number): void {
    if (!(c > 0) || !(d > 0)) return;
    const strike = d / c;
    const x = d - c * this.price;
    if (x > 0) this.sumIntrinsic += x;
    this.sumCollateral += c;
    const vol = this.years > 0 ? (this.surface as VolSurface).impliedVol(strike, this.forward, this.years) : 0;
    const o = this.scratch;
    bsEval(-1, this.price, strike, this.years, vol, this.rate, this.dividend, o);
    this.sumValue += c * o[OUT_PRICE];
    this.sumDelta += c * o[OUT_DELTA];
    this.sumGamma += c * o[OUT_GAMMA];
  }
}

/** One-off valuation (allocates a valuer; per-bar callers keep a PutStripValuer). */
export function valuePutStrip(source: StrikeBucketSource, price: number, tenorYears: number, surface: VolSurface, opts: PutStripOptions = {}): PutStripValue {
  return new PutStripValuer().value(source, price, tenorYears, surface, makePutStripValue(), opts);
}

/**
 * Strike buckets over fixed edges from per-account arrays: a reference
 * {@link StrikeBucketSource} (tests, small CSV populations). Bucket b holds
 * strikes in [edges[b], edges[b+1]); strikes outside the edges go to the
 * first or last bucket. O(n log B) to build.
 */
export class ArrayStrikeBuckets implements StrikeBucketSource {
  readonly bucketCount: number;
  private readonly edges: Float64Array;
  private readonly coll: Float64Array;
  private readonly debt: Float64Array;
  private readonly count: Float64Array;

  constructor(edges: Float64Array, collateral: Float64Array, debt: Float64Array) {
    if (edges.length < 2) throw new RangeError(`need at least 2 bucket edges, got ${edges.length}`);
    for (let i = 1; i < edges.length; i++) {
      if (!(edges[i] > edges[i - 1])) throw new RangeError(`bucket edges must increase: edges[${i - 1}] = ${edges[i - 1]}, edges[${i}] = ${edges[i]}`);
    }
    if (collateral.length !== debt.length) throw new RangeError(`collateral has ${collateral.length} accounts, debt ${debt.length}`);
    this.edges = Float64Array.from(edges);
    this.bucketCount = edges.length - 1;
    this.coll = new Float64Array(this.bucketCount);
    this.debt = new Float64Array(this.bucketCount);
    this.count = new Float64Array(this.bucketCount);
    for (let i = 0; i < collateral.length; i++) {
      const c = collateral[i];
      const d = debt[i];
      if (!(c > 0) || !(d > 0)) continue;
      const b = this.bucketOf(d / c);
      this.coll[b] += c;
      this.debt[b] += d;
      this.count[b] += 1;
    }
  }

  /** Bucket holding strike k (clamped to the first and last). */
  bucketOf(k: number): number {
    let lo = 0;
    let hi = this.bucketCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.edges[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  bucketCollateral(b: number): number {
    return this.coll[b];
  }

  bucketDebt(b: number): number {
    return this.debt[b];
  }

  forEachStrikeBucket(lo: number, hi: number, visit: StrikeBucketVisitor): void {
    if (!(hi > lo)) return;
    for (let b = this.bucketOf(lo); b < this.bucketCount && this.edges[b] < hi; b++) {
      if (this.count[b] > 0) visit(this.edges[b], this.edges[b + 1], this.coll[b], this.debt[b], this.count[b]);
    }
  }
}

/** Σ_b max(D_b − C_b·P, 0) over every bucket: the bad debt if everything were closed at P now. */
export function intrinsicExposure(source: StrikeBucketSource, price: number): number {
  let s = 0;
  source.forEachStrikeBucket(0, Infinity, (_lo, _hi, c, d) => {
    const x = d - c * price;
    if (x > 0) s += x;
  });
  return s;
}

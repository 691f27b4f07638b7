import type { Fill, LiquidityModel } from '../market/liquidity.js';
import type { Agent } from '../sim/agent.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import { CAUSE_CODE, type TradeLog } from '../sim/tradeLog.js';
import type { RestingOrders } from '../strategy/restingOrders.js';
import { makeFill, touchOf } from '../market/liquidity.js';

/** What the venue needs of an order's owner: the parties it answers for and where to tell it of a fill. */
export type FillOwner = Pick<Agent, 'party' | 'extraParties' | 'onFill'>;

/**
 * The one object the liquidity model writes each execution into and the
 * owner then reads as its `OrderFill`: filling it costs no copy and no
 * allocation per order.
 */
interface FillRecord extends Fill {
  cause: number;
  tag: number;
  party: number;
  bar: number;
  round: number;
}

/**
 * Where a cascade round's orders meet the market (docs/model.md#the-bar-loop,
 * steps 3 and 4): each order, in submission order, executes against
 * the liquidity model; the ledger moves cash and asset between the order's
 * party and the counterparties; the fill goes to the trade log; and the
 * agent that owns the party is told of it. The counterparties take the other
 * side of every fill, so the ledger's columns stay conserved.
 */
export class Venue {
  /** Signed base units executed since `beginBar` (the bar's order flow). */
  flowBase = 0;
  private readonly liquidity: LiquidityModel;
  private readonly ledger: Ledger;
  private readonly trades: TradeLog;
  private readonly ownerByParty: Array<FillOwner | undefined> = [];
  private readonly fill: FillRecord = {
    size: 0, price: Number.NaN, midBefore: Number.NaN, midAfter: Number.NaN, cost: 0, impactCost: 0, cause: 0, tag: 0, party: 0, bar: 0, round: 0,
  };
  private time = 0;
  /** The strategy's resting limit orders, filled against other parties' flow; null when no strategy runs. */
  private readonly resting: RestingOrders | null;
  /** What a resting order's owner is told of: separate from `fill`, which may be mid-way through a taker's order. */
  private readonly restFill: FillRecord = {
    size: 0, price: Number.NaN, midBefore: Number.NaN, midAfter: Number.NaN, cost: 0, impactCost: 0, cause: 0, tag: 0, party: 0, bar: 0, round: 0,
  };
  /** Trial executions for finding where a taker's path meets a resting price: the model's state is put back after each. */
  private readonly probe = makeFill();
  private scratch: Float64Array | null = null;

  /**
   * `owners` answer for their `party` and `extraParties`; orders of a party
   * nobody owns execute untold. With no `resting` orders (or none open) every
   * order goes straight to the model, exactly as before resting orders existed.
   */
  constructor(liquidity: LiquidityModel, ledger: Ledger, trades: TradeLog, owners: readonly FillOwner[], resting: RestingOrders | null = null) {
    this.liquidity = liquidity;
    this.ledger = ledger;
    this.trades = trades;
    this.resting = resting;
    for (const a of owners) {
      this.ownerByParty[a.party] = a;
      for (const p of a.extraParties ?? []) this.ownerByParty[p] = a;
    }
  }

  /**
   * Fills from now on belong to bar `bar`, starting at `timeMs` (epoch ms);
   * the bar's flow starts at 0. Resting orders the bar's exogenous move has
   * made marketable execute now (docs/strategies.md#resting-orders).
   */
  beginBar(bar: number, timeMs: number): void {
    this.fill.bar = bar;
    this.time = timeMs;
    this.flowBase = 0;
    if (this.resting !== null && this.resting.count > 0) this.sweepMarketable(0);
  }

  /** Executes the orders of cascade round `round`, one by one in submission order. */
  execute(orders: OrderQueue, round: number): void {
    // In locals: the loop calls out to owners, after which fields would be read again.
    const { liquidity: liq, ledger, trades, fill, ownerByParty: owners, time } = this;
    const bar = fill.bar;
    const cp = PARTY.counterparties;
    fill.round = round;
    const resting = this.resting;
    if (resting !== null && resting.count > 0) this.sweepMarketable(round);
    let flow = this.flowBase;
    for (let k = 0; k < orders.length; k++) {
      const size = orders.size[k];
      const party = orders.party[k];
      const cause = orders.cause[k];
      if (resting !== null && resting.count > 0 && party !== resting.party) {
        this.executeThrough(size, party, round);
      } else {
        liq.execute(size, fill);
        if (size > 0) ledger.trade(party, cp, fill.size, fill.price);
        else ledger.trade(cp, party, -fill.size, fill.price);
      }
      trades.push(time, bar, round, cause, fill.size, fill.price, fill.midBefore, fill.midAfter, fill.cost);
      trades.party[trades.length - 1] = party;
      flow += fill.size;
      const owner = owners[party];
      if (owner !== undefined) {
        fill.cause = cause;
        fill.tag = orders.tag[k];
        fill.party = party;
        owner.onFill(fill);
      }
    }
    this.flowBase = flow;
  }

  /** The model's state, for trial executions (allocated on the first one). */
  private saveModel(): Float64Array {
    const liq = this.liquidity;
    if (this.scratch === null || this.scratch.length < liq.stateSize) this.scratch = new Float64Array(liq.stateSize);
    liq.saveState(this.scratch, 0);
    return this.scratch;
  }

  /**
   * The part of an order of `size` (signed) that takes the touch it walks
   * (the mid, in a model that trades at its mid) from where it is to `price`
   * and no further: `size` itself when the whole order stops short of it.
   * The touch after an order is monotone in its size in every model but has
   * a closed inverse only in some (the book's levels make it piecewise), so
   * the root of ln(touch after q / price) is bracketed and found by regula
   * falsi with the Illinois step (exact in one step on the linear model, a
   * few on the others), falling back to bisection if it stalls. Returns the
   * bracket's near end: the touch after it never passes `price`.
   */
  private sizeToPrice(size: number, price: number): number {
    const liq = this.liquidity;
    const saved = this.saveModel();
    const lnP = Math.log(price);
    // Signed so that the near side (the mid has not reached the price) is > 0.
    const sign = size < 0 ? 1 : -1;
    let fFar = sign * this.gapAfter(size, lnP, saved);
    if (fFar >= 0) return size;
    let near = 0;
    let fNear = sign * (Math.log(touchOf(liq, -sign)) - lnP);
    // The true gap at `near` (fNear is scaled down by the Illinois steps).
    let gapNear = fNear;
    let far = size;
    let side = 0;
    for (let it = 0; it < 200; it++) {
      if (gapNear <= 1e-15 || Math.abs(far - near) <= 1e-13 * Math.abs(size)) break;
      let m = (near * fFar - far * fNear) / (fFar - fNear);
      // Every fourth step, or when the secant leaves the bracket, bisect: the book's piecewise path can stall regula falsi.
      if (!(m > Math.min(near, far) && m < Math.max(near, far)) || it % 4 === 3) m = 0.5 * (near + far);
      if (m === near || m === far) break;
      const fm = sign * this.gapAfter(m, lnP, saved);
      if (fm >= 0) {
        near = m;
        fNear = fm;
        gapNear = fm;
        if (side === 1) fFar *= 0.5;
        side = 1;
      } else {
        far = m;
        fFar = fm;
        if (side === -1) fNear *= 0.5;
        side = -1;
      }
    }
    return near;
  }

  /** ln(touch the order walks, after an order of `q`) − `lnPrice`, the model put back to `saved` afterwards. */
  private gapAfter(q: number, lnPrice: number, saved: Float64Array): number {
    this.liquidity.execute(q, this.probe);
    const g = Math.log(touchOf(this.liquidity, q)) - lnPrice;
    this.liquidity.loadState(saved, 0);
    return g;
  }

  /**
   * A taker's order (`party`, signed `size`) that meets resting orders on its
   * way: it executes against the model until the mid reaches the best resting
   * price, trades there with the resting order (no impact: the resting order
   * is the liquidity), and goes on against the model with what is left. The
   * taker is told of one fill at its average price, as if the resting orders
   * were levels of the book.
   */
  private executeThrough(size: number, party: number, round: number): void {
    const { liquidity: liq, ledger, fill, probe } = this;
    const resting = this.resting as RestingOrders;
    const side = size > 0 ? 1 : -1;
    const midBefore = liq.mid();
    let rem = size;
    let modelBase = 0;
    let modelQuote = 0;
    let restQuote = 0;
    let impactCost = 0;
    for (let guard = 0; rem !== 0 && guard < 1024; guard++) {
      const k = resting.best(side);
      if (k < 0) break;
      const p = resting.price[k];
      const t = touchOf(liq, side);
      if (side < 0 ? t > p : t < p) {
        // The whole rest first: most orders stop short of the resting price, and then this is their fill.
        const saved = this.saveModel();
        liq.execute(rem, probe);
        const after = touchOf(liq, side);
        if (side < 0 ? after >= p : after <= p) {
          modelBase += probe.size;
          modelQuote += probe.size * probe.price;
          impactCost += probe.impactCost;
          rem = 0;
          break;
        }
        liq.loadState(saved, 0);
        const q = this.sizeToPrice(rem, p);
        if (q !== 0) {
          liq.execute(q, probe);
          modelBase += probe.size;
          modelQuote += probe.size * probe.price;
          impactCost += probe.impactCost;
        }
        if (q === rem) {
          rem = 0;
          break;
        }
        rem -= q;
      }
      const take = side * Math.min(Math.abs(rem), Math.abs(resting.size[k]));
      this.fillResting(k, -take, p, round, party);
      restQuote += take * p;
      rem -= take;
    }
    if (rem !== 0) {
      liq.execute(rem, probe);
      modelBase += probe.size;
      modelQuote += probe.size * probe.price;
      impactCost += probe.impactCost;
    }
    const cp = PARTY.counterparties;
    ledger.payCash(party, cp, modelQuote);
    ledger.moveAsset(cp, party, modelBase);
    const price = (modelQuote + restQuote) / size;
    fill.size = size;
    fill.price = price;
    fill.midBefore = midBefore;
    fill.midAfter = liq.mid();
    fill.cost = (price - midBefore) * size;
    fill.impactCost = impactCost;
  }

  /**
   * Resting order `k` trades `size` (its own sign) at its price `price` with
   * `counter` (a taker's party, or the counterparties when it sweeps the
   * model); the trade log gets the strategy's row.
   */
  private fillResting(k: number, size: number, price: number, round: number, counter: number): void {
    const resting = this.resting as RestingOrders;
    const rf = this.restFill;
    const id = resting.id[k];
    if (size > 0) this.ledger.trade(resting.party, counter, size, price);
    else this.ledger.trade(counter, resting.party, -size, price);
    this.trades.push(this.time, this.fill.bar, round, CAUSE_CODE.strategy, size, price, price, price, 0);
    this.trades.party[this.trades.length - 1] = resting.party;
    const left = resting.size[k] - size;
    // A remainder within rounding of zero is a filled order, not a dust order left open.
    if (Math.abs(left) <= 1e-12 * Math.abs(resting.size[k])) resting.removeAt(k);
    else resting.size[k] = left;
    const owner = this.ownerByParty[resting.party];
    if (owner !== undefined) {
      rf.size = size;
      rf.price = price;
      rf.midBefore = price;
      rf.midAfter = price;
      rf.cost = 0;
      rf.impactCost = 0;
      this.tellResting(owner, id, resting.party, round);
    }
  }

  /** Tells a resting order's owner of the fill already written into `restFill`'s execution fields. */
  private tellResting(owner: FillOwner, id: number, party: number, round: number): void {
    const rf = this.restFill;
    rf.cause = CAUSE_CODE.strategy;
    rf.tag = id;
    rf.party = party;
    rf.bar = this.fill.bar;
    rf.round = round;
    owner.onFill(rf);
  }

  /**
   * Resting orders on the wrong side of the mid (a bid above it, an ask below
   * it: the price gapped through them, or they were placed there) take the
   * model up to their price: the part that brings the mid to the limit fills
   * at the model's prices, the rest keeps resting. Each order once per call.
   */
  private sweepMarketable(round: number): void {
    const { liquidity: liq, probe, ledger, trades } = this;
    const resting = this.resting as RestingOrders;
    const cp = PARTY.counterparties;
    const owner = this.ownerByParty[resting.party];
    const rf = this.restFill;
    for (let k = 0; k < resting.count; ) {
      const s = resting.size[k];
      const p = resting.price[k];
      // Marketable when it crosses the touch it would take: a bid above the best ask, an ask below the best bid.
      const t = touchOf(liq, s);
      if (!(s > 0 ? p > t : p < t)) {
        k++;
        continue;
      }
      const q = this.sizeToPrice(s, p);
      if (q === 0) {
        k++;
        continue;
      }
      const id = resting.id[k];
      liq.execute(q, probe);
      if (q > 0) ledger.trade(resting.party, cp, probe.size, probe.price);
      else ledger.trade(cp, resting.party, -probe.size, probe.price);
      trades.push(this.time, this.fill.bar, round, CAUSE_CODE.strategy, probe.size, probe.price, probe.midBefore, probe.midAfter, probe.cost);
      trades.party[trades.length - 1] = resting.party;
      this.flowBase += probe.size;
      const left = s - q;
      if (Math.abs(left) <= 1e-12 * Math.abs(s)) resting.removeAt(k);
      else {
        resting.size[k] = left;
        k++;
      }
      if (owner !== undefined) {
        Object.assign(rf, probe);
        this.tellResting(owner, id, resting.party, round);
      }
    }
  }
}

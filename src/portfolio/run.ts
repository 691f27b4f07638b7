import type { MarginParams } from '../config/portfolioSchema.js';
import type { LiquidityConfig } from '../market/config.js';
import { depthScale, type DepthWithdrawalParams } from '../market/depthWithdrawal.js';
import { createLiquidityModel } from '../market/factory.js';
import { makeFill, type BarMarket, type LiquidityModel } from '../market/liquidity.js';
import { RealisedVol } from '../market/realisedVol.js';
import type { MultiAccounts } from './accounts.js';
import { optionLegDue, perpLegDue, portfolioRequirement, spotLegDue, type ScanGrid } from './margin.js';
import { makeOptionScan, optionValue, volAtStrike } from './options.js';
import { AccountScreen, isolatedBox, portfolioBox } from './screen.js';
import { MS_PER_YEAR } from '../core/time.js';

export type MarginRule = 'isolated' | 'portfolio';

/** Everything one run needs, resolved from the scenario (setup.ts). */
export interface PortfolioSetup {
  readonly names: readonly string[];
  /** Bar start times, epoch ms, shared by every asset. */
  readonly time: Float64Array;
  /** Historical closes per asset, aligned with `time`. */
  readonly close: readonly Float64Array[];
  readonly liquidity: readonly LiquidityConfig[];
  readonly withdrawal: readonly (DepthWithdrawalParams & { calmVolPerYear: number })[];
  readonly initialVolPerYear: readonly number[];
  /** Each asset's surface for option legs: ATM = premium × realised vol at the bar start, linear skew in log-moneyness. */
  readonly surfaces: readonly { atmPremium: number; skewPerLogMoneyness: number }[];
  readonly realisedVolHalfLifeMs: number;
  readonly barMs: number;
  readonly maxCascadeRounds: number;
  readonly margin: MarginParams;
  readonly grid: ScanGrid;
  readonly accounts: MultiAccounts;
}

/** Per-asset figures of one run (arrays indexed by asset). */
export interface MarginRunResult {
  readonly rule: MarginRule;
  /** Times an account (isolated: a leg) was found below its requirement and liquidation began. */
  readonly marginCalls: number;
  /** Accounts that had at least one liquidation. */
  readonly accountsLiquidated: number;
  readonly liquidatedQuote: Float64Array;
  readonly liquidatedBase: Float64Array;
  readonly badDebtQuote: number;
  /** Premium value of option legs closed by liquidation (off-book, at model value), quote. */
  readonly optionsClosedQuote: number;
  readonly penaltyQuote: number;
  /** exp(min over bar ends of J) − 1, %: the deepest the forced flow pushed each asset below history. */
  readonly endogenousMovePct: Float64Array;
  /** exp(max over bar ends of J) − 1, %: the highest forced buying (shorts closed) pushed each asset above history. */
  readonly endogenousRisePct: Float64Array;
  /** Lowest simulated mid at a bar end against the lowest close, %: the extra depth of the low. */
  readonly lowVsHistoryPct: Float64Array;
  readonly cappedBars: number;
  /** 1 for each account liquidated at least once. */
  readonly liquidated: Uint8Array;
  /** Bar by bar (the bar's end, after its cascade rounds). */
  readonly bars: MarginRunBars;
}

/**
 * A run's per-bar record, each value taken at the bar's end. Per-asset
 * series are asset-major: asset a's bar i at a·bars + i.
 */
export interface MarginRunBars {
  /** Simulated mid per asset. */
  readonly mid: Float64Array;
  /** Quote volume of liquidation sales and buys this bar, per asset (option legs closed off-book are not in it). */
  readonly liquidatedQuote: Float64Array;
  /** Margin calls begun this bar. */
  readonly marginCalls: Float64Array;
  /** Accounts liquidated at least once up to this bar. */
  readonly accountsLiquidated: Float64Array;
  /** Bad debt up to this bar, quote. */
  readonly badDebtQuote: Float64Array;
}

const SPOT = 0;
const PERP = 1;
const OPT = 2;
const LEGS = 3;
/** Below this a leg counts as closed (base units): rounding of chunk sums. */
const DUST_BASE = 1e-12;

/**
 * One run of the multi-asset market under one margin rule. Every bar: each
 * asset's book adopts its close (lockstep), then cascade rounds run across
 * all assets until a round queues nothing: accounts are checked at the
 * round's mids (those the screen says could be due: screen.ts; the same
 * queue as checking all), the due legs (isolated) or the best risk-reducing chunks
 * (portfolio) are queued, and the queue executes in account order, each
 * order in its own asset's book at the mid the previous order left. After
 * the bar, each asset's realised vol absorbs its simulated return, so the
 * depth a bar sees never depends on that bar.
 */
export function runMarginRule(setup: PortfolioSetup, rule: MarginRule, opts: { readonly screen?: boolean } = {}): MarginRunResult {
  const A = setup.names.length;
  const n = setup.time.length;
  const acc = setup.accounts.clone();
  if (rule === 'portfolio') acc.poolCollateral();
  const K = acc.count;
  const m = setup.margin;
  const books: LiquidityModel[] = setup.liquidity.map((c, a) => createLiquidityModel(c, `assets.${a}.liquidity`));
  const vols = setup.initialVolPerYear.map((v) => new RealisedVol(setup.realisedVolHalfLifeMs, setup.barMs, v));
  const mids = new Float64Array(A);
  const live = new Float64Array(A);
  const prevMid = new Float64Array(A);
  const minJ = new Float64Array(A);
  const maxJ = new Float64Array(A);
  const minMid = new Float64Array(A).fill(Infinity);
  const minClose = new Float64Array(A).fill(Infinity);
  const liqQuote = new Float64Array(A);
  const liqBase = new Float64Array(A);
  const liquidated = new Uint8Array(K);
  let liquidatedCount = 0;
  const rec: MarginRunBars = {
    mid: new Float64Array(A * n),
    liquidatedQuote: new Float64Array(A * n),
    marginCalls: new Float64Array(n),
    accountsLiquidated: new Float64Array(n),
    badDebtQuote: new Float64Array(n),
  };
  // Isolated: one flag per leg (LEGS per slot); portfolio: one per account.
  const inCall = new Uint8Array(rule === 'isolated' ? K * A * LEGS : K);
  const episodeSize = new Float64Array(K * A * LEGS);
  // Option legs are few (hand-written): their slots are listed once and valued each round.
  const optSlots: number[] = [];
  for (let s = 0; s < K * A; s++) if (acc.optQty[s] !== 0) optSlots.push(s);
  const withOptions = optSlots.length > 0;
  const optUnit = new Float64Array(withOptions ? K * A : 0);
  const atm = new Float64Array(A);
  const skew = Float64Array.from(setup.surfaces, (x) => x.skewPerLogMoneyness);
  const scan = makeOptionScan(A);
  scan.volScan = m.volScanPct / 100;
  let nowMs = 0;
  let nowBar = 0;
  let optionsClosed = 0;
  const q = new OrderQueue();
  const fill = makeFill();
  const bar: BarMarket = { refPrice: 0, dtMs: 0, depthScale: 1, volPerSqrtYear: 0 };
  const scratch = new Float64Array(4 * A);
  let marginCalls = 0;
  let badDebt = 0;
  let penalty = 0;
  let capped = 0;
  const penaltyRate = m.penaltyPct / 100;
  // Which accounts a round checks (screen.ts): those whose box of prices a mid has left, and those
  // without one. `screen: false` checks every account every round (the same queue; tests compare the two).
  const screen = opts.screen === false ? null : new AccountScreen(K, A);
  const everyAccount = screen === null ? Int32Array.from({ length: K }, (_, k) => k) : new Int32Array(0);
  const boxLo = new Float64Array(A);
  const boxHi = new Float64Array(A);
  const maxMove = new Float64Array(A);
  for (let g = 0; g < setup.grid.points; g++) {
    for (let a = 0; a < A; a++) maxMove[a] = Math.max(maxMove[a], Math.abs(setup.grid.moves[g * A + a]));
  }

  for (let i = 0; i < n; i++) {
    nowMs = setup.time[i];
    nowBar = i;
    for (let a = 0; a < A; a++) {
      const vol = vols[a].value();
      atm[a] = setup.surfaces[a].atmPremium * vol;
      const w = setup.withdrawal[a];
      const scale = books[a].kind === 'sqrt' ? 1 : depthScale(vol, w.calmVolPerYear, 0, w);
      bar.refPrice = setup.close[a][i];
      bar.dtMs = i === 0 ? 0 : setup.time[i] - setup.time[i - 1];
      bar.depthScale = scale;
      bar.volPerSqrtYear = vol;
      books[a].startBar(bar);
    }
    if (withOptions) settleExpiries();
    let round = 0;
    let calls = 0;
    for (; round < setup.maxCascadeRounds; round++) {
      for (let a = 0; a < A; a++) mids[a] = books[a].mid();
      if (withOptions) valueOptions(mids);
      q.clear();
      const check = screen === null ? everyAccount : screen.round(mids);
      calls += rule === 'isolated' ? queueIsolated(check) : queuePortfolio(check);
      screen?.settle();
      if (q.length === 0) break;
      for (let o = 0; o < q.length; o++) execute(o);
    }
    if (round === setup.maxCascadeRounds) capped++;
    marginCalls += calls;
    rec.marginCalls[i] = calls;
    rec.accountsLiquidated[i] = liquidatedCount;
    rec.badDebtQuote[i] = badDebt;
    for (let a = 0; a < A; a++) {
      const mid = books[a].mid();
      rec.mid[a * n + i] = mid;
      const j = books[a].logImpact();
      if (j < minJ[a]) minJ[a] = j;
      if (j > maxJ[a]) maxJ[a] = j;
      if (mid < minMid[a]) minMid[a] = mid;
      if (setup.close[a][i] < minClose[a]) minClose[a] = setup.close[a][i];
      if (i > 0) vols[a].update(Math.log(mid / prevMid[a]));
      prevMid[a] = mid;
    }
  }

  // Legs still open keep their collateral; an account left with no position and negative cash is bad debt.
  const endogenousMovePct = new Float64Array(A);
  const endogenousRisePct = new Float64Array(A);
  const lowVsHistoryPct = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    endogenousMovePct[a] = 100 * Math.expm1(minJ[a]);
    endogenousRisePct[a] = 100 * Math.expm1(maxJ[a]);
    lowVsHistoryPct[a] = 100 * (minMid[a] / minClose[a] - 1);
  }
  return { rule, marginCalls, accountsLiquidated: liquidatedCount, liquidatedQuote: liqQuote, liquidatedBase: liqBase, badDebtQuote: badDebt, optionsClosedQuote: optionsClosed, penaltyQuote: penalty, endogenousMovePct, endogenousRisePct, lowVsHistoryPct, cappedBars: capped, liquidated, bars: rec };

  /**
   * Every due leg is closed whole in one order. The single-asset protocol
   * repays closeFactor of the debt at a time; closing whole keeps the
   * isolated rule free of a parameter the portfolio rule does not share.
   */
  function queueIsolated(check: Int32Array): number {
    let calls = 0;
    for (let c = 0; c < check.length; c++) {
      const k = check[c];
      let due = false;
      for (let a = 0, s = k * A; a < A; a++, s++) {
        if (spotLegDue(acc.spot[s], acc.debt[s], mids[a], m.spotLiquidationThreshold)) {
          if (acc.spot[s] > DUST_BASE) q.push(k, a, SPOT, -acc.spot[s]);
          else settleSpotClosed(s);
          if (inCall[LEGS * s] === 0) { inCall[LEGS * s] = 1; calls++; }
          due = true;
        } else inCall[LEGS * s] = 0;
        if (perpLegDue(acc.perp[s], acc.entry[s], acc.perpMargin[s], mids[a], m.perpMaintenancePct)) {
          q.push(k, a, PERP, -acc.perp[s]);
          if (inCall[LEGS * s + PERP] === 0) { inCall[LEGS * s + PERP] = 1; calls++; }
          due = true;
        } else inCall[LEGS * s + PERP] = 0;
        if (withOptions && optionLegDue(acc.optQty[s], optUnit[s], acc.optMargin[s], mids[a], m.optionMaintenancePct)) {
          q.push(k, a, OPT, -acc.optQty[s]);
          if (inCall[LEGS * s + OPT] === 0) { inCall[LEGS * s + OPT] = 1; calls++; }
          due = true;
        } else inCall[LEGS * s + OPT] = 0;
      }
      if (!due && screen !== null && isolatedBox(acc, k, mids, m.spotLiquidationThreshold, m.perpMaintenancePct, boxLo, boxHi)) screen.box(k, boxLo, boxHi);
    }
    return calls;
  }

  /**
   * An account below its requirement sells, step by step at the round's
   * mids, the chunk that lowers the requirement most per quote sold: a chunk
   * of one leg, or the same share of every leg (which lowers it by exactly
   * that share, the requirement being homogeneous in the positions, so some
   * step always helps). It stops once equity covers the requirement.
   */
  function queuePortfolio(check: Int32Array): number {
    let calls = 0;
    const delta = scratch.subarray(0, A);
    const trial = scratch.subarray(A, 2 * A);
    const spot = scratch.subarray(2 * A, 3 * A);
    const perp = scratch.subarray(3 * A, 4 * A);
    const opt = scan.qty;
    const f = m.liquidationChunkPct / 100;
    const optScan = withOptions ? scan : undefined;
    const legPos = (leg: number, a: number): number => (leg === SPOT ? spot[a] : leg === PERP ? perp[a] : opt[a]);
    const measure = (): number => {
      let g = 0;
      for (let a = 0; a < A; a++) {
        delta[a] = spot[a] + perp[a];
        g += (Math.abs(spot[a]) + Math.abs(perp[a]) + Math.abs(opt[a])) * mids[a];
      }
      return g;
    };
    const shrink = (leg: number, a: number, c: number): void => {
      if (leg === SPOT) spot[a] -= c;
      else if (leg === PERP) perp[a] -= c;
      else opt[a] -= c;
    };
    for (let c = 0; c < check.length; c++) {
      const k = check[c];
      for (let a = 0, s = k * A; a < A; a++, s++) {
        spot[a] = acc.spot[s];
        perp[a] = acc.perp[s];
        opt[a] = withOptions ? acc.optQty[s] : 0;
        if (withOptions) {
          scan.strike[a] = acc.optStrike[s];
          scan.call[a] = acc.optCall[s];
          scan.years[a] = (acc.optExpiryMs[s] - nowMs) / MS_PER_YEAR;
        }
      }
      let gross = measure();
      if (gross <= 0) {
        settleFlat(k);
        // Flat for good: nothing reopens a leg, and its cash no longer changes.
        if (screen !== null) {
          boxLo.fill(-Infinity);
          boxHi.fill(Infinity);
          screen.box(k, boxLo, boxHi);
        }
        continue;
      }
      let eq = acc.equity(k, mids, withOptions ? optUnit : undefined);
      let req = portfolioRequirement(setup.grid, m.floorPct, delta, gross, mids, 0, optScan);
      if (eq >= req) {
        inCall[k] = 0;
        if (screen !== null && portfolioBox(acc, k, mids, eq - req, maxMove, m.floorPct, boxLo, boxHi)) screen.box(k, boxLo, boxHi);
        continue;
      }
      if (inCall[k] === 0) {
        inCall[k] = 1;
        calls++;
        for (let a = 0, s = k * A; a < A; a++, s++) for (let leg = 0; leg < LEGS; leg++) episodeSize[LEGS * s + leg] = Math.abs(legPos(leg, a));
      }
      for (let step = 0; step < 64 && eq < req && gross > 0; step++) {
        let best = -Infinity;
        let bestA = -1;
        let bestLeg = -1;
        let bestSize = 0;
        for (let a = 0; a < A; a++) {
          for (let leg = SPOT; leg < LEGS; leg++) {
            const pos = legPos(leg, a);
            if (Math.abs(pos) <= DUST_BASE) continue;
            const s = k * A + a;
            const c = Math.min(Math.abs(pos), Math.max(f * episodeSize[LEGS * s + leg], DUST_BASE));
            const sign = pos > 0 ? 1 : -1;
            let r: number;
            if (leg === OPT) {
              opt[a] -= sign * c;
              r = portfolioRequirement(setup.grid, m.floorPct, delta, gross - c * mids[a], mids, 0, optScan);
              opt[a] += sign * c;
            } else {
              trial.set(delta);
              trial[a] -= sign * c;
              r = portfolioRequirement(setup.grid, m.floorPct, trial, gross - c * mids[a], mids, 0, optScan);
            }
            const score = (req - r) / (c * mids[a]);
            if (score > best) {
              best = score;
              bestA = a;
              bestLeg = leg;
              bestSize = sign * c;
            }
          }
        }
        if (!(best >= req / gross)) {
          // The pro-rata step lowers the requirement by f·req for f·gross sold.
          for (let a = 0; a < A; a++) {
            for (let leg = SPOT; leg < LEGS; leg++) {
              const pos = legPos(leg, a);
              if (Math.abs(pos) <= DUST_BASE) continue;
              const c = Math.abs(pos) * f < DUST_BASE ? pos : pos * f;
              q.push(k, a, leg, -c);
              eq -= penaltyOn(leg, a, c);
              shrink(leg, a, c);
            }
          }
        } else {
          q.push(k, bestA, bestLeg, -bestSize);
          eq -= penaltyOn(bestLeg, bestA, bestSize);
          shrink(bestLeg, bestA, bestSize);
        }
        gross = measure();
        req = gross > 0 ? portfolioRequirement(setup.grid, m.floorPct, delta, gross, mids, 0, optScan) : 0;
      }
    }
    return calls;
  }

  /** Pro-forma penalty of closing c of a leg: on the notional (spot, perp) or on the option value closed. */
  function penaltyOn(leg: number, a: number, c: number): number {
    return penaltyRate * Math.abs(c) * (leg === OPT ? optionUnitAt(a, scan.strike[a], scan.call[a] === 1, scan.years[a], mids[a]) : mids[a]);
  }

  function optionUnitAt(a: number, strike: number, call: boolean, years: number, spot: number): number {
    return optionValue(call, spot, strike, years, volAtStrike(atm[a], skew[a], strike, spot));
  }

  /** Each option slot's unit value at these prices, on the bar's surfaces. */
  function valueOptions(price: Float64Array): void {
    for (const s of optSlots) {
      const a = s % A;
      optUnit[s] = acc.optQty[s] === 0 ? 0 : optionUnitAt(a, acc.optStrike[s], acc.optCall[s] === 1, (acc.optExpiryMs[s] - nowMs) / MS_PER_YEAR, price[a]);
    }
  }

  /** Options at or past expiry pay their intrinsic value at the bar-start mid; a short that cannot pay leaves bad debt. */
  function settleExpiries(): void {
    for (const s of optSlots) {
      const qty = acc.optQty[s];
      if (qty === 0 || acc.optExpiryMs[s] > nowMs) continue;
      const a = s % A;
      const k = (s - a) / A;
      const spotNow = books[a].mid();
      const pay = qty * (acc.optCall[s] === 1 ? Math.max(0, spotNow - acc.optStrike[s]) : Math.max(0, acc.optStrike[s] - spotNow));
      acc.optQty[s] = 0;
      if (rule === 'isolated') {
        const left = acc.optMargin[s] + pay;
        acc.optMargin[s] = 0;
        if (left < 0) badDebt -= left;
        else acc.cash[k] += left;
      } else {
        acc.cash[k] += pay;
        settleFlat(k);
      }
    }
  }

  function execute(o: number): void {
    const k = q.account[o];
    const a = q.asset[o];
    const leg = q.leg[o];
    const s = k * A + a;
    // Another order of this round may already have closed the leg.
    const pos = leg === SPOT ? acc.spot[s] : leg === PERP ? acc.perp[s] : acc.optQty[s];
    let size = q.size[o];
    if (Math.abs(size) > Math.abs(pos)) size = -pos;
    if (size === 0 || Math.sign(size) === Math.sign(pos)) return;
    if (liquidated[k] === 0) {
      liquidated[k] = 1;
      liquidatedCount++;
    }
    if (leg === OPT) {
      closeOption(k, a, s, size);
      return;
    }
    books[a].execute(size, fill);
    const done = fill.size;
    if (done === 0) return;
    const notional = Math.abs(done) * fill.price;
    liqQuote[a] += notional;
    rec.liquidatedQuote[a * n + nowBar] += notional;
    liqBase[a] += Math.abs(done);
    if (leg === SPOT) {
      acc.spot[s] += done;
      if (Math.abs(acc.spot[s]) <= DUST_BASE) acc.spot[s] = 0;
      if (rule === 'isolated') {
        const repay = Math.min(notional, acc.debt[s]);
        acc.debt[s] -= repay;
        const pen = Math.min(notional - repay, penaltyRate * notional);
        penalty += pen;
        acc.cash[k] += notional - repay - pen;
        if (acc.spot[s] === 0) settleSpotClosed(s);
      } else {
        acc.cash[k] += notional;
        chargePortfolioPenalty(k, penaltyRate * notional);
      }
    } else {
      const realised = -done * (fill.price - acc.entry[s]);
      acc.perp[s] += done;
      if (Math.abs(acc.perp[s]) <= DUST_BASE) acc.perp[s] = 0;
      if (rule === 'isolated') {
        acc.perpMargin[s] += realised;
        const pen = Math.min(Math.max(0, acc.perpMargin[s]), penaltyRate * notional);
        penalty += pen;
        acc.perpMargin[s] -= pen;
        if (acc.perp[s] === 0) {
          if (acc.perpMargin[s] < 0) badDebt -= acc.perpMargin[s];
          else acc.cash[k] += acc.perpMargin[s];
          acc.perpMargin[s] = 0;
        }
      } else {
        acc.cash[k] += realised;
        chargePortfolioPenalty(k, penaltyRate * notional);
      }
    }
    if (rule === 'portfolio') settleFlat(k);
  }

  /**
   * Options are closed off the book at their model value on the live mid
   * (the venue takes the other side, as an auction take is recorded at the
   * mid): they move no price. Selling a long receives the value; buying
   * back a short pays it out of the leg's margin (isolated) or the pool.
   */
  function closeOption(k: number, a: number, s: number, size: number): void {
    for (let x = 0; x < A; x++) live[x] = books[x].mid();
    const unit = optionUnitAt(a, acc.optStrike[s], acc.optCall[s] === 1, (acc.optExpiryMs[s] - nowMs) / MS_PER_YEAR, live[a]);
    const value = Math.abs(size) * unit;
    optionsClosed += value;
    acc.optQty[s] += size;
    if (Math.abs(acc.optQty[s]) <= DUST_BASE) acc.optQty[s] = 0;
    optUnit[s] = unit;
    const cashflow = -size * unit;
    if (rule === 'isolated') {
      acc.optMargin[s] += cashflow;
      const pen = Math.min(Math.max(0, acc.optMargin[s]), penaltyRate * value);
      penalty += pen;
      acc.optMargin[s] -= pen;
      if (acc.optQty[s] === 0) {
        if (acc.optMargin[s] < 0) badDebt -= acc.optMargin[s];
        else acc.cash[k] += acc.optMargin[s];
        acc.optMargin[s] = 0;
      }
    } else {
      acc.cash[k] += cashflow;
      chargePortfolioPenalty(k, penaltyRate * value);
      settleFlat(k);
    }
  }

  /** The penalty comes out of what equity is left, never out of the lenders. */
  function chargePortfolioPenalty(k: number, due: number): void {
    for (let a = 0; a < A; a++) live[a] = books[a].mid();
    if (withOptions) valueOptions(live);
    const pen = Math.min(due, Math.max(0, acc.equity(k, live, withOptions ? optUnit : undefined)));
    acc.cash[k] -= pen;
    penalty += pen;
  }

  /** A spot leg sold out with debt left: the rest is bad debt. */
  function settleSpotClosed(s: number): void {
    if (acc.debt[s] > 0) badDebt += acc.debt[s];
    acc.debt[s] = 0;
  }

  /** A portfolio account with nothing left to sell and negative cash: bad debt. */
  function settleFlat(k: number): void {
    for (let a = 0, s = k * A; a < A; a++, s++) if (acc.spot[s] !== 0 || acc.perp[s] !== 0 || acc.optQty[s] !== 0) return;
    if (acc.cash[k] < 0) {
      badDebt -= acc.cash[k];
      acc.cash[k] = 0;
    }
  }
}

/** The round's liquidation orders, struct-of-arrays, grown once and reused. */
class OrderQueue {
  account = new Int32Array(256);
  asset = new Int32Array(256);
  leg = new Uint8Array(256);
  size = new Float64Array(256);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(k: number, a: number, leg: number, size: number): void {
    if (this.length === this.size.length) this.grow();
    const i = this.length++;
    this.account[i] = k;
    this.asset[i] = a;
    this.leg[i] = leg;
    this.size[i] = size;
  }

  private grow(): void {
    const cap = this.size.length * 2;
    const acc = new Int32Array(cap);
    acc.set(this.account);
    this.account = acc;
    const as = new Int32Array(cap);
    as.set(this.asset);
    this.asset = as;
    const lg = new Uint8Array(cap);
    lg.set(this.leg);
    this.leg = lg;
    const sz = new Float64Array(cap);
    sz.set(this.size);
    this.size = sz;
  }
}

import type { MarginParams } from '../config/portfolioSchema.js';
import type { LiquidityConfig } from '../market/config.js';
import { depthScale, type DepthWithdrawalParams } from '../market/depthWithdrawal.js';
import { createLiquidityModel } from '../market/factory.js';
import { makeFill, type LiquidityModel } from '../market/liquidity.js';
import { RealisedVol } from '../market/realisedVol.js';
import type { MultiAccounts } from './accounts.js';
import { perpLegDue, portfolioRequirement, spotLegDue, type ScanGrid } from './margin.js';

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
  readonly penaltyQuote: number;
  /** exp(min over bar ends of J) − 1, %: the deepest the forced flow pushed each asset below history. */
  readonly endogenousMovePct: Float64Array;
  /** Lowest simulated mid at a bar end against the lowest close, %: the extra depth of the low. */
  readonly lowVsHistoryPct: Float64Array;
  readonly cappedBars: number;
  /** 1 for each account liquidated at least once. */
  readonly liquidated: Uint8Array;
}

const SPOT = 0;
const PERP = 1;
/** Below this a leg counts as closed (base units): rounding of chunk sums. */
const DUST_BASE = 1e-12;

/**
 * One run of the multi-asset market under one margin rule. Every bar: each
 * asset's book adopts its close (lockstep), then cascade rounds run across
 * all assets until a round queues nothing: accounts are checked at the
 * round's mids, the due legs (isolated) or the best risk-reducing chunks
 * (portfolio) are queued, and the queue executes in account order, each
 * order in its own asset's book at the mid the previous order left. After
 * the bar, each asset's realised vol absorbs its simulated return, so the
 * depth a bar sees never depends on that bar.
 */
export function runMarginRule(setup: PortfolioSetup, rule: MarginRule): MarginRunResult {
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
  const minMid = new Float64Array(A).fill(Infinity);
  const minClose = new Float64Array(A).fill(Infinity);
  const liqQuote = new Float64Array(A);
  const liqBase = new Float64Array(A);
  const liquidated = new Uint8Array(K);
  // Isolated: one flag per leg (2 per slot); portfolio: one per account.
  const inCall = new Uint8Array(rule === 'isolated' ? K * A * 2 : K);
  const episodeSize = new Float64Array(K * A * 2);
  const q = new OrderQueue();
  const fill = makeFill();
  const scratch = new Float64Array(4 * A);
  let marginCalls = 0;
  let badDebt = 0;
  let penalty = 0;
  let capped = 0;
  const penaltyRate = m.penaltyPct / 100;

  for (let i = 0; i < n; i++) {
    for (let a = 0; a < A; a++) {
      const vol = vols[a].value();
      const w = setup.withdrawal[a];
      const scale = books[a].kind === 'sqrt' ? 1 : depthScale(vol, w.calmVolPerYear, 0, w);
      books[a].startBar({ refPrice: setup.close[a][i], dtMs: i === 0 ? 0 : setup.time[i] - setup.time[i - 1], depthScale: scale, volPerSqrtYear: vol });
    }
    let round = 0;
    for (; round < setup.maxCascadeRounds; round++) {
      for (let a = 0; a < A; a++) mids[a] = books[a].mid();
      q.clear();
      if (rule === 'isolated') marginCalls += queueIsolated();
      else marginCalls += queuePortfolio();
      if (q.length === 0) break;
      for (let o = 0; o < q.length; o++) execute(o);
    }
    if (round === setup.maxCascadeRounds) capped++;
    for (let a = 0; a < A; a++) {
      const mid = books[a].mid();
      const j = books[a].logImpact();
      if (j < minJ[a]) minJ[a] = j;
      if (mid < minMid[a]) minMid[a] = mid;
      if (setup.close[a][i] < minClose[a]) minClose[a] = setup.close[a][i];
      if (i > 0) vols[a].update(Math.log(mid / prevMid[a]));
      prevMid[a] = mid;
    }
  }

  // Legs still open keep their collateral; an account left with no position and negative cash is bad debt.
  const endogenousMovePct = new Float64Array(A);
  const lowVsHistoryPct = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    endogenousMovePct[a] = 100 * Math.expm1(minJ[a]);
    lowVsHistoryPct[a] = 100 * (minMid[a] / minClose[a] - 1);
  }
  let count = 0;
  for (let k = 0; k < K; k++) count += liquidated[k];
  return { rule, marginCalls, accountsLiquidated: count, liquidatedQuote: liqQuote, liquidatedBase: liqBase, badDebtQuote: badDebt, penaltyQuote: penalty, endogenousMovePct, lowVsHistoryPct, cappedBars: capped, liquidated };

  /** Every due leg is closed whole, as a single-asset position is today. */
  function queueIsolated(): number {
    let calls = 0;
    for (let k = 0; k < K; k++) {
      for (let a = 0, s = k * A; a < A; a++, s++) {
        if (spotLegDue(acc.spot[s], acc.debt[s], mids[a], m.spotLiquidationThreshold)) {
          if (acc.spot[s] > DUST_BASE) q.push(k, a, SPOT, -acc.spot[s]);
          else settleSpotClosed(s);
          if (inCall[2 * s] === 0) { inCall[2 * s] = 1; calls++; }
        } else inCall[2 * s] = 0;
        if (perpLegDue(acc.perp[s], acc.entry[s], acc.perpMargin[s], mids[a], m.perpMaintenancePct)) {
          q.push(k, a, PERP, -acc.perp[s]);
          if (inCall[2 * s + 1] === 0) { inCall[2 * s + 1] = 1; calls++; }
        } else inCall[2 * s + 1] = 0;
      }
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
  function queuePortfolio(): number {
    let calls = 0;
    const delta = scratch.subarray(0, A);
    const trial = scratch.subarray(A, 2 * A);
    const spot = scratch.subarray(2 * A, 3 * A);
    const perp = scratch.subarray(3 * A, 4 * A);
    const f = m.liquidationChunkPct / 100;
    for (let k = 0; k < K; k++) {
      let gross = 0;
      for (let a = 0, s = k * A; a < A; a++, s++) {
        spot[a] = acc.spot[s];
        perp[a] = acc.perp[s];
        delta[a] = spot[a] + perp[a];
        gross += (Math.abs(spot[a]) + Math.abs(perp[a])) * mids[a];
      }
      if (gross <= 0) {
        settleFlat(k);
        continue;
      }
      let eq = acc.equity(k, mids);
      let req = portfolioRequirement(setup.grid, m.floorPct, delta, gross, mids);
      if (eq >= req) {
        inCall[k] = 0;
        continue;
      }
      if (inCall[k] === 0) {
        inCall[k] = 1;
        calls++;
        for (let a = 0, s = k * A; a < A; a++, s++) {
          episodeSize[2 * s] = Math.abs(spot[a]);
          episodeSize[2 * s + 1] = Math.abs(perp[a]);
        }
      }
      for (let step = 0; step < 64 && eq < req && gross > 0; step++) {
        let best = -Infinity;
        let bestA = -1;
        let bestLeg = -1;
        let bestSize = 0;
        for (let a = 0; a < A; a++) {
          for (let leg = SPOT; leg <= PERP; leg++) {
            const pos = leg === SPOT ? spot[a] : perp[a];
            if (Math.abs(pos) <= DUST_BASE) continue;
            const s = k * A + a;
            const c = Math.min(Math.abs(pos), Math.max(f * episodeSize[2 * s + leg], DUST_BASE));
            const sign = pos > 0 ? 1 : -1;
            trial.set(delta);
            trial[a] -= sign * c;
            const r = portfolioRequirement(setup.grid, m.floorPct, trial, gross - c * mids[a], mids);
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
            for (let leg = SPOT; leg <= PERP; leg++) {
              const pos = leg === SPOT ? spot[a] : perp[a];
              if (Math.abs(pos) <= DUST_BASE) continue;
              const c = Math.abs(pos) * f < DUST_BASE ? pos : pos * f;
              q.push(k, a, leg, -c);
              if (leg === SPOT) spot[a] -= c;
              else perp[a] -= c;
              eq -= penaltyRate * Math.abs(c) * mids[a];
            }
          }
        } else {
          q.push(k, bestA, bestLeg, -bestSize);
          if (bestLeg === SPOT) spot[bestA] -= bestSize;
          else perp[bestA] -= bestSize;
          eq -= penaltyRate * Math.abs(bestSize) * mids[bestA];
        }
        gross = 0;
        for (let a = 0; a < A; a++) {
          delta[a] = spot[a] + perp[a];
          gross += (Math.abs(spot[a]) + Math.abs(perp[a])) * mids[a];
        }
        req = gross > 0 ? portfolioRequirement(setup.grid, m.floorPct, delta, gross, mids) : 0;
      }
    }
    return calls;
  }

  function execute(o: number): void {
    const k = q.account[o];
    const a = q.asset[o];
    const leg = q.leg[o];
    const s = k * A + a;
    // Another order of this round may already have closed the leg.
    const pos = leg === SPOT ? acc.spot[s] : acc.perp[s];
    let size = q.size[o];
    if (Math.abs(size) > Math.abs(pos)) size = -pos;
    if (size === 0 || Math.sign(size) === Math.sign(pos)) return;
    books[a].execute(size, fill);
    const done = fill.size;
    if (done === 0) return;
    const notional = Math.abs(done) * fill.price;
    liqQuote[a] += notional;
    liqBase[a] += Math.abs(done);
    liquidated[k] = 1;
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

  /** The penalty comes out of what equity is left, never out of the lenders. */
  function chargePortfolioPenalty(k: number, due: number): void {
    for (let a = 0; a < A; a++) live[a] = books[a].mid();
    const pen = Math.min(due, Math.max(0, acc.equity(k, live)));
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
    for (let a = 0, s = k * A; a < A; a++, s++) if (acc.spot[s] !== 0 || acc.perp[s] !== 0) return;
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

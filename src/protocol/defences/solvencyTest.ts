/**
 * The algorithmic solvency test (docs/model.md#defences,
 * docs/model.md#branching-ratios-and-criticality): every N bars, stress the current ladder with a set of
 * exogenous drops and project the cascade, the collateral it liquidates and
 * the bad debt it leaves; if the worst projected bad debt exceeds a limit,
 * raise the liquidation penalty (bounded) or the insurance-fund target.
 *
 * Cascade law (linear impact, docs/model.md#branching-ratios-and-criticality): the price falls by x (quote) when
 *   x = δ·S + C(S − x) / D',
 * where C(P) is the collateral (base units) of accounts whose liquidation
 * price key/m is at or above P (those already due included: they sell in
 * the same cascade) and D' the depth in base units per unit price. The
 * least solution is the limit of x₀ = δS, x_{j+1} = δS + C(S − x_j)/D'
 * (C is non-decreasing in x, so the iterates rise monotonically to it). For
 * a uniform ladder of density n just below S this gives x = δS / (1 − n/D')
 * while n/D' < 1; beyond, the iterates run through the whole ladder. A price
 * at or below 0 means everything goes. Each iterate is one O(log n) ladder
 * query; the loop stops at a relative change ≤ `tolerance` or after
 * `maxIterations` (near n/D' = 1 convergence is slow: the result then says
 * not converged and the last iterate is a lower bound on the drop).
 * Cost: O(shocks · maxIterations · log n), independent of the account count
 * apart from the log.
 *
 * Projected shortfall: all collateral of a liquidated account is sold at the
 * projected final price P (the lowest price of the cascade: conservative),
 * so the shortfall is Σ max(debt − collateral·P, 0) over liquidated accounts.
 * An account under water at P (debt/collateral > P) has key = (debt /
 * collateral)/LT > P ≥ m·P when LT ≤ 1 and m ≤ 1, so it is liquidated: the
 * shortfall is the intrinsic value of the whole put strip at P. When the
 * ladder offers that (`badDebtExposure(P)`, ladder.ts; not yet part of
 * LadderView) and m ≤ 1, it is used. Otherwise, with a common threshold LT
 * an account's debt/collateral is key·LT, so it is under water at P exactly
 * when key > P/LT, and
 *   shortfall = Σ_{key ≥ max(P/LT, m·P)} (debt − collateral · P),
 * two range queries; with heterogeneous LT, `ltForProjection` is a stand-in
 * and the figure is approximate.
 * Projected bad debt = max(shortfall − insurance fund, 0), the part the
 * fund cannot absorb (docs/model.md#settlement: shortfall goes to the fund, then to bad debt).
 */
import type { SolvencyTestSchemaConfig } from '../../config/protocolSchema.js';
import { ConfigError } from '../../core/errors.js';
import type { LadderView } from '../../metrics/ladderView.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, scalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/** A ladder that can value its accounts' bad-debt exposure Σ max(debt − collateral·P, 0) (ladder.ts has it). */
export interface PutStripView {
  badDebtExposure(price: number): number;
}

export function hasPutStrip(l: LadderView): l is LadderView & PutStripView {
  return typeof (l as Partial<PutStripView>).badDebtExposure === 'function';
}

/**
 * The schema's `protocol.defences.solvencyTest` (config/protocolSchema.ts,
 * where its defaults live), plus what the runner derives: the penalty at the
 * start (bps), and the common LT used to tell under-water accounts from their
 * key when the ladder has no put strip (or m > 1). The numerical knobs are
 * code-only: fund target = `fundTargetMultiple` × worst projected shortfall
 * (absent: 1), the iteration cap (absent: 1000) and the relative change of the
 * drop at which it stops (absent: 1e-12).
 */
export type SolvencyTestConfig = SolvencyTestSchemaConfig & {
  basePenaltyBps: number;
  ltForProjection: number;
  fundTargetMultiple?: number;
  maxIterations?: number;
  tolerance?: number;
};

/** One shock's projection (reusable: written in place). */
export interface CascadeProjection {
  /** Total drop as a fraction of the starting price (exogenous + endogenous). */
  dropFraction: number;
  finalPrice: number;
  liquidatedBase: number;
  liquidatedDebtQuote: number;
  shortfallQuote: number;
  /** 1 − δ/drop: the branching ratio a uniform ladder with this outcome would have. */
  effectiveBranching: number;
  iterations: number;
  converged: boolean;
}

export function emptyProjection(): CascadeProjection {
  return { dropFraction: 0, finalPrice: 0, liquidatedBase: 0, liquidatedDebtQuote: 0, shortfallQuote: 0, effectiveBranching: 0, iterations: 0, converged: false };
}

/**
 * Projects the cascade of an exogenous drop `shock` (fraction) from `price`
 * on `ladder` with threshold multiplier `m` and linear depth
 * `depthBasePerPrice` (base units per unit price: the engine's depth per
 * unit log-price divided by the price).
 */
export function projectCascade(
  ladder: LadderView,
  price: number,
  m: number,
  depthBasePerPrice: number,
  shock: number,
  lt: number,
  maxIterations: number,
  tolerance: number,
  out: CascadeProjection,
): CascadeProjection {
  const exo = shock * price;
  let x = exo;
  let it = 0;
  let converged = false;
  while (it < maxIterations) {
    it++;
    if (x >= price) {
      x = price;
      converged = true;
      break;
    }
    const c = ladder.collateralWithKeyIn(m * (price - x), Number.POSITIVE_INFINITY);
    const next = exo + c / depthBasePerPrice;
    const step = next - x;
    x = next;
    if (Math.abs(step) <= tolerance * price) {
      converged = true;
      break;
    }
  }
  if (x > price) x = price;
  const p = price - x;
  const lo = m * p;
  out.dropFraction = x / price;
  out.finalPrice = p;
  out.liquidatedBase = ladder.collateralWithKeyIn(lo, Number.POSITIVE_INFINITY);
  out.liquidatedDebtQuote = ladder.debtWithKeyIn(lo, Number.POSITIVE_INFINITY);
  let sf: number;
  if (m <= 1 && hasPutStrip(ladder)) {
    sf = ladder.badDebtExposure(p);
  } else {
    const under = Math.max(p / lt, lo);
    sf = ladder.debtWithKeyIn(under, Number.POSITIVE_INFINITY) - p * ladder.collateralWithKeyIn(under, Number.POSITIVE_INFINITY);
  }
  out.shortfallQuote = sf > 0 ? sf : 0;
  out.effectiveBranching = x > 0 ? 1 - exo / x : 0;
  out.iterations = it;
  out.converged = converged;
  return out;
}

export type SolvencyAction = 'none' | 'raised-penalty' | 'raised-fund-target' | 'relaxed-penalty' | 'at-cap';
/** Codes of the actions in a saved state. */
const ACTIONS: readonly SolvencyAction[] = ['none', 'raised-penalty', 'raised-fund-target', 'relaxed-penalty', 'at-cap'];

/** What one run of the test found and did (one object, rewritten each run). */
export interface SolvencyResult {
  ran: boolean;
  action: SolvencyAction;
  /** Index into the configured shocks of the worst case (largest bad debt, then largest shortfall). */
  worstShockIndex: number;
  worstDropFraction: number;
  worstLiquidatedBase: number;
  worstShortfallQuote: number;
  worstBadDebtQuote: number;
  penaltyBps: number;
  fundTargetQuote: number;
  /** Per shock, in the configured order. */
  readonly dropFraction: Float64Array;
  readonly liquidatedBase: Float64Array;
  readonly shortfallQuote: Float64Array;
  readonly badDebtQuote: Float64Array;
  readonly effectiveBranching: Float64Array;
  /** 1 when the iteration converged. */
  readonly converged: Float64Array;
}

export class SolvencyTest extends Stateful {
  private penalty: number;
  private fundTarget = 0;
  private readonly res: SolvencyResult;
  private readonly scratch = emptyProjection();
  private readonly lt: number;
  private readonly maxIt: number;
  private readonly tol: number;

  constructor(private readonly cfg: SolvencyTestConfig) {
    super();
    const f = (n: string) => `defences.solvencyTest.${n}`;
    if (!(cfg.everyBars >= 1) || !Number.isInteger(cfg.everyBars)) throw new ConfigError(`must be a whole number ≥ 1, got ${cfg.everyBars}`, { field: f('everyBars') });
    if (cfg.shocks.length === 0) throw new ConfigError('need at least one shock', { field: f('shocks') });
    cfg.shocks.forEach((s, i) => {
      if (!(s > 0 && s < 1)) throw new ConfigError(`shock must be a fraction in (0, 1), got ${s}`, { field: f(`shocks.${i}`) });
    });
    if (!(cfg.badDebtLimitQuote >= 0)) throw new ConfigError(`must be ≥ 0, got ${cfg.badDebtLimitQuote}`, { field: f('badDebtLimitQuote') });
    if (!(cfg.basePenaltyBps >= 0)) throw new ConfigError(`must be ≥ 0, got ${cfg.basePenaltyBps}`, { field: f('basePenaltyBps') });
    if (!(cfg.penaltyStepBps >= 0)) throw new ConfigError(`must be ≥ 0, got ${cfg.penaltyStepBps}`, { field: f('penaltyStepBps') });
    if (!(cfg.maxPenaltyBps >= cfg.basePenaltyBps)) throw new ConfigError(`must be ≥ basePenaltyBps ${cfg.basePenaltyBps}, got ${cfg.maxPenaltyBps}`, { field: f('maxPenaltyBps') });
    this.lt = cfg.ltForProjection;
    if (!(this.lt > 0 && this.lt <= 1)) throw new ConfigError(`must be in (0, 1], got ${this.lt}`, { field: f('ltForProjection') });
    this.maxIt = cfg.maxIterations ?? 1000;
    if (!(this.maxIt >= 1)) throw new ConfigError(`must be ≥ 1, got ${this.maxIt}`, { field: f('maxIterations') });
    this.tol = cfg.tolerance ?? 1e-12;
    if (!(this.tol > 0)) throw new ConfigError(`must be > 0, got ${this.tol}`, { field: f('tolerance') });
    this.penalty = cfg.basePenaltyBps;
    const k = cfg.shocks.length;
    this.res = {
      ran: false, action: 'none', worstShockIndex: -1, worstDropFraction: 0, worstLiquidatedBase: 0, worstShortfallQuote: 0, worstBadDebtQuote: 0,
      penaltyBps: this.penalty, fundTargetQuote: 0,
      dropFraction: new Float64Array(k), liquidatedBase: new Float64Array(k), shortfallQuote: new Float64Array(k),
      badDebtQuote: new Float64Array(k), effectiveBranching: new Float64Array(k), converged: new Float64Array(k),
    };
  }

  penaltyBps(): number {
    return this.penalty;
  }
  fundTargetQuote(): number {
    return this.fundTarget;
  }
  lastResult(): SolvencyResult {
    return this.res;
  }

  /** Runs the test when `bar` is due (bar % everyBars == 0); otherwise marks the result not ran. */
  maybeRun(bar: number, ladder: LadderView, price: number, m: number, depthBasePerPrice: number, insuranceFundQuote: number): SolvencyResult {
    if (bar % this.cfg.everyBars !== 0) {
      this.res.ran = false;
      this.res.action = 'none';
      return this.res;
    }
    return this.run(ladder, price, m, depthBasePerPrice, insuranceFundQuote);
  }

  run(ladder: LadderView, price: number, m: number, depthBasePerPrice: number, insuranceFundQuote: number): SolvencyResult {
    if (!(depthBasePerPrice > 0)) throw new ConfigError(`solvency test needs depth > 0 base per unit price, got ${depthBasePerPrice}`, { field: 'depth' });
    const c = this.cfg;
    const r = this.res;
    r.ran = true;
    r.worstShockIndex = -1;
    r.worstBadDebtQuote = -1;
    r.worstShortfallQuote = -1;
    for (let i = 0; i < c.shocks.length; i++) {
      const p = projectCascade(ladder, price, m, depthBasePerPrice, c.shocks[i], this.lt, this.maxIt, this.tol, this.scratch);
      const bad = Math.max(p.shortfallQuote - insuranceFundQuote, 0);
      r.dropFraction[i] = p.dropFraction;
      r.liquidatedBase[i] = p.liquidatedBase;
      r.shortfallQuote[i] = p.shortfallQuote;
      r.badDebtQuote[i] = bad;
      r.effectiveBranching[i] = p.effectiveBranching;
      r.converged[i] = p.converged ? 1 : 0;
      if (bad > r.worstBadDebtQuote || (bad === r.worstBadDebtQuote && p.shortfallQuote > r.worstShortfallQuote)) {
        r.worstShockIndex = i;
        r.worstBadDebtQuote = bad;
        r.worstShortfallQuote = p.shortfallQuote;
        r.worstDropFraction = p.dropFraction;
        r.worstLiquidatedBase = p.liquidatedBase;
      }
    }
    r.action = 'none';
    if (r.worstBadDebtQuote > c.badDebtLimitQuote) {
      if (c.response === 'penalty') {
        const next = Math.min(this.penalty + c.penaltyStepBps, c.maxPenaltyBps);
        r.action = next > this.penalty ? 'raised-penalty' : 'at-cap';
        this.penalty = next;
      } else {
        const target = (c.fundTargetMultiple ?? 1) * r.worstShortfallQuote;
        if (target > this.fundTarget) {
          this.fundTarget = target;
          r.action = 'raised-fund-target';
        }
      }
    } else if (c.relaxStepBps > 0 && this.penalty > c.basePenaltyBps) {
      this.penalty = Math.max(c.basePenaltyBps, this.penalty - c.relaxStepBps);
      r.action = 'relaxed-penalty';
    }
    r.penaltyBps = this.penalty;
    r.fundTargetQuote = this.fundTarget;
    return r;
  }

  /** Penalty, fund target, and the last result (its scalars, the action's code and one slot per shock in each column): lastResult() is public. */
  protected describeState(): Saveable {
    const r = this.res;
    const action: Saveable = {
      stateSize: 1,
      saveState: (buf, o) => {
        buf[o] = ACTIONS.indexOf(r.action);
      },
      loadState: (buf, o) => {
        r.action = ACTIONS[buf[o]];
      },
    };
    return stateOf(
      ownScalars(this, ['penalty', 'fundTarget']),
      scalars(r, ['ran', 'worstShockIndex', 'worstDropFraction', 'worstLiquidatedBase', 'worstShortfallQuote', 'worstBadDebtQuote', 'penaltyBps', 'fundTargetQuote']),
      action,
      arrays(r.dropFraction, r.liquidatedBase, r.shortfallQuote, r.badDebtQuote, r.effectiveBranching, r.converged),
    );
  }
}

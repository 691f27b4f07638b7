/**
 * What a unit of coupon buys (docs/model.md#what-a-unit-of-coupon-buys): the
 * scenario run once without its contagion bond and once per trigger level
 * with it, on the same path and seed; per level the bad debt avoided, the
 * paradox index with and without the bond, the coupon the bond cost on this
 * path, and (when priced) the fair coupon with its interval and the bad debt
 * avoided per unit of coupon paid at that fair rate.
 */
import type { Scenario } from '../config/scenario.js';
import { ConfigError } from '../core/errors.js';
import type { RunData } from '../engine/run.js';
import type { Recorder } from '../sim/recorder.js';
import { runBacktest } from './backtest.js';
import type { FairCoupon } from './bondPricing.js';
import { paradoxFigures } from './figures.js';

export interface BondTableRow {
  level: number;
  /** −1: never fired on this path. */
  triggerBar: number;
  payoutQuote: number;
  badDebt: number;
  badDebtAvoided: number;
  paradoxIndex: number;
  /** Coupon-bearing years on this path. */
  couponBearingYears: number;
  /** Priced only: the fair coupon (per year) and its interval, the coupon it costs on this path, and avoided / that cost. */
  fair?: FairCoupon;
  couponCostAtFairQuote?: number;
  badDebtAvoidedPerCoupon?: number;
}

export interface BondTable {
  notionalQuote: number;
  index: string;
  payoutTo: string;
  badDebtWithout: number;
  paradoxIndexWithout: number;
  rows: BondTableRow[];
}

/** The paradox index from a run's recorded columns, as the runner reports it (figures.ts). */
export function paradoxIndexOf(rec: Recorder): number {
  const col = <N extends string>(names: readonly N[]) =>
    names.every((n) => rec.has(n)) ? (Object.fromEntries(names.map((n) => [n, rec.get(n)])) as { readonly [K in N]: Float64Array }) : null;
  const market = col(['simulated_close'] as const);
  const protocol = col(['liquidation_volume_quote'] as const);
  if (!market || !protocol) return Number.NaN;
  const p = paradoxFigures({
    market,
    venue: col(['depth_per_log_price'] as const),
    liquidityProviders: col(['lp_depth_factor'] as const),
    protocol,
    flight: col(['backstop_flight_stress_flag', 'backstop_flight_paid_quote', 'backstop_flight_available_quote', 'backstop_flight_withdrawn_total_quote'] as const),
  });
  return p.paradoxIndex as number;
}

function withLevel(scenario: Scenario, level: number | null): Scenario {
  const d = scenario.protocol.defences;
  const bond = d.contagionBond;
  const defences = { ...d };
  if (level === null || !bond) delete defences.contagionBond;
  else defences.contagionBond = { ...bond, trigger: { ...bond.trigger, level } };
  return { ...scenario, protocol: { ...scenario.protocol, defences } };
}

/** The header's table; `priced[j]`, when given, is the fair coupon of `levels[j]`. */
export function bondLevelTable(scenario: Scenario, data: RunData, baseDir: string, levels: readonly number[], priced?: readonly FairCoupon[], onRun?: (done: number, total: number) => void): BondTable {
  const bond = scenario.protocol.defences.contagionBond;
  if (!scenario.protocol.enabled || !bond) {
    throw new ConfigError('the scenario has no contagion bond: set protocol.enabled and protocol.defences.contagionBond', { field: 'protocol.defences.contagionBond' });
  }
  const total = levels.length + 1;
  const base = runBacktest(withLevel(scenario, null), data, baseDir);
  onRun?.(1, total);
  const badDebtWithout = base.figures.badDebt as number;
  const rows = levels.map((level, j): BondTableRow => {
    const r = runBacktest(withLevel(scenario, level), data, baseDir);
    onRun?.(j + 2, total);
    const f = r.figures as Record<string, unknown>;
    const badDebt = f.badDebt as number;
    const years = f.bondCouponBearingYears as number;
    const row: BondTableRow = {
      level,
      triggerBar: f.bondTriggerBar as number,
      payoutQuote: f.bondPayoutQuote as number,
      badDebt,
      badDebtAvoided: badDebtWithout - badDebt,
      paradoxIndex: f.paradoxIndex as number,
      couponBearingYears: years,
    };
    const fair = priced?.[j];
    if (fair) {
      const cost = fair.fairCouponPerYear * bond.notionalQuote * years;
      row.fair = fair;
      row.couponCostAtFairQuote = cost;
      row.badDebtAvoidedPerCoupon = cost > 0 ? row.badDebtAvoided / cost : Number.NaN;
    }
    return row;
  });
  return { notionalQuote: bond.notionalQuote, index: bond.trigger.index, payoutTo: bond.payoutTo, badDebtWithout, paradoxIndexWithout: paradoxIndexOf(base.recorder), rows };
}

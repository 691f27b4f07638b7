import { z } from 'zod';
import { defineStrategy, type StrategyContext, type StrategyOrders } from '../src/strategy/api.js';

/**
 * contagion-hedge: a holder of the asset who insures it against the
 * cascade, not against every dip. The seed's criticality argument: forced
 * selling by liquidations (branching ratio n/D') and by short-gamma dealers
 * (λ S |Γ|) add up, and as their sum approaches 1 an exogenous drop is
 * amplified without bound; that sum is public before the crash. So the
 * strategy holds a small strip of deep out-of-the-money puts in calm times
 * (the carry it pays for being insured at all) and buys more of them when
 * the summed branching ratio approaches 1, selling the extra back once the
 * system is far from the critical point again.
 *
 * Holding: buys `spotBase` of the asset at the start. Calm strip:
 * `calmPutFraction` × spotBase puts at `moneyness` × mid, `tenorDays` out,
 * rolled at expiry. Stress: when liquidation + gamma branching ratio (the
 * previous bar's, as the engine publishes them) reaches `triggerBranching`,
 * tops the strip up to `stressPutFraction` × spotBase and holds the top-up
 * to its expiry (selling it back in the cascade would pay the widest
 * spreads of the run); a new top-up needs the ratio to have fallen below
 * `rearmBranching` first.
 */
const params = z.strictObject({
  spotBase: z.number().positive().default(10).describe('Asset held, base units. Default 10.'),
  calmPutFraction: z.number().min(0).default(0.25).describe('Puts held in calm times per unit of the holding. Default 0.25.'),
  stressPutFraction: z.number().min(0).default(1).describe('Puts held near the critical point per unit of the holding. Default 1.'),
  moneyness: z.number().positive().max(1).default(0.8).describe('Strike over mid when bought, decimal. Default 0.8 (20% out of the money).'),
  strikeStep: z.number().positive().default(500).describe('Strikes rounded down to a multiple of this, quote. Default 500.'),
  tenorDays: z.number().positive().default(14).describe('Days from purchase to expiry. Default 14.'),
  triggerBranching: z.number().positive().default(0.7).describe('Summed branching ratio at which the strip is topped up, dimensionless. Default 0.7.'),
  rearmBranching: z.number().min(0).default(0.4).describe('Summed branching ratio the system must fall below before another top-up, dimensionless. Default 0.4.'),
});

type Leg = { strike: number; expiryMs: number; qty: number };

export default defineStrategy({
  id: 'contagion-hedge',
  description: 'Holds the asset with a calm strip of deep OTM puts, bought up as the summed branching ratio approaches 1.',
  params,
  create(p: z.output<typeof params>) {
    const calm: Leg = { strike: 0, expiryMs: -Infinity, qty: 0 };
    const extra: Leg = { strike: 0, expiryMs: -Infinity, qty: 0 };
    let bought = false;
    let armed = true;

    const buy = (ctx: StrategyContext, orders: StrategyOrders, leg: Leg, qty: number): void => {
      const K = Math.floor((ctx.mid() * p.moneyness) / p.strikeStep) * p.strikeStep;
      const exp = ctx.time + p.tenorDays * 86_400_000;
      if (!(K > 0) || !(qty > 0)) return;
      if (orders.option({ kind: 'put', strike: K, expiryMs: exp, qtyBase: qty }) >= 0) {
        leg.strike = K;
        leg.expiryMs = exp;
        leg.qty = qty;
      }
    };

    const summed = (ctx: StrategyContext): number => {
      const a = ctx.metrics.liquidationBranchingRatio;
      const b = ctx.metrics.gammaBranchingRatio;
      return (Number.isFinite(a) ? a : 0) + (Number.isFinite(b) ? b : 0);
    };

    return {
      start() {},
      onBar(ctx, orders) {
        if (!bought) {
          bought = orders.market(p.spotBase) >= 0;
          if (!bought) return;
        }
        for (const leg of [calm, extra]) if (leg.qty !== 0 && ctx.time >= leg.expiryMs) leg.qty = 0;
        if (ctx.account.optionsHeldBase === 0) calm.qty = extra.qty = 0;
        if (calm.qty === 0) buy(ctx, orders, calm, p.calmPutFraction * p.spotBase);
        const br = summed(ctx);
        if (br < p.rearmBranching) armed = true;
        if (armed && extra.qty === 0 && br >= p.triggerBranching) {
          buy(ctx, orders, extra, Math.max(0, p.stressPutFraction - p.calmPutFraction) * p.spotBase);
          armed = false;
        }
      },
      stop() {},
    };
  },
});

import { z } from 'zod';
import { defineStrategy } from '../src/strategy/api.js';

/**
 * skew-aware-market-maker: a spot liquidity provider that reads the options
 * market and the cascade's criticality before it quotes. The seed's
 * liquidity providers withdraw as stress rises; this one stays but prices
 * the risk: it widens its quotes as the put wing steepens (the 25-delta
 * risk reversal falls below its calm level: option buyers pay up for crash
 * protection) and as the summed branching ratio (liquidations plus dealer
 * gamma) approaches 1, and it skews them down (bid further below, ask
 * closer) so it leans toward selling inventory into a fall rather than
 * catching all of it. Its resting bids still absorb forced selling inside
 * the cascade rounds, at a price that pays it for the risk.
 *
 * Every bar: cancel, then quote `quoteBase` on each side around the mid at
 *   half-width w = baseHalfWidth · (1 + skewWeight · max(0, −rr25 − calmSkew) / calmSkew + branchingWeight · branching)
 *   centre c = mid · (1 − skewShift · (w − baseHalfWidth))
 * (bid c·(1 − w), ask c·(1 + w)), with no bid once the position reaches
 * `maxInventoryBase` and no ask when it holds nothing. Starts with
 * `startInventoryBase` bought at the first bar.
 */
const params = z.strictObject({
  quoteBase: z.number().positive().default(2).describe('Size quoted on each side, base units. Default 2.'),
  startInventoryBase: z.number().min(0).default(5).describe('Inventory bought at the first bar so it can quote an ask, base units. Default 5.'),
  maxInventoryBase: z.number().positive().default(20).describe('No bid once the position reaches this, base units. Default 20.'),
  baseHalfWidth: z.number().positive().default(0.002).describe('Half-width of the quotes in calm markets, fraction of mid. Default 0.002 (20 bps).'),
  calmSkew: z.number().positive().default(0.05).describe('Magnitude of the 25-delta risk reversal taken as calm, vol decimal. Default 0.05 (5 vol points).'),
  skewWeight: z.number().min(0).default(1).describe('Widening per calm-skew unit of extra put-wing steepness, dimensionless. Default 1.'),
  branchingWeight: z.number().min(0).default(2).describe('Widening per unit of summed branching ratio, dimensionless. Default 2.'),
  skewShift: z.number().min(0).default(0.5).describe('How far the quote centre moves down per unit of extra half-width, dimensionless. Default 0.5.'),
});

export default defineStrategy({
  id: 'skew-aware-market-maker',
  description: 'Quotes spot bids and asks that widen and lean down as the put wing steepens and the branching ratio rises.',
  params,
  create(p: z.output<typeof params>) {
    let stocked = p.startInventoryBase === 0;
    return {
      start() {},
      onBar(ctx, orders) {
        if (!stocked) {
          stocked = orders.market(p.startInventoryBase) >= 0;
          return;
        }
        orders.cancelAll();
        const m = ctx.metrics;
        const rr = Number.isFinite(m.riskReversal25) ? m.riskReversal25 : -p.calmSkew;
        const br = (Number.isFinite(m.liquidationBranchingRatio) ? m.liquidationBranchingRatio : 0) + (Number.isFinite(m.gammaBranchingRatio) ? m.gammaBranchingRatio : 0);
        const steep = Math.max(0, -rr - p.calmSkew) / p.calmSkew;
        const w = p.baseHalfWidth * (1 + p.skewWeight * steep + p.branchingWeight * Math.max(0, br));
        const mid = ctx.mid();
        const centre = mid * (1 - p.skewShift * (w - p.baseHalfWidth));
        const pos = ctx.account.positionBase;
        if (pos < p.maxInventoryBase) orders.limit(Math.min(p.quoteBase, p.maxInventoryBase - pos), centre * (1 - w));
        if (pos > 0) orders.limit(-Math.min(p.quoteBase, pos), centre * (1 + w));
      },
      stop() {},
    };
  },
});

import { z } from 'zod';
import { defineStrategy, type StrategyContext } from '../src/strategy/api.js';

/**
 * Buy the fear: the contrarian who buys what forced sellers must sell. In a
 * liquidation cascade the sellers do not choose their price (the protocol
 * sells seized collateral into a thin book at whatever it pays; a dealer
 * short crash puts sells into the fall to stay hedged), so someone with
 * cash can stand under the market and take the other side.
 *
 * Source: the project's seed names contrarian "buy the fear" strategies as
 * one of the things the tool must test, asking whether they change the
 * cascade's outcome; see docs/strategies.md for how this one is built and
 * what its naive twin shows.
 *
 * It enters when forced selling peaks: any of the market liquidity ratio,
 * the summed branching ratio, the forced-selling velocity, the put skew or
 * the drawdown past its threshold. While the fear lasts it rests bids under
 * the market from the first round of each bar (where the forced selling
 * happens) and scales in by tranches; it exits on a recovery to its
 * take-profit over its average entry, or at its stop.
 */
const params = z.strictObject({
  entryMlr: z.number().min(0).default(0.3).describe('Market liquidity ratio (previous bar) at or above which fear is on, decimal. Default 0.3.'),
  entryBranchingRatio: z.number().min(0).default(0.5).describe('Summed liquidation and gamma branching ratio (previous bar) at or above which fear is on, dimensionless. Default 0.5.'),
  entryLiquidationQuotePerMin: z.number().min(0).default(250_000).describe('Forced-selling velocity at or above which fear is on, quote per minute; 0 ignores it. Default 250000.'),
  entryRiskReversal25: z.number().max(0).default(-0.15).describe('25-delta risk reversal (previous bar) at or below which fear is on, vol decimal. Default -0.15.'),
  entryDrawdown: z.number().min(0).max(1).default(0.1).describe('Drawdown from the running peak at or above which fear is on, decimal. Default 0.1.'),
  tranches: z.number().int().min(1).default(4).describe('Most tranches it scales in by (market entries and filled bids together), count. Default 4.'),
  trancheFraction: z.number().positive().max(1).default(0.2).describe('Size of one tranche as a fraction of the starting capital, decimal. Default 0.2.'),
  restingBids: z.number().int().min(0).default(2).describe('Bids rested under the market during the fear, count. Default 2.'),
  bidStepBps: z.number().positive().default(150).describe('Distance between the mid and the first bid, and between bids, basis points. Default 150.'),
  takeProfit: z.number().positive().default(0.05).describe('Exit when the mid is this far above the average entry price, decimal. Default 0.05.'),
  stopLoss: z.number().positive().default(0.15).describe('Exit when the mid is this far below the average entry price, decimal. Default 0.15.'),
  entrySpacingBars: z.number().int().min(1).default(4).describe('Fewest bars between two market tranches, bars. Default 4.'),
  cooldownBars: z.number().int().min(0).default(8).describe('Bars after an exit before it may enter again, bars. Default 8.'),
});

export default defineStrategy({
  id: 'buy-the-fear',
  description: 'Buys forced selling at its peak: market tranches and resting bids under the market during the cascade; exits on recovery or stop.',
  params,
  create(p) {
    let capital = 0;
    let tranchesUsed = 0;
    let costBase = 0;
    let costQuote = 0;
    let lastExitBar = -Infinity;
    let bidsBar = -1;
    let lastEntryBar = -Infinity;

    const fear = (ctx: StrategyContext): boolean => {
      const m = ctx.metrics;
      const branching = (Number.isNaN(m.liquidationBranchingRatio) ? 0 : m.liquidationBranchingRatio) + (Number.isNaN(m.gammaBranchingRatio) ? 0 : m.gammaBranchingRatio);
      return (
        m.mlr >= p.entryMlr ||
        branching >= p.entryBranchingRatio ||
        (p.entryLiquidationQuotePerMin > 0 && m.liquidationQuotePerMin >= p.entryLiquidationQuotePerMin) ||
        m.riskReversal25 <= p.entryRiskReversal25 ||
        m.drawdown >= p.entryDrawdown
      );
    };
    const trancheBase = (ctx: StrategyContext): number => (capital * p.trancheFraction) / ctx.mid();
    const mayEnter = (ctx: StrategyContext): boolean => tranchesUsed < p.tranches && ctx.bar - lastExitBar > p.cooldownBars;

    return {
      start(ctx) {
        capital = ctx.account.equityQuote;
      },
      onRound(ctx, round, orders) {
        // Once per bar, at the first round: the bids wait under the market for this bar's forced selling.
        if (round !== 0 || bidsBar === ctx.bar) return;
        bidsBar = ctx.bar;
        orders.cancelAll();
        if (!fear(ctx) || !mayEnter(ctx)) return;
        const tranche = trancheBase(ctx);
        const mid = ctx.mid();
        // No more bids than the cash pays for: each is a tranche.
        const affordable = Math.floor(ctx.account.cashQuote / (tranche * mid));
        const left = Math.min(p.restingBids, p.tranches - tranchesUsed, affordable);
        for (let k = 1; k <= left; k++) orders.limit(tranche, mid * (1 - (k * p.bidStepBps) / 1e4));
      },
      onBar(ctx, orders) {
        const pos = ctx.account.positionBase;
        const mid = ctx.mid();
        if (pos > 0 && costBase > 0) {
          const entry = costQuote / costBase;
          if (mid >= entry * (1 + p.takeProfit) || mid <= entry * (1 - p.stopLoss)) {
            orders.cancelAll();
            orders.market(-pos);
            lastExitBar = ctx.bar;
            tranchesUsed = 0;
            return;
          }
        }
        // A market tranche at most every entrySpacingBars while the fear lasts; the bids are re-placed next bar.
        if (fear(ctx) && mayEnter(ctx) && ctx.bar - lastEntryBar >= p.entrySpacingBars) {
          orders.cancelAll();
          const tranche = trancheBase(ctx);
          if (ctx.account.cashQuote >= tranche * mid * 1.01 && orders.market(tranche) >= 0) {
            tranchesUsed++;
            lastEntryBar = ctx.bar;
          }
        }
      },
      onFill(fill) {
        if (fill.sizeBase > 0) {
          costBase += fill.sizeBase;
          costQuote += fill.sizeBase * fill.price;
          if (fill.kind === 'limit') tranchesUsed++;
        } else {
          // Selling reduces the position at its average cost; a flat book starts a fresh average.
          const avg = costBase > 0 ? costQuote / costBase : 0;
          costBase = Math.max(0, costBase + fill.sizeBase);
          costQuote = avg * costBase;
        }
      },
      stop() {},
    };
  },
});

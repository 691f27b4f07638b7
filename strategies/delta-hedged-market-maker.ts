import { z } from 'zod';
import { blackScholes } from '../src/pricing/blackScholes.js';
import { defineStrategy, type StrategyContext, type StrategyOrders } from '../src/strategy/api.js';

/**
 * delta-hedged-market-maker: the options dealer of the seed, run as a
 * strategy. It sells crash puts on the skewed surface (customers buy
 * protection; a yield vault's puts end up on the same side) and hedges
 * their delta in the spot book. A short put's delta grows as the price
 * falls, so the hedge SELLS INTO THE FALL: this is the negative-gamma
 * forced seller the model is built around ("options market makers who are
 * short gamma"), here with its own capital, margin and P&L. It collects the
 * premium in calm times and pays for it in the crash: re-hedging a short
 * gamma book in a thin book loses on every round trip, the put goes into
 * the money, and the venue's maintenance margin can liquidate it at the
 * worst moment. The naive twin shows the smooth premium curve a close-only
 * backtest would draw.
 *
 * Each sale: `putQtyBase` puts at strike `moneyness` × mid (rounded to
 * `strikeStep`), `tenorDays` out; re-sold at expiry. Hedge: trade toward
 * −Δ_book whenever the gap exceeds `hedgeBandBase`, at each bar and, with
 * `hedgeInRounds`, inside every cascade round as a dealer does.
 */
const params = z.strictObject({
  putQtyBase: z.number().positive().default(10).describe('Puts sold per expiry, base units (e.g. BTC). Default 10.'),
  moneyness: z.number().positive().max(1).default(0.9).describe('Strike over mid at the sale, decimal. Default 0.9 (10% out of the money).'),
  strikeStep: z.number().positive().default(500).describe('Strikes are rounded down to a multiple of this, quote. Default 500.'),
  tenorDays: z.number().positive().default(7).describe('Days from sale to expiry. Default 7 (a weekly).'),
  hedge: z.boolean().default(true).describe('Delta-hedge in the spot book. Default true.'),
  hedgeBandBase: z.number().min(0).default(0.25).describe('Re-hedge once |spot position + Δ_book| exceeds this, base units. Default 0.25.'),
  hedgeInRounds: z.boolean().default(true).describe('Also hedge inside each cascade round (the dealer does). Default true.'),
});

export default defineStrategy({
  id: 'delta-hedged-market-maker',
  description: 'Sells crash puts on the skewed surface and delta-hedges them in the spot book: the short-gamma dealer as a strategy.',
  params,
  create(p: z.output<typeof params>) {
    let strike = 0;
    let expiryMs = -Infinity;
    let held = 0;

    const bookDelta = (ctx: StrategyContext): number => {
      if (held === 0 || !(expiryMs > ctx.time)) return 0;
      const S = ctx.mid();
      const T = (expiryMs - ctx.time) / (365.25 * 86_400_000);
      return held * blackScholes('put', S, strike, T, ctx.impliedVol(strike, expiryMs)).delta;
    };

    const hedge = (ctx: StrategyContext, orders: StrategyOrders): void => {
      if (!p.hedge) return;
      const gap = ctx.account.positionBase + bookDelta(ctx);
      if (Math.abs(gap) > p.hedgeBandBase) orders.market(-gap);
    };

    const sell = (ctx: StrategyContext, orders: StrategyOrders): void => {
      const K = Math.floor((ctx.mid() * p.moneyness) / p.strikeStep) * p.strikeStep;
      if (!(K > 0)) return;
      const exp = ctx.time + p.tenorDays * 86_400_000;
      if (orders.option({ kind: 'put', strike: K, expiryMs: exp, qtyBase: -p.putQtyBase }) >= 0) {
        strike = K;
        expiryMs = exp;
        held = -p.putQtyBase;
      }
    };

    return {
      start() {},
      onRound(ctx, _round, orders) {
        if (p.hedgeInRounds) hedge(ctx, orders);
      },
      onBar(ctx, orders) {
        // Expired puts were settled in cash by the account at the bar end.
        if (held !== 0 && ctx.time >= expiryMs) held = 0;
        // A liquidation closes the position; the account says so.
        if (held !== 0 && ctx.account.optionsHeldBase === 0) held = 0;
        if (held === 0) sell(ctx, orders);
        hedge(ctx, orders);
      },
      stop() {},
    };
  },
});

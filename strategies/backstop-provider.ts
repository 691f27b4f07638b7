import { z } from 'zod';
import { defineStrategy } from '../src/strategy/api.js';

/**
 * backstop-provider: outside capital committed to the protocol's backstop
 * pool (a stability pool, an insurance vault). The pool buys the collateral
 * of liquidated accounts at a fixed discount to the oracle, which is the
 * provider's income; it pays for it by catching the falling knife, since
 * collateral bought at a discount during a cascade is worth less once the
 * cascade has run. The seed's paradox is about this capital: the system
 * needs it exactly when its owners want it back. This strategy is one such
 * owner, and the lock-up and fee the protocol imposes on the behaviour
 * layer's depositors apply to it too.
 *
 * Deposits `depositFraction` of its cash at the start. With
 * `withdrawOnDrawdown` set, asks for its stake back once the drawdown
 * reaches it (a leaver; paid after the lock-up, less the fee); with
 * `redepositOnRecovery`, comes back when the drawdown falls below it.
 */
const params = z.strictObject({
  depositFraction: z.number().gt(0).max(1).default(0.9).describe('Share of starting cash deposited, decimal. Default 0.9.'),
  withdrawOnDrawdown: z
    .number()
    .gt(0)
    .lt(1)
    .nullable()
    .default(null)
    .describe('Drawdown from the running peak at which the stake is asked back, decimal; null stays in. Default null.'),
  redepositOnRecovery: z
    .number()
    .min(0)
    .lt(1)
    .nullable()
    .default(null)
    .describe('After leaving, re-deposits once the drawdown is back below this, decimal; null never. Default null.'),
});

export default defineStrategy({
  id: 'backstop-provider',
  description: 'Commits capital to the backstop pool, earns its discount on liquidated collateral and pays for catching the falling knife.',
  params,
  create(p: z.output<typeof params>) {
    let tried = false;
    let deposited = false;
    let left = false;
    return {
      start() {},
      onBar(ctx, orders) {
        const dd = ctx.metrics.drawdown;
        if (!tried) {
          // One attempt: a scenario with no backstop pool refuses it once, in the orders log.
          tried = true;
          const amount = ctx.account.cashQuote * p.depositFraction;
          deposited = amount > 0 && orders.depositBackstop(amount) >= 0;
          return;
        }
        if (!deposited) return;
        if (!left && p.withdrawOnDrawdown !== null && dd >= p.withdrawOnDrawdown) {
          if (orders.withdrawBackstop(ctx.account.backstopQuote) >= 0) left = true;
        } else if (left && p.redepositOnRecovery !== null && dd < p.redepositOnRecovery && ctx.account.backstopQuote === 0) {
          const amount = ctx.account.cashQuote * p.depositFraction;
          if (amount > 0 && orders.depositBackstop(amount) >= 0) left = false;
        }
      },
      stop() {},
    };
  },
});

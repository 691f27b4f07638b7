import { describe, expect, it } from 'vitest';
import { MultiAccounts } from '../../src/portfolio/accounts.js';
import { runMarginRule } from '../../src/portfolio/run.js';
import { literalSetup, marginParams } from './stories.js';

// A 5x long perp of 100 BTC at 100 (margin 2,000; healthy at the start under
// both rules, the scan asking 15% of 10,000) gaps to 75 in one bar:
// the loss of 2,500 exceeds its margin. It is sold into a linear book whose depth
// is D = depth1PctQuote / (0.01 · first price) = 10,000 BTC per unit of log
// price, so a 100 BTC sale moves log price by x = −0.01 and fills at the
// mean mid along the path, 75 · (e^x − 1)/x (no spread). The bad debt is
// what the fill leaves short: −(2,000 + 100 · (fill − 100)). Impact in this
// book is exponential-linear, so four 25 BTC chunks in one round (the
// portfolio rule) fill for the same total as one 100 BTC order.
const ENTRY_PRICE = 100;
const CRASH_PRICE = 75;
const SIZE = 100;
const MARGIN = 2_000;
const DEPTH_1PCT_QUOTE = 10_000;

function account(): MultiAccounts {
  const a = new MultiAccounts(1, 2);
  a.perp[0] = SIZE;
  a.entry[0] = ENTRY_PRICE;
  a.perpMargin[0] = MARGIN;
  return a;
}

describe('settlement of a perp liquidated through its margin', () => {
  const x = -SIZE / (DEPTH_1PCT_QUOTE / (0.01 * ENTRY_PRICE));
  const fill = (CRASH_PRICE * Math.expm1(x)) / x;
  const badDebt = -(MARGIN + SIZE * (fill - ENTRY_PRICE));

  for (const rule of ['isolated', 'portfolio'] as const) {
    it(`${rule}: bad debt is the margin shortfall at the closed-form fill price, and no penalty is taken`, () => {
      const r = runMarginRule(literalSetup([ENTRY_PRICE, CRASH_PRICE], [10, 10], account(), marginParams({ scanRangePct: [15, 20] }), DEPTH_1PCT_QUOTE), rule);
      expect(r.liquidatedBase[0]).toBeCloseTo(SIZE, 9);
      expect(r.liquidatedQuote[0]).toBeCloseTo(SIZE * fill, 6);
      expect(r.badDebtQuote, JSON.stringify({ rule, fill, badDebt })).toBeCloseTo(badDebt, 6);
      expect(r.penaltyQuote).toBe(0);
      expect(r.endogenousMovePct[0]).toBeCloseTo(100 * Math.expm1(x), 9);
    });
  }
});

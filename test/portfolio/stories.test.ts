import { describe, expect, it } from 'vitest';
import { MultiAccounts } from '../../src/portfolio/accounts.js';
import { runMarginRule } from '../../src/portfolio/run.js';
import { literalSetup, marginParams } from './stories.js';

const BTC_ENTRY = 100;
const ETH_ENTRY = 10;

describe('a basis trade (long BTC spot on a loan, short BTC perp) in a 20% fall', () => {
  // 10 BTC bought at 100 with 700 borrowed (LT 0.825: the loan is due below
  // 700 / 8.25 = 84.85), hedged by a 10 BTC short perp on 100 of margin.
  // BTC falls to 80: the loan is due, while the short has gained 200 that
  // the isolated rule keeps in the perp's own margin. Pooled, the equity
  // stays 400 at every price and the hedge nets to no delta, so the
  // portfolio rule asks only the floor, 1% of the 1,600 gross: it survives.
  const CRASH_PRICE = 80;
  const btc = [BTC_ENTRY, 95, 90, CRASH_PRICE, CRASH_PRICE];
  const eth = [ETH_ENTRY, 9.6, 9.1, 8.2, 8.2];
  const accounts = (): MultiAccounts => {
    const a = new MultiAccounts(1, 2);
    a.spot[0] = 10;
    a.debt[0] = 700;
    a.perp[0] = -10;
    a.entry[0] = BTC_ENTRY;
    a.perpMargin[0] = 100;
    return a;
  };
  const margin = marginParams({ scanRangePct: [15, 20] });

  it('is liquidated under isolated margin', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'isolated');
    expect(r.liquidated[0]).toBe(1);
    expect(r.marginCalls).toBe(1);
    // The whole spot leg (10 BTC) was sold, near 80 in the deep book.
    expect(r.liquidatedBase[0]).toBeCloseTo(10, 9);
    expect(r.liquidatedQuote[0] / 10).toBeCloseTo(CRASH_PRICE, 3);
    expect(r.badDebtQuote).toBe(0);
  });

  it('survives under portfolio margin', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'portfolio');
    expect(r.liquidated[0]).toBe(0);
    expect(r.marginCalls).toBe(0);
    expect(r.liquidatedBase[0]).toBe(0);
  });
});

describe('a long ETH perp at 4x in a 10% fall: portfolio margin liquidates more', () => {
  // 100 ETH long at 10 on 250 of margin (4x). Isolated: due only below
  // 10 · 0.75 / 0.9875 = 7.59, a 24% fall. The portfolio rule asks the
  // account to survive a further 20% ETH move (its scan range) at all
  // times: at 9, equity 150 is below the scan loss 0.2 · 900 = 180, so it
  // is liquidated though isolated margin would hold it. This is the cost
  // of portfolio margin for an outright position: the scan range is far
  // wider than a maintenance margin. Pinned, not a bug.
  const btc = [BTC_ENTRY, 100, 100, 100];
  const eth = [ETH_ENTRY, 9.5, 9, 9];
  const accounts = (): MultiAccounts => {
    const a = new MultiAccounts(1, 2);
    a.perp[1] = 100;
    a.entry[1] = ETH_ENTRY;
    a.perpMargin[1] = 250;
    return a;
  };
  const margin = marginParams({ scanRangePct: [15, 20] });

  it('isolated: untouched', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'isolated');
    expect(r.liquidated[0]).toBe(0);
  });

  it('portfolio: liquidated, by chunks of the perp until the equity covers the scan loss', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'portfolio');
    expect(r.liquidated[0]).toBe(1);
    expect(r.marginCalls).toBe(1);
    // At 9: equity 150 − 2% penalty per chunk sold; requirement 0.2 · 9 · q.
    // One 25-ETH chunk: equity 150 − 4.5 = 145.5 vs 0.2 · 9 · 75 = 135: enough.
    expect(r.liquidatedBase[1]).toBeCloseTo(25, 9);
    expect(r.liquidatedBase[0]).toBe(0);
    expect(r.badDebtQuote).toBe(0);
  });
});

describe('no forced flow means the history exactly', () => {
  it('an account that is never due leaves both books on their closes', () => {
    const a = new MultiAccounts(1, 2);
    a.spot[0] = 1;
    const r = runMarginRule(literalSetup([100, 80, 60], [10, 8, 6], a, marginParams({ scanRangePct: [15, 20] })), 'portfolio');
    expect(Array.from(r.endogenousMovePct)).toEqual([0, 0]);
    expect(Array.from(r.lowVsHistoryPct)).toEqual([0, 0]);
    expect(r.marginCalls).toBe(0);
  });
});

describe('portfolio liquidation order: what reduces risk most per unit sold goes first', () => {
  // A BTC basis trade (10 spot long on a 750 loan, 10 perp short on 50)
  // beside a 4x ETH long perp (100 at 10 on 250), all in one account.
  // Equity 550 against a scan loss of 0.2 · 1,000 = 200 at the start. ETH
  // falls to 5: equity 50 against 0.2 · 500 = 100, so the account is due.
  // A 25-ETH chunk lowers the requirement by 0.2 per quote sold; a 2.5-BTC
  // chunk of the spot leaves BTC net short, a partial cross hedge that lowers
  // it by only (100 − 81.25) / 250 = 0.075 per quote (worked on the grid by
  // hand). So ETH is sold and the BTC legs stay.
  it('sells the ETH perp and keeps both BTC legs', () => {
    const a = new MultiAccounts(1, 2);
    a.spot[0] = 10;
    a.debt[0] = 750;
    a.perp[0] = -10;
    a.entry[0] = BTC_ENTRY;
    a.perpMargin[0] = 50;
    a.perp[1] = 100;
    a.entry[1] = ETH_ENTRY;
    a.perpMargin[1] = 250;
    const margin = marginParams({ scanRangePct: [15, 20], scanSteps: 2 });
    const r = runMarginRule(literalSetup([100, 100, 100], [10, 7, 5], a, margin), 'portfolio');
    expect(r.liquidated[0]).toBe(1);
    expect(r.liquidatedBase[0]).toBe(0);
    // Chunks of 25 ETH at 5, 2% penalty each: (47.5 vs 75), (45 vs 50), (42.5 vs 25): three.
    expect(r.liquidatedBase[1]).toBeCloseTo(75, 6);
  });
});

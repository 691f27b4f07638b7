import { describe, expect, it } from 'vitest';
import { blackScholes } from '../../src/pricing/blackScholes.js';
import { MultiAccounts } from '../../src/portfolio/accounts.js';
import { buildScanGrid, optionLegDue, portfolioRequirement } from '../../src/portfolio/margin.js';
import { makeOptionScan, volAtStrike } from '../../src/portfolio/options.js';
import { runMarginRule } from '../../src/portfolio/run.js';
import { literalSetup, marginParams } from './stories.js';

const S = 100;
const K = 90;
const YEARS = 30 / 365.25;
const VOL = 0.6;

function oneLegScan(qty: number, call: boolean, volScan: number) {
  const o = makeOptionScan(1);
  o.qty[0] = qty;
  o.strike[0] = K;
  o.call[0] = call ? 1 : 0;
  o.years[0] = YEARS;
  o.atm[0] = VOL;
  o.volScan = volScan;
  return o;
}

const put = (spot: number, vol: number): number => blackScholes('put', spot, K, YEARS, vol).price;

describe('the scan with option legs, against Black-Scholes at the grid corner where the loss must be', () => {
  const grid = buildScanGrid([15], 3, 2);
  // A long put loses most when the price rises and vol falls; a short put
  // when the price falls and vol rises (the put's value is monotone in both).
  it('a long put: its value now less its value at +15% and vol −30%', () => {
    const want = put(S, VOL) - put(S * 1.15, VOL * 0.7);
    expect(portfolioRequirement(grid, 0, [0], 0, [S], 0, oneLegScan(1, false, 0.3))).toBeCloseTo(want, 10);
  });
  it('a short put: its value at −15% and vol +30% less its value now', () => {
    const want = put(S * 0.85, VOL * 1.3) - put(S, VOL);
    expect(portfolioRequirement(grid, 0, [0], 0, [S], 0, oneLegScan(-1, false, 0.3))).toBeCloseTo(want, 10);
  });
  it('the vol moves raise the requirement of a short put over the price moves alone', () => {
    const priceOnly = portfolioRequirement(grid, 0, [0], 0, [S], 0, oneLegScan(-1, false, 0));
    expect(priceOnly).toBeCloseTo(put(S * 0.85, VOL) - put(S, VOL), 10);
    expect(portfolioRequirement(grid, 0, [0], 0, [S], 0, oneLegScan(-1, false, 0.3))).toBeGreaterThan(priceOnly);
  });
  it('a long put and one coin of delta-neutralising spot offset: the scan loss is below either alone', () => {
    const delta = -blackScholes('put', S, K, YEARS, VOL).delta;
    const both = portfolioRequirement(grid, 0, [delta], 0, [S], 0, oneLegScan(1, false, 0.3));
    const putAlone = portfolioRequirement(grid, 0, [0], 0, [S], 0, oneLegScan(1, false, 0.3));
    const spotAlone = portfolioRequirement(grid, 0, [delta], 0, [S]);
    expect(both).toBeLessThan(putAlone);
    expect(both).toBeLessThan(spotAlone);
  });
  it('the skewed surface: σ(K) = ATM · (1 − skew · ln(K/S)), floored at 5% of ATM', () => {
    expect(volAtStrike(0.6, 0.5, 90, 100)).toBeCloseTo(0.6 * (1 - 0.5 * Math.log(0.9)), 14);
    expect(volAtStrike(0.6, 5, 1000, 100)).toBe(0.6 * 0.05);
  });
  it('an isolated short option is due when margin minus buy-back cost is below maintenance', () => {
    // 1 short put worth 5, margin 15: 15 − 5 = 10 = 10% of 100: not below.
    expect(optionLegDue(-1, 5, 15, 100, 10)).toBe(false);
    expect(optionLegDue(-1, 5.01, 15, 100, 10)).toBe(true);
    expect(optionLegDue(1, 1e9, 0, 100, 10)).toBe(false);
  });
});

describe('a protective put: long BTC spot on a loan, insured by a long put', () => {
  // 10 BTC at 100 on a 700 loan (due below 84.85 under the isolated rule,
  // which does not see the put) and 10 puts struck at 95, 30 days. BTC falls
  // to 75: the loan is liquidated under isolated margin. Pooled, the put pays
  // at least 20 a coin below 75, so the equity stays near 10·95 − 700 = 250
  // at any lower price; the scan's worst case is a rebound (the put loses
  // value faster than the coins gain, for these few coins), far below 250.
  const accounts = (): MultiAccounts => {
    const a = new MultiAccounts(1, 2);
    a.spot[0] = 10;
    a.debt[0] = 700;
    a.optQty[0] = 10;
    a.optStrike[0] = 95;
    a.optExpiryMs[0] = Date.UTC(2020, 2, 12) + 30 * 86_400_000;
    return a;
  };
  const btc = [100, 90, 80, 75, 75];
  const eth = [10, 9, 8, 7.5, 7.5];
  const margin = marginParams({ scanRangePct: [15, 20] });

  it('isolated: the loan is liquidated', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'isolated');
    expect(r.liquidated[0]).toBe(1);
    expect(r.liquidatedBase[0]).toBeCloseTo(10, 9);
  });

  it('portfolio: survives', () => {
    const r = runMarginRule(literalSetup(btc, eth, accounts(), margin), 'portfolio');
    expect(r.liquidated[0]).toBe(0);
    expect(r.marginCalls).toBe(0);
  });
});

describe('a naked short put: portfolio margin buys it back as the price falls', () => {
  // 100 short ETH puts struck at 9 (30 days), 150 of cash: healthy at 10
  // (equity about 105 against a scan loss about 85). As ETH falls to 9 and 8
  // the scan (ETH −20%, vol +30%) costs more than the equity left, so the
  // portfolio rule closes puts off the book at model value; no ETH is sold.
  it('closes option legs, not the book', () => {
    const a = new MultiAccounts(1, 2);
    a.cash[0] = 150;
    a.optQty[1] = -100;
    a.optStrike[1] = 9;
    a.optExpiryMs[1] = Date.UTC(2020, 2, 12) + 30 * 86_400_000;
    const margin = marginParams({ scanRangePct: [15, 20] });
    const calm = runMarginRule(literalSetup([100, 100, 100], [10, 10, 10], a, margin), 'portfolio');
    expect(calm.liquidated[0]).toBe(0);
    const r = runMarginRule(literalSetup([100, 100, 100], [10, 9, 8], a, margin), 'portfolio');
    expect(r.liquidated[0]).toBe(1);
    expect(r.optionsClosedQuote).toBeGreaterThan(0);
    expect(r.liquidatedBase[1]).toBe(0);
  });
});

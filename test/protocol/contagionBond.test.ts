import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { ConfigError } from '../../src/core/errors.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../../src/core/time.js';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import type { MarketView } from '../../src/sim/agent.js';
import { ContagionBond } from '../../src/protocol/defences/contagionBond.js';
import { CAUSE_CODE } from '../../src/sim/tradeLog.js';
import { testScenario } from '../engine/helpers.js';

/**
 * The contagion bond (docs/model.md#contagion-bond) on one small story: the
 * price is flat at START for SHOCK_BAR one-minute bars, gaps to LOW at bar
 * SHOCK_BAR (the exogenous move) and stays there. 100 accounts of 5 units
 * with liquidation prices from 95 down to 75 are all under water at LOW
 * (debt = liq · 5 · 0.8 > 5 · LOW for liq > 87.5 ... and the cascade pushes
 * the mid lower still), so the shock leaves bad debt; the insurance fund
 * starts empty.
 *
 * Why the trigger bars must be what the tests say:
 * - drawdown: the bar-start drawdown is 0 before the shock (nothing trades
 *   on a flat path with no account due) and (START − LOW)/START = 0.3 at
 *   the shock bar's start, before its cascade: a level of 0.25 fires at
 *   SHOCK_BAR exactly, not before;
 * - liquidationVelocity: the engine publishes the bar's forced selling only
 *   after the bar, so the index is 0 at the shock bar's start and the bond
 *   can fire at SHOCK_BAR + 1 at the earliest: the index crosses only after
 *   the shock and nothing is paid before.
 */
const T0 = Date.UTC(2020, 2, 12);
const SHOCK_BAR = 20;
const BARS = 60;
const START = 100;
const LOW = 70;
const NOTIONAL = 100;
const COUPON = 0.08;

function shockPath(): BarSeries {
  const close = Float64Array.from({ length: BARS }, (_, i) => (i < SHOCK_BAR ? START : LOW));
  const time = Float64Array.from({ length: BARS }, (_, i) => T0 + i * MS_PER_MINUTE);
  return makeBarSeries(
    { symbol: 'SHOCK', source: 'test', synthetic: true, volumeUnit: 'base' },
    { time, open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(BARS).fill(5000) },
  );
}

function population(): AccountBook {
  const book = new AccountBook(100);
  for (let k = 0; k < 100; k++) {
    const liq = 95 - (20 * k) / 100;
    book.add(5, liq * 5 * 0.8, 0.8);
  }
  return book;
}

type Bond = NonNullable<NonNullable<NonNullable<ScenarioInput['protocol']>['defences']>['contagionBond']>;
type Mechanism = NonNullable<NonNullable<ScenarioInput['protocol']>['liquidation']>['mechanism'];

function run(bond: Bond | undefined, mechanism: Mechanism = { kind: 'direct' }) {
  const scenario = testScenario({
    market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
    protocol: {
      enabled: true,
      liquidation: { mechanism, closeFactor: 1, penaltyPct: 5 },
      insuranceFundQuote: 0,
      ...(bond ? { defences: { contagionBond: bond } } : {}),
    },
  });
  let worstCash = 0;
  let gross = 0;
  const sellersCash = new Float64Array(BARS);
  const r = runBacktest(
    scenario,
    { bars: shockPath(), dataSha256: 'x' },
    process.cwd(),
    {
      onBarEnd: (_bar, ledger) => {
        worstCash = Math.max(worstCash, Math.abs(ledger.cashImbalance()));
        for (let p = 0; p < ledger.cash.length; p++) gross = Math.max(gross, Math.abs(ledger.cash[p]));
        sellersCash[_bar] = ledger.cash[PARTY.bondSellers];
      },
    },
    { accounts: population() },
  );
  return { r, figures: r.figures as unknown as Record<string, number>, worstCash, gross, sellersCash, scenario };
}

const drawdownBond = (level: number): Bond => ({ trigger: { index: 'drawdown', level }, notionalQuote: NOTIONAL, couponPerYear: COUPON });

describe('contagion bond: the trigger bar', () => {
  it('a drawdown trigger fires at the bar its bar-start index crosses the level, and not before', () => {
    const { r, figures } = run(drawdownBond(0.25));
    const idx = r.recorder.get('bond_index');
    const pay = r.recorder.get('bond_payout_quote');
    // Independent reference: the first bar whose exogenous close is 25% below its running peak.
    const close = shockPath().close;
    let peak = 0;
    let expected = -1;
    for (let i = 0; i < BARS && expected < 0; i++) {
      peak = Math.max(peak, close[i]);
      if ((peak - close[i]) / peak >= 0.25) expected = i;
    }
    expect(expected).toBe(SHOCK_BAR);
    expect(figures.bondTriggerBar).toBe(expected);
    expect(idx[SHOCK_BAR]).toBeCloseTo((START - LOW) / START, 12);
    for (let i = 0; i < SHOCK_BAR; i++) expect(pay[i], `bar ${i}`).toBe(0);
    expect(pay[SHOCK_BAR]).toBe(NOTIONAL);
    for (let i = SHOCK_BAR + 1; i < BARS; i++) expect(pay[i], `bar ${i}`).toBe(0);
    expect(figures.bondPayoutQuote).toBe(NOTIONAL);
  });

  it('a velocity trigger crosses only after the shock bar: no payout at or before it', () => {
    const level = 50; // quote per minute; the shock's liquidations are thousands of quote
    const { r, figures, scenario } = run({ trigger: { index: 'liquidationVelocity', level }, notionalQuote: NOTIONAL, couponPerYear: COUPON });
    // Independent reference: the EWMA of liquidation and auction quote per minute, from the trade log, through the previous bar.
    const decay = Math.pow(0.5, 1 / scenario.engine.liquidationVelocityHalfLifeMinutes);
    const perBar = new Float64Array(BARS);
    const t = r.trades;
    for (let k = 0; k < t.length; k++) {
      if (t.cause[k] === CAUSE_CODE.liquidation || t.cause[k] === CAUSE_CODE.auction) perBar[t.bar[k]] += Math.abs(t.size[k]) * t.price[k];
    }
    let ewma = 0;
    let expected = -1;
    const idx = r.recorder.get('bond_index');
    for (let i = 0; i < BARS; i++) {
      expect(idx[i], `index at bar ${i}`).toBeCloseTo(ewma, 9);
      if (expected < 0 && ewma >= level) expected = i;
      ewma = decay * ewma + (1 - decay) * perBar[i];
    }
    expect(perBar[SHOCK_BAR]).toBeGreaterThan(0);
    expect(expected).toBe(SHOCK_BAR + 1);
    expect(figures.bondTriggerBar).toBe(expected);
    const pay = r.recorder.get('bond_payout_quote');
    for (let i = 0; i <= SHOCK_BAR; i++) expect(pay[i], `bar ${i}`).toBe(0);
    // The shock bar's shortfalls met an empty fund: the bond came one bar late for them.
    const without = run(undefined);
    expect(figures.badDebt).toBeCloseTo(without.figures.badDebt, 9);
  });

  it('the branchingSum index is the previous bar\'s recorded liquidation + gamma branching ratios', () => {
    const scenario = testScenario({
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
      dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 50, tenorsDays: [7, 30] } },
      protocol: { enabled: true, defences: { contagionBond: { trigger: { index: 'branchingSum', level: 1e9 }, notionalQuote: NOTIONAL } } },
    });
    const r = runBacktest(scenario, { bars: shockPath(), dataSha256: 'x' }, process.cwd(), {}, { accounts: population() });
    const idx = r.recorder.get('bond_index');
    const l = r.recorder.get('liquidation_branching_ratio');
    const g = r.recorder.get('gamma_branching_ratio');
    const z = (x: number) => (Number.isNaN(x) ? 0 : x);
    expect(idx[0]).toBe(0);
    let nonZero = 0;
    for (let i = 1; i < BARS; i++) {
      expect(idx[i], `bar ${i}`).toBeCloseTo(z(l[i - 1]) + z(g[i - 1]), 12);
      if (idx[i] !== 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(0);
    expect((r.figures as unknown as Record<string, number>).bondTriggerBar).toBe(-1);
  });
});

describe('contagion bond: what the payout does', () => {
  it('reduces bad debt by exactly its notional when the shortfall exceeds it, leaves the path alone, and conserves cash with the sellers as a party', () => {
    const without = run(undefined);
    const withBond = run(drawdownBond(0.25));
    const w = withBond.figures;
    const wo = without.figures;
    // The fund only pays shortfalls: the payout changes no trade, so the path is identical.
    expect(Array.from(withBond.r.recorder.get('simulated_close'))).toEqual(Array.from(without.r.recorder.get('simulated_close')));
    expect(wo.badDebt).toBeGreaterThan(NOTIONAL);
    // Everything the fund receives is drawn down (shortfall > inflows), so every unit of payout replaces a unit of bad debt.
    expect(w.badDebt).toBeCloseTo(wo.badDebt - NOTIONAL, 6);
    expect(w.insuranceFundUsed).toBeCloseTo(wo.insuranceFundUsed + NOTIONAL, 6);
    // Coupon: the notional times the rate times the calm time before the trigger, t_20 − t_0 (hand-worked).
    const years = (SHOCK_BAR * MS_PER_MINUTE) / MS_PER_YEAR;
    expect(w.bondCouponBearingYears).toBeCloseTo(years, 15);
    expect(w.bondCouponPaidQuote).toBeCloseTo(NOTIONAL * COUPON * years, 12);
    // Ledger: the sum of all parties' cash stays at what was endowed at every bar end (1e-12 of the largest balance).
    expect(withBond.worstCash).toBeLessThanOrEqual(1e-12 * withBond.gross);
    // The sellers' own account: the escrowed notional plus the coupons so far until the trigger; after it, the coupons alone.
    const coupons = withBond.r.recorder.get('bond_coupon_quote');
    let earned = 0;
    for (let i = 0; i < BARS; i++) {
      earned += coupons[i];
      expect(withBond.sellersCash[i], `bar ${i}`).toBeCloseTo((i < SHOCK_BAR ? NOTIONAL : 0) + earned, 9);
    }
    expect(earned).toBeCloseTo(w.bondCouponPaidQuote, 15);
    // A bond larger than the whole shortfall leaves none of it: bad debt 0, the rest stays in the fund.
    const big = run({ ...drawdownBond(0.25), notionalQuote: 100 * wo.badDebt });
    expect(big.figures.badDebt).toBe(0);
  });

  it('a payout into the backstop pool adds to the pool\'s capital at the trigger bar', () => {
    const pool: Mechanism = { kind: 'backstop', initialCapitalQuote: 500, discountPct: 5 };
    const without = run(undefined, pool);
    const withBond = run({ ...drawdownBond(0.25), payoutTo: 'backstopPool' }, pool);
    const a0 = without.r.recorder.get('backstop_available_quote');
    const a1 = withBond.r.recorder.get('backstop_available_quote');
    for (let i = 0; i < SHOCK_BAR; i++) expect(a1[i], `bar ${i}`).toBe(a0[i]);
    // The pool spends capital in the shock bar; with the bond it has NOTIONAL more to spend, so it absorbs more.
    const absorbed = (r: typeof without.r) => r.recorder.get('backstop_absorbed_base');
    expect(absorbed(withBond.r)[SHOCK_BAR]).toBeGreaterThan(absorbed(without.r)[SHOCK_BAR]);
    expect(withBond.worstCash).toBeLessThanOrEqual(1e-12 * withBond.gross);
    expect(withBond.figures.bondTriggerBar).toBe(SHOCK_BAR);
  });

  it('refuses a payout into a backstop pool the protocol does not have, naming the field', () => {
    expect(() => run({ ...drawdownBond(0.25), payoutTo: 'backstopPool' })).toThrow(ConfigError);
    expect(() => run({ ...drawdownBond(0.25), payoutTo: 'backstopPool' })).toThrow(/contagionBond\.payoutTo/);
  });

  it('off by default: no bond column and no bond figure', () => {
    const { r, figures } = run(undefined);
    expect(r.recorder.has('bond_index')).toBe(false);
    expect('bondTriggerBar' in figures).toBe(false);
  });
});

describe('contagion bond: saved state', () => {
  it('a bar tried and rolled back leaves no payout behind, and trying it again pays once', () => {
    const bond = new ContagionBond({ trigger: { index: 'drawdown', level: 0.25 }, notionalQuote: NOTIONAL, couponPerYear: COUPON, payoutTo: 'insuranceFund' });
    const ledger = new Ledger();
    const view = (bar: number, drawdown: number) => ({ bar, drawdown, dtYears: 1e-4, stress: { drawdown, volRatio: 1, liquidationQuotePerMin: 0 } }) as unknown as MarketView;
    bond.beginBar(view(0, 0), ledger);
    const buf = new Float64Array(bond.stateSize + Ledger.stateSize);
    bond.saveState(buf, 0);
    ledger.saveState(buf, bond.stateSize);
    bond.beginBar(view(1, 0.3), ledger);
    expect(bond.isTriggered()).toBe(true);
    expect(ledger.cash[PARTY.insuranceFund]).toBe(NOTIONAL);
    bond.loadState(buf, 0);
    ledger.loadState(buf, bond.stateSize);
    expect(bond.isTriggered()).toBe(false);
    expect(ledger.cash[PARTY.insuranceFund]).toBe(0);
    // The escrow and bar 0's coupon (the stub's bar 0 has dtYears 1e-4).
    expect(ledger.cash[PARTY.bondSellers]).toBeCloseTo(NOTIONAL + NOTIONAL * COUPON * 1e-4, 12);
    bond.beginBar(view(1, 0.3), ledger);
    expect(bond.summaryFigures()).toEqual({
      bondTriggerBar: 1,
      bondTriggerIndex: 0.3,
      bondPayoutQuote: NOTIONAL,
      bondCouponPaidQuote: NOTIONAL * COUPON * 1e-4 * 2,
      bondCouponBearingYears: 2e-4,
    });
  });

  it('runs in inferred mode (bars tried and rolled back) with cash conserved and one payout', () => {
    const scenario = testScenario({
      history: { mode: 'inferred' },
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
      protocol: { enabled: true, liquidation: { closeFactor: 1, penaltyPct: 5 }, defences: { contagionBond: drawdownBond(0.25) } },
    });
    let worst = 0;
    let gross = 0;
    const r = runBacktest(scenario, { bars: shockPath(), dataSha256: 'x' }, process.cwd(), {
      onBarEnd: (_bar, ledger) => {
        worst = Math.max(worst, Math.abs(ledger.cashImbalance()));
        for (let p = 0; p < ledger.cash.length; p++) gross = Math.max(gross, Math.abs(ledger.cash[p]));
      },
    }, { accounts: population() });
    const pay = r.recorder.get('bond_payout_quote');
    expect(pay.reduce((a, b) => a + b, 0)).toBe(NOTIONAL);
    expect(worst).toBeLessThanOrEqual(1e-12 * gross);
    const f = r.figures as unknown as Record<string, number>;
    expect(pay[f.bondTriggerBar]).toBe(NOTIONAL);
    expect(r.recorder.get('bond_index')[f.bondTriggerBar]).toBeGreaterThanOrEqual(0.25);
    expect(r.recorder.get('bond_index')[f.bondTriggerBar - 1]).toBeLessThan(0.25);
  });
});

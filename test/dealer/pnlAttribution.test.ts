import { inventoryBlockSchema } from '../../src/config/dealerSchema.js';
import type { CustomerCrashPutsConfig } from '../../src/dealer/inventory.js';
import { withDefaults } from '../config/defaults.js';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { CALL, OptionBook, PUT } from '../../src/dealer/book.js';
import { bookFromSpecs, customerCrashPuts, makeRollFlows, settleAndRoll } from '../../src/dealer/inventory.js';
import {
  attributeBarPnl, makeHedgeFills, makePnlAttribution, makePnlStart, pushFill, snapshotPnlStart,
} from '../../src/dealer/pnlAttribution.js';
import type { PnlAttribution, PnlEnd } from '../../src/dealer/pnlAttribution.js';
import { makeBookGreeks, valueBook } from '../../src/dealer/valuation.js';
import type { VolSurface } from '../../src/sim/volSurface.js';
import { DAY_MS, flatSurface, skewedSurface, START_MS, YEAR_MS } from './helpers.js';

const S0 = 30000;

function end(spot: number, vol: Float64Array, bookValue: number, dtYears: number, extra: Partial<PnlEnd> = {}): PnlEnd {
  return { spot, vol, bookValue, newValue: 0, settlementCash: 0, premiumCash: 0, dtYears, ...extra };
}

function explainedSum(a: PnlAttribution): number {
  return a.delta + a.gamma + a.vega + a.vanna + a.volga + a.theta + a.execution + a.newPositions;
}

describe('attributeBarPnl: exact identities', () => {
  it('hedge only, literal: total = delta + execution', () => {
    // h0 = 10 at S0 = 100; buy 5 at 101 (mid 100.5), sell 2 at 99 (mid 99.5); S1 = 98.
    // cash −505 + 198 = −307; h1 S1 − h0 S0 = 13·98 − 1000 = 274; total = −33.
    // delta = 10·(98−100) + 5·(98−100.5) − 2·(98−99.5) = −29.5; execution = −5·0.5 − (−2)(−0.5) = −3.5.
    const start = makePnlStart(0);
    Object.assign(start, { spot: 100, hedge: 10 });
    const fills = makeHedgeFills(4);
    pushFill(fills, 5, 101, 100.5);
    pushFill(fills, -2, 99, 99.5);
    const a = attributeBarPnl(start, end(98, new Float64Array(0), 0, 1 / 525960), fills, makePnlAttribution());
    expect(a.total).toBe(-33);
    expect(a.delta).toBe(-29.5);
    expect(a.execution).toBe(-3.5);
    expect(a.residual).toBe(0);
    expect(a.hedgeEnd).toBe(13);
    expect(a.cashChange).toBe(-307);
  });

  it('hedge only, random fills: residual is rounding (≤ 1e-12 of the traded notional)', () => {
    const rng = new Rng(21);
    const fills = makeHedgeFills(50);
    const start = makePnlStart(0);
    const out = makePnlAttribution();
    for (let trial = 0; trial < 200; trial++) {
      fills.count = 0;
      start.spot = 20000 + 20000 * rng.uniform();
      start.hedge = 200 * (rng.uniform() - 0.5);
      let mid = start.spot;
      let notional = Math.abs(start.hedge) * start.spot;
      const n = rng.int(50);
      for (let k = 0; k < n; k++) {
        const q = 20 * (rng.uniform() - 0.5);
        const p = mid * (1 + Math.sign(q) * 0.002 * rng.uniform());
        pushFill(fills, q, p, mid);
        notional += Math.abs(q) * p;
        mid *= 1 + 0.01 * (rng.uniform() - 0.5);
      }
      const S1 = mid * (1 + 0.01 * (rng.uniform() - 0.5));
      const a = attributeBarPnl(start, end(S1, new Float64Array(0), 0, 1e-6), fills, out);
      const label = JSON.stringify({ trial, S0: start.spot, h0: start.hedge, S1, fills: n });
      expect(Math.abs(a.residual) / notional, label).toBeLessThan(1e-12);
      expect(a.execution, label).toBeLessThanOrEqual(0); // market orders pay the spread
    }
  });
});

/** One bar of a static book from (S0, t0) to (S0(1+eps), t0 + dtYears): attribution and the vanna/volga part. */
function oneStep(book: OptionBook, surface: VolSurface, eps: number, dtYears: number): PnlAttribution {
  const g0 = valueBook(book, S0, START_MS, surface, 0, 0, makeBookGreeks());
  const start = snapshotPnlStart(book, g0, S0, -g0.delta, makePnlStart(book.length));
  const S1 = S0 * (1 + eps);
  const g1 = valueBook(book, S1, START_MS + dtYears * YEAR_MS, surface, 0, 0, makeBookGreeks());
  return attributeBarPnl(start, end(S1, book.vol, g1.value, dtYears), makeHedgeFills(0), makePnlAttribution());
}

describe('attributeBarPnl: options book, Taylor residual', () => {
  const specs = customerCrashPuts(withDefaults(inventoryBlockSchema, { kind: 'customer-crash-puts', totalQtyBase: 1000, moneynessMin: 0.7, moneynessMax: 1.0, strikes: 7, tenorsDays: [14, 30, 60] }) as CustomerCrashPutsConfig, { spot0: S0, startMs: START_MS });
  const SIGMA = 0.8;
  // Diffusive scaling: dt = (eps/σ)², so every omitted term (speed dS³, charm dS dt, vanna_S dS² dσ, Θ_t dt², …) is O(eps³).
  const steps = [-0.008, -0.004, -0.002, -0.001];

  it('flat vol: residual is third order (halving the move divides it by ~8), vanna/volga lines are 0', () => {
    const book = bookFromSpecs(specs);
    const res = steps.map((e) => oneStep(book, flatSurface(SIGMA), e, (e / SIGMA) ** 2));
    for (const a of res) {
      expect(Math.abs(a.vanna)).toBe(0);
      expect(Math.abs(a.volga)).toBe(0);
    }
    for (let i = 1; i < steps.length; i++) {
      const p = Math.log2(Math.abs(res[i - 1].residual / res[i].residual));
      // Exponent 3 ± 0.3 (fourth-order terms bend it slightly at the largest step).
      expect(Math.abs(p - 3), `eps ${steps[i - 1]}→${steps[i]}: residual ${res[i - 1].residual}→${res[i].residual}`).toBeLessThan(0.3);
    }
    // Stated bound: at a 0.4% move the residual is < 1% of |gamma| (third-order / second-order ≈ dS/(Sσ√T)).
    expect(Math.abs(res[1].residual) / Math.abs(res[1].gamma)).toBeLessThan(0.01);
  });

  it('skewed surface moving with spot: vanna/volga lines keep the residual third order; without them it is second order', () => {
    const book = bookFromSpecs(specs);
    const res = steps.map((e) => oneStep(book, skewedSurface(SIGMA), e, (e / SIGMA) ** 2));
    for (let i = 1; i < steps.length; i++) {
      const p = Math.log2(Math.abs(res[i - 1].residual / res[i].residual));
      expect(Math.abs(p - 3), `eps ${steps[i - 1]}→${steps[i]}: residual ${res[i - 1].residual}→${res[i].residual}`).toBeLessThan(0.3);
      const without = (a: PnlAttribution): number => a.residual + a.vanna + a.volga;
      const p2 = Math.log2(Math.abs(without(res[i - 1]) / without(res[i])));
      expect(Math.abs(p2 - 2), `without vanna/volga: ${without(res[i - 1])}→${without(res[i])}`).toBeLessThan(0.3);
    }
  });

  it('on a smooth hedged path of 1-minute bars the residual stays below 1% of |gamma| + |delta| in sum', () => {
    const book = bookFromSpecs(specs);
    const surface = skewedSurface(SIGMA);
    const rng = new Rng(99);
    const dt = 1 / 525960; // one minute in years (365.25 days)
    const g = makeBookGreeks();
    const start = makePnlStart(book.length);
    const fills = makeHedgeFills(1);
    const out = makePnlAttribution();
    let S = S0;
    let t = START_MS;
    let hedge = 0;
    let cash = 0;
    valueBook(book, S, t, surface, 0, 0, g);
    const wealth0 = cash + hedge * S + g.value;
    let sumRes = 0, sumGD = 0, sumTotal = 0;
    for (let bar = 0; bar < 1440; bar++) {
      // Hedge at the start of the bar to net delta 0, paying 5 bps of half-spread.
      fills.count = 0;
      const q = -(g.delta + hedge);
      const p = S * (1 + 0.0005 * Math.sign(q));
      pushFill(fills, q, p, S);
      snapshotPnlStart(book, g, S, hedge, start);
      cash -= q * p;
      hedge += q;
      S *= Math.exp(-0.5 * SIGMA * SIGMA * dt + SIGMA * Math.sqrt(dt) * rng.normal());
      t += 60_000;
      valueBook(book, S, t, surface, 0, 0, g);
      const a = attributeBarPnl(start, end(S, book.vol, g.value, dt), fills, out);
      expect(a.hedgeEnd).toBe(hedge);
      sumRes += Math.abs(a.residual);
      sumGD += Math.abs(a.gamma) + Math.abs(a.delta);
      sumTotal += a.total;
    }
    const ratio = sumRes / sumGD;
    expect(ratio, `Σ|residual| ${sumRes} vs Σ(|gamma|+|delta|) ${sumGD}`).toBeLessThan(0.01);
    // Bar totals telescope to the change in wealth (cash + hedge + book) over the day.
    const wealth1 = cash + hedge * S + g.value;
    expect(Math.abs(sumTotal - (wealth1 - wealth0)) / Math.abs(wealth0)).toBeLessThan(1e-9);
  });
});

describe('attributeBarPnl: expiries and new sales', () => {
  it('settlement cash is in total, a sale at the surface price has no newPositions P&L, total is the wealth change', () => {
    const surface = skewedSurface(0.8);
    const book = new OptionBook(4);
    const staging = new OptionBook(4);
    // A far-OTM put that expires 30 s into the bar (rolled at the same moneyness), and a 30-day call that survives.
    book.add(15000, START_MS + 30_000, PUT, -50, 7 * DAY_MS, 0.5);
    book.add(33000, START_MS + 30 * DAY_MS, CALL, -20, 30 * DAY_MS, 1.1);
    const g = makeBookGreeks();
    const g0 = { ...valueBook(book, S0, START_MS, surface, 0, 0, g) };
    const start = snapshotPnlStart(book, g0, S0, 5, makePnlStart(4));
    const fills = makeHedgeFills(2);
    pushFill(fills, 3, 30010, 30000);
    const S1 = 29900;
    const t1 = START_MS + 60_000;
    // Vols of the START options at bar end, before expiries are removed.
    valueBook(book, S1, t1, surface, 0, 0, g);
    const vol1 = Float64Array.from(book.vol.subarray(0, 2));
    const flows = settleAndRoll(book, staging, t1, S1, 'same-moneyness', surface, 0, 0, makeRollFlows());
    expect(flows.expired).toBe(1);
    expect(flows.settlementCash).toBe(0); // 15000 put at 29900: out of the money
    expect(flows.premiumCash).toBeGreaterThan(0);
    const g1 = valueBook(book, S1, t1, surface, 0, 0, g);
    const newValue = book.qty[1] * book.price[1]; // the replacement sits after the survivor
    const a = attributeBarPnl(
      start,
      end(S1, vol1, g1.value, 60_000 / YEAR_MS, { newValue, settlementCash: flows.settlementCash, premiumCash: flows.premiumCash }),
      fills,
      makePnlAttribution(),
    );
    // Wealth change by hand: cash −3·30010 + premium; hedge 8·29900 − 5·30000; book V1 − V0.
    const byHand = -3 * 30010 + flows.premiumCash + (8 * S1 - 5 * S0) + (g1.value - g0.value);
    expect(Math.abs(a.total - byHand)).toBeLessThan(1e-9 * Math.abs(g0.value));
    // Sold at the same surface vol it is valued at: newPositions is rounding only.
    expect(Math.abs(a.newPositions)).toBeLessThan(1e-9 * flows.premiumCash);
    expect(a.execution).toBeCloseTo(-30, 9);
    // A one-minute bar with a 0.33% move: residual below 1% of |gamma| + |delta|.
    expect(Math.abs(a.residual), JSON.stringify(a)).toBeLessThan(0.01 * (Math.abs(a.gamma) + Math.abs(a.delta)));
    expect(Math.abs(a.total - explainedSum(a) - a.residual)).toBeLessThan(1e-9);
  });
});

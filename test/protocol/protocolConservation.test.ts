import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { PARTY } from '../../src/sim/ledger.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { testScenario } from '../engine/helpers.js';

/**
 * docs/model.md#the-bar-loop (accounting) and its checks: nothing is created or destroyed, and
 * every unit of debt is accounted. A dealer short crash puts hedges and a
 * protocol liquidates into the same book, on a crash path, with each
 * mechanism (direct sale; Dutch auction whose bidders resell and whose
 * unsold collateral is sold directly; backstop pool that resells and runs
 * out of capital, falling back to direct sale).
 *
 * 1. Ledger: at every bar end, total cash and total asset equal what was
 *    endowed (zero: every endowment comes from the counterparties). Tolerance:
 *    1e-12 of the largest balance seen (Kahan-summed columns; each transfer
 *    is exact up to one rounding per addition).
 * 2. Debt: Σ initial debt = open debt at the end + Σ repaid + Σ fund paid +
 *    Σ socialized + Σ bad debt + debt still in open lots. The open lots' debt
 *    is not visible from outside the protocol agent, so the run goes on over a
 *    flat tail (2 hours after the last liquidation: longer than the auction
 *    limit of 1 hour plus one bar of direct sale) until every lot has closed,
 *    which the test checks (open_lots = 0 at the end); then that term is 0.
 *    Tolerance 1e-9 of the initial debt (a few hundred settled lots).
 */

const T0 = Date.UTC(2020, 2, 12);
const MIN = 60_000;
const CRASH_BARS = 60;
const TAIL_BARS = 120;
const START = 100;
const LOW = 60;

/** 100 → 60 over an hour with a 2% bounce every 10 minutes, then flat at 60 for two hours. */
function crashPath(): BarSeries {
  const n = CRASH_BARS + TAIL_BARS;
  const close = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.min(i, CRASH_BARS);
    close[i] = START * Math.pow(LOW / START, k / CRASH_BARS) * (i < CRASH_BARS && i % 10 === 5 ? 1.02 : 1);
  }
  const time = Float64Array.from({ length: n }, (_, i) => T0 + i * MIN);
  return makeBarSeries(
    { symbol: 'CRASH', source: 'test', synthetic: true, volumeUnit: 'base' },
    { time, open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(n).fill(5000) },
  );
}

const ACCOUNTS = 200;
/** 200 accounts of 5 units, liquidation prices 97 down to 57 (some never reached), LT 0.8. */
function population(): AccountBook {
  const book = new AccountBook(ACCOUNTS);
  for (let k = 0; k < ACCOUNTS; k++) {
    const liq = 97 - (40 * k) / ACCOUNTS;
    book.add(5, liq * 5 * 0.8, 0.8);
  }
  return book;
}

type Mechanism = NonNullable<NonNullable<ScenarioInput['protocol']>['liquidation']>['mechanism'];
const MECHANISMS: ReadonlyArray<[string, Mechanism]> = [
  ['direct sale', { kind: 'direct' }],
  [
    'Dutch auction with resale (bidders short of capital: some collateral is sold directly at the end)',
    {
      kind: 'dutch',
      maxDurationMs: 3_600_000,
      bidders: {
        groups: [
          { count: 3, capitalPerBidderQuote: 5_000, requiredDiscountPct: { kind: 'uniform', min: 2, max: 8 } },
          { count: 1, capitalPerBidderQuote: 0, requiredDiscountPct: { kind: 'fixed', value: 100 } },
        ],
        resaleFractionPerBar: 0.2,
      },
    },
  ],
  ['backstop pool with resale (capital runs out: falls back to direct sale)', { kind: 'backstop', initialCapitalQuote: 20_000, discountPct: 4, resaleFractionPerBar: 0.2 }],
];

function runCase(mechanism: Mechanism) {
  const book = population();
  const initialDebt = book.totalDebt();
  const scenario = testScenario({
    market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 50_000 } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 50, tenorsDays: [7, 30] } },
    protocol: {
      enabled: true,
      // Partial liquidations (close factor 0.5): accounts are liquidated several times.
      liquidation: { mechanism, closeFactor: 0.5, penaltyPct: 5, dustDebtQuote: 20 },
      settlement: { keeperShareOfPenalty: 0.5 },
      insuranceFundQuote: 2_000,
    },
  });
  let worstCash = 0;
  let worstAsset = 0;
  let grossCash = 0;
  let grossAsset = 0;
  const r = runBacktest(
    scenario,
    { bars: crashPath(), dataSha256: 'x' },
    process.cwd(),
    {
      onBarEnd: (_bar, ledger) => {
        worstCash = Math.max(worstCash, Math.abs(ledger.cashImbalance()));
        worstAsset = Math.max(worstAsset, Math.abs(ledger.assetImbalance()));
        for (let p = 0; p < ledger.cash.length; p++) {
          grossCash = Math.max(grossCash, Math.abs(ledger.cash[p]));
          grossAsset = Math.max(grossAsset, Math.abs(ledger.asset[p]));
        }
      },
    },
    { accounts: book },
  );
  const rec = r.recorder;
  const sum = (name: string): number => rec.get(name).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
  const last = rec.bars - 1;
  const figures = r.figures as unknown as Record<string, number>;
  const settled = {
    repaid: sum('liq_repaid_quote'),
    fundPaid: sum('insurance_fund_paid_quote'),
    socialized: sum('socialized_loss_quote'),
    badDebt: sum('bad_debt_quote'),
    lotDebt: sum('liq_debt_quote'),
  };
  return {
    r,
    initialDebt,
    openDebtEnd: rec.get('open_debt_quote')[last],
    openLotsEnd: rec.get('open_lots')[last],
    worstCash,
    worstAsset,
    grossCash,
    grossAsset,
    settled,
    info: { initialDebt, openDebtEnd: rec.get('open_debt_quote')[last], openLotsEnd: rec.get('open_lots')[last], ...settled, worstCash, worstAsset, grossCash, grossAsset, liquidations: figures.liquidationCount, hedgeVolume: figures.hedgeVolume, lendersCash: r.ledger.cash[PARTY.lenders] },
  };
}

describe('protocol conservation: dealer + protocol on a crash path, every mechanism', () => {
  for (const [name, mechanism] of MECHANISMS) {
    describe(name, () => {
      const c = runCase(mechanism);
      const info = JSON.stringify(c.info);

      it('cash and asset balance at every bar end (1e-12 of the largest balance)', () => {
        // Not vacuous: the dealer hedged, accounts were liquidated (several
        // rounds of partial liquidations), and the protocol's parties hold money.
        expect(c.r.figures.hedgeVolume as number, info).toBeGreaterThan(0);
        expect(c.info.liquidations, info).toBeGreaterThan(ACCOUNTS);
        expect(c.settled.repaid, info).toBeGreaterThan(0);
        expect(c.worstCash, info).toBeLessThanOrEqual(1e-12 * c.grossCash);
        expect(c.worstAsset, info).toBeLessThanOrEqual(1e-12 * c.grossAsset);
      });

      it('every lot has closed by the end of the flat tail', () => {
        expect(c.openLotsEnd, info).toBe(0);
      });

      it('the settlement identity holds (Σ repaid + fund + socialized + bad = Σ lot debt)', () => {
        const s = c.settled;
        expect(Math.abs(s.repaid + s.fundPaid + s.socialized + s.badDebt - s.lotDebt), info).toBeLessThanOrEqual(1e-9 * c.initialDebt);
      });

      // Pins a fixed bug: closeLot once recorded each settled lot twice (settleLot
      // already records it), doubling every settlement figure; the identity
      // was then off by exactly the debt settled.
      it('the debt identity: Σ initial debt = open debt at the end + Σ repaid + Σ fund paid + Σ socialized + Σ bad debt (lots all closed)', () => {
        const s = c.settled;
        const rhs = c.openDebtEnd + s.repaid + s.fundPaid + s.socialized + s.badDebt;
        expect(c.openLotsEnd, info).toBe(0);
        expect(Math.abs(c.initialDebt - rhs), `${info} rhs ${rhs}`).toBeLessThanOrEqual(1e-9 * c.initialDebt);
      });
    });
  }
});

describe('each settled lot is recorded once (regression: it was recorded twice)', () => {
  // Minimal reproduction: one account, liquidated whole once at a flat
  // price, no impact, no fund. Its debt is 40 (liquidation price 80 at LT
  // 0.5); at 79 it seizes 40/79 units and the sale repays 40: the lenders
  // receive 40 in the ledger, and the recorder says 80 was settled and repaid.
  it('the recorded repaid quote equals the cash the lenders received, and the settled debt equals the debt that left the account', () => {
    const book = new AccountBook(1);
    book.add(1, 40, 0.5); // liquidation price 40 / (1 · 0.5) = 80
    const close = [100, 100, 79, 79];
    const n = close.length;
    const c = Float64Array.from(close);
    const bars = makeBarSeries(
      { symbol: 'ONE', source: 'test', synthetic: true, volumeUnit: 'base' },
      { time: Float64Array.from({ length: n }, (_, i) => T0 + i * MIN), open: c.slice(), high: c.slice(), low: c.slice(), close: c, volume: new Float64Array(n).fill(1) },
    );
    const scenario = testScenario({
      market: { liquidity: { kind: 'linear', halfSpreadBps: 0 }, depth: { source: 'fixed', depth1PctQuote: 1e15 }, withdrawal: { elasticity: 0 } },
      protocol: { enabled: true, liquidation: { closeFactor: 1, penaltyPct: 0, dustDebtQuote: 0 } },
    });
    const r = runBacktest(scenario, { bars, dataSha256: 'x' }, process.cwd(), {}, { accounts: book });
    const sum = (name: string): number => r.recorder.get(name).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
    const info = JSON.stringify({ lendersCash: r.ledger.cash[PARTY.lenders], repaid: sum('liq_repaid_quote'), debt: sum('liq_debt_quote'), lots: sum('liq_lots_closed') });
    expect(r.figures.liquidationCount as number, info).toBe(1);
    expect(r.ledger.cash[PARTY.lenders], info).toBeCloseTo(40, 9);
    expect(sum('liq_lots_closed'), info).toBe(1);
    expect(sum('liq_debt_quote'), info).toBeCloseTo(40, 9);
    expect(sum('liq_repaid_quote'), info).toBeCloseTo(r.ledger.cash[PARTY.lenders], 9);
  });
});

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { runBacktest, type BacktestResult } from '../../src/runner/backtest.js';
import { PARTY } from '../../src/sim/ledger.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { AccountBook } from '../../src/protocol/accounts.js';

/**
 * The paradox on Black Thursday (docs/model.md#paradox-index): the
 * capital that should absorb the liquidations leaves on the first stress
 * signals, before it is needed.
 *
 * The setting is test/protocol/stories.test.ts's, on the real ETH/USD
 * 10-minute bars of 12 March 2020 (PROVENANCE.md section 1), without the gas
 * file (keepers always there, so the only thing that changes between the runs
 * below is the pool's capital):
 *   ACCOUNTS Maker-style vaults of COLLATERAL_ETH each, liquidation prices
 *   evenly spaced from LIQ_TOP down to LIQ_BOTTOM, LT = 1/1.5, Σ debt $5.8M;
 *   close factor 1, 13% penalty all to the keepers, an empty insurance fund
 *   (every shortfall is bad debt); an oracle one hour stale (Maker's OSM);
 *   linear impact, $2M per 1%, withdrawn as realised vol rises.
 * The backstop pool holds POOL_CAPITAL_QUOTE and buys seized collateral at
 * 10% under the oracle, which pays 0.9 · 1.13 = 1.017 × the debt of every lot:
 * a lot the pool absorbs never falls short. What it cannot afford is sold
 * directly into the book, which with the stale oracle does fall short.
 *
 * The pool's capital belongs to DEPOSITORS depositors with equal shares. Each
 * watches one public signal, the drawdown from the running peak, with its own
 * threshold drawn uniform in [5%, 30%] (seeded, scenario seed 1).
 *   (a) no flight;
 *   (b) flight: a depositor is paid the bar it asks;
 *   (c) flight under a two-hour lock-up (12 bars);
 *   (d) flight under a lock-up longer than the day;
 *   (e) flight under a one-hour lock-up (6 bars): see the last test.
 */
const DATA_DIR = process.env.CASCADE_DATA_DIR;
const BARS_FILE = 'crypto_ohlc/ethusd_coinapi_10m_2020-03-12.csv';

const BARS = 144;
const ACCOUNTS = 300;
const COLLATERAL_ETH = 200;
const LIQ_TOP = 190;
const LIQ_BOTTOM = 100;
const LT = 1 / 1.5;
const PENALTY_PCT = 13;
const OSM_DELAY_MS = 3_600_000;
const DEPTH_1PCT_QUOTE = 2e6;
const POOL_CAPITAL_QUOTE = 10e6;
const POOL_DISCOUNT_PCT = 10;
const DEPOSITORS = 20;
const DRAWDOWN_MIN = 0.05;
const DRAWDOWN_MAX = 0.3;
const LOCKUP_TWO_HOURS = 12;
const LOCKUP_ONE_HOUR = 6;
const LOCKUP_PAST_THE_DAY = BARS;
/** Half-width of the paradox index's trough window (DEFAULT_PARADOX_OPTIONS in src/metrics/paradox.ts). */
const TROUGH_WINDOW_BARS = 15;

function population(): AccountBook {
  const book = new AccountBook(ACCOUNTS);
  for (let k = 0; k < ACCOUNTS; k++) {
    const liq = LIQ_TOP - ((k + 0.5) * (LIQ_TOP - LIQ_BOTTOM)) / ACCOUNTS;
    book.add(COLLATERAL_ETH, liq * COLLATERAL_ETH * LT, LT);
  }
  return book;
}

type Behaviour = NonNullable<ScenarioInput['behaviour']>;

function flight(lockupBars: number): Behaviour {
  return {
    backstopFlight: {
      enabled: true,
      depositorCount: DEPOSITORS,
      thresholds: { drawdown: { kind: 'uniform', min: DRAWDOWN_MIN, max: DRAWDOWN_MAX }, volRatio: { kind: 'off' }, liquidationQuotePerMin: { kind: 'off' } },
      lockupBars,
    },
  };
}

interface Story {
  name: string;
  r: BacktestResult;
  badDebt: number;
  col: (name: string) => Float64Array;
  sum: (name: string) => number;
  /** First bar whose value of `name` satisfies `pred` (−1: none). */
  first: (name: string, pred: (v: number) => boolean) => number;
  info: Record<string, number>;
}

function runStory(name: string, behaviour?: Behaviour): Story {
  const scenario = validateScenario({
    name: 'black-thursday-eth-paradox',
    data: { bars: { source: 'file', path: join(DATA_DIR as string, BARS_FILE) } },
    market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: DEPTH_1PCT_QUOTE } },
    protocol: {
      enabled: true,
      liquidation: { mechanism: { kind: 'backstop', initialCapitalQuote: POOL_CAPITAL_QUOTE, discountPct: POOL_DISCOUNT_PCT, resaleFractionPerBar: 0 }, closeFactor: 1, penaltyPct: PENALTY_PCT },
      settlement: { keeperShareOfPenalty: 1 },
      insuranceFundQuote: 0,
      oracle: { kind: 'spot', latencyMs: OSM_DELAY_MS },
    },
    ...(behaviour ? { behaviour } : {}),
  });
  const prepared = prepareRunData(scenario, process.cwd());
  const r = runBacktest(scenario, prepared.data, process.cwd(), {}, { accounts: population() });
  const rec = r.recorder;
  const col = (n: string): Float64Array => rec.get(n);
  const sum = (n: string): number => (rec.has(n) ? col(n).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0) : 0);
  const first = (n: string, pred: (v: number) => boolean): number => col(n).findIndex(pred);
  const f = r.figures as unknown as Record<string, number>;
  const info = {
    badDebt: f.badDebt,
    liquidations: f.liquidationCount,
    absorbedBase: sum('backstop_absorbed_base'),
    fallbackBase: sum('backstop_fallback_base'),
    withdrawnQuote: sum('backstop_flight_paid_quote'),
    poolEmptyBar: first('backstop_available_quote', (v) => v <= 0),
    simulatedLow: Math.min(...col('simulated_close')),
    paradoxIndex: f.paradoxIndex,
  };
  return { name, r, badDebt: f.badDebt, col, sum, first, info };
}

/** Σ repaid + Σ fund paid + Σ socialized + Σ bad debt = Σ debt of the settled lots (settlement.ts header), to 1e-9 of the debt. */
function expectSettlementIdentity(s: Story): void {
  const lhs = s.sum('liq_repaid_quote') + s.sum('insurance_fund_paid_quote') + s.sum('socialized_loss_quote') + s.sum('bad_debt_quote');
  const debt = s.sum('liq_debt_quote');
  expect(debt, `${s.name}: ${JSON.stringify(s.info)}`).toBeGreaterThan(0);
  expect(Math.abs(lhs - debt), `${s.name}: repaid + fund + socialized + bad = ${lhs}, Σ lot debt = ${debt}; ${JSON.stringify(s.info)}`).toBeLessThanOrEqual(1e-9 * debt);
  expect(s.col('open_lots')[BARS - 1], `${s.name}: lots still open at the end`).toBe(0);
}

/**
 * Capital withdrawn, counted four ways: the flight's per-bar payments, the
 * pool's per-bar withdrawals, the flight's running total, and the ledger's
 * depositors' party. And the pool's own books: capital = what it still has +
 * what it paid for collateral + what left (no resale, no fee here).
 */
function expectWithdrawalIdentities(s: Story): void {
  const paid = s.sum('backstop_flight_paid_quote');
  const info = `${s.name}: ${JSON.stringify(s.info)}`;
  const tol = 1e-9 * POOL_CAPITAL_QUOTE;
  expect(Math.abs(s.sum('backstop_withdrawn_quote') - paid), info).toBeLessThanOrEqual(tol);
  expect(Math.abs(s.col('backstop_flight_withdrawn_total_quote')[BARS - 1] - paid), info).toBeLessThanOrEqual(tol);
  expect(Math.abs(s.r.ledger.cash[PARTY.backstopDepositors] - paid), info).toBeLessThanOrEqual(tol);
  const available = s.col('backstop_available_quote')[BARS - 1];
  expect(Math.abs(POOL_CAPITAL_QUOTE - available - s.sum('backstop_absorbed_quote') - paid), info).toBeLessThanOrEqual(tol);
  expect(Math.abs(s.r.ledger.cash[PARTY.backstopPool] - available), info).toBeLessThanOrEqual(tol);
}

/** The paradox index recomputed from the recorded columns by its definition (src/metrics/paradox.ts header). */
function expectParadoxFromColumns(s: Story): { s: number; t: number; B: number; K: number; L: number; index: number } {
  const flag = s.col('backstop_flight_stress_flag');
  const close = s.col('simulated_close');
  const depth = s.col('depth_per_log_price');
  const paid = s.col('backstop_flight_paid_quote');
  const liq = s.col('liquidation_volume_quote');
  const onset = flag.findIndex((v) => v >= 1);
  let t = onset;
  for (let i = onset + 1; i < BARS; i++) if (close[i] < close[t]) t = i;
  const ref = onset > 0 ? onset - 1 : onset;
  let B = 0;
  for (let i = onset; i <= t; i++) B += paid[i];
  const depthQuote = (i: number): number => depth[i] * 0.01 * close[i];
  const K = Math.max(0, (depthQuote(ref) * close[t]) / close[ref] - depthQuote(t));
  let L = 0;
  for (let i = Math.max(0, t - TROUGH_WINDOW_BARS); i <= Math.min(BARS - 1, t + TROUGH_WINDOW_BARS); i++) L += liq[i];
  const index = L > 0 ? (B + K) / L : B + K > 0 ? Infinity : Number.NaN;
  const figs = s.r.figures as unknown as { paradoxIndex: number; paradox: Record<string, number> };
  const p = figs.paradox;
  const info = `${s.name}: recomputed ${JSON.stringify({ onset, t, B, K, L, index })}; figures ${JSON.stringify(p)}`;
  expect(p.stressBar, info).toBe(onset);
  expect(p.troughBar, info).toBe(t);
  const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));
  expect(rel(p.backstopLeftQuote, B), info).toBeLessThanOrEqual(1e-12);
  expect(rel(p.depthLeftQuote, K), info).toBeLessThanOrEqual(1e-12);
  expect(rel(p.liquidationNearTroughQuote, L), info).toBeLessThanOrEqual(1e-12);
  expect(p.backstopAvailableAtTroughQuote, info).toBe(s.col('backstop_flight_available_quote')[t]);
  if (Number.isFinite(index)) expect(rel(figs.paradoxIndex, index), info).toBeLessThanOrEqual(1e-12);
  else expect(figs.paradoxIndex, info).toBe(index);
  // The stress onset is the first depositor's request.
  expect(onset, info).toBe(s.first('backstop_flight_requested_count', (v) => v > 0));
  return { s: onset, t, B, K, L, index };
}

describe.skipIf(!DATA_DIR)(`12 March 2020 on ETH: the backstop pool with and without capital flight (${DATA_DIR ? BARS_FILE : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  let none: Story;
  let flee: Story;
  let locked: Story;
  let lockedPastDay: Story;
  let lockedHour: Story;
  beforeAll(() => {
    none = runStory('(a) no flight');
    flee = runStory('(b) flight', flight(0));
    locked = runStory('(c) flight, 2 h lock-up', flight(LOCKUP_TWO_HOURS));
    lockedPastDay = runStory('(d) flight, lock-up past the day', flight(LOCKUP_PAST_THE_DAY));
    lockedHour = runStory('(e) flight, 1 h lock-up', flight(LOCKUP_ONE_HOUR));
  });

  const all = (): Story[] => [none, flee, locked, lockedPastDay, lockedHour];
  const summary = (): string => JSON.stringify(Object.fromEntries(all().map((s) => [s.name, s.info])));

  it('(a) no flight: the pool absorbs every lot at 1.017 × its debt, so there is no bad debt and the book never moves', () => {
    const info = summary();
    expect(POOL_CAPITAL_QUOTE, info).toBeGreaterThan((1 - POOL_DISCOUNT_PCT / 100) * (1 + PENALTY_PCT / 100) * population().totalDebt());
    expect(none.col('historical_close').length, info).toBe(BARS);
    expect(none.badDebt, info).toBe(0);
    expect(none.info.fallbackBase, info).toBe(0);
    const sim = none.col('simulated_close');
    const hist = none.col('historical_close');
    for (let i = 0; i < BARS; i++) expect(sim[i], `bar ${i}; ${info}`).toBe(hist[i]);
    expectSettlementIdentity(none);
  });

  it('(b) flight: the depositors are gone before the main liquidations, the lots fall to the direct sale, and there is bad debt', () => {
    const info = summary();
    // The biggest bar of liquidations in (a), the heart of the crash.
    const liqA = none.col('liquidations');
    let wave = 0;
    for (let i = 1; i < BARS; i++) if (liqA[i] > liqA[wave]) wave = i;
    // Why the pool is empty by then: the drawdown thresholds are at most 30%,
    // and the history's drawdown passed 30% (the 133.75 close at bar 65,
    // against a 194.52 start) before the wave. With no lock-up each
    // depositor takes its share the bar it asks.
    const allGone = flee.first('backstop_flight_gone_count', (v) => v === DEPOSITORS);
    expect(allGone, info).toBeGreaterThan(0);
    expect(allGone, info).toBeLessThan(wave);
    expect(flee.info.poolEmptyBar, info).toBeLessThanOrEqual(allGone);
    // The capital left: most of it as withdrawals, the pool spent the rest absorbing the early lots.
    expect(flee.info.withdrawnQuote, info).toBeGreaterThan(0.5 * POOL_CAPITAL_QUOTE);
    // With the pool empty, lots are sold into the book against the hour-old
    // oracle; in the crash the book is far below it (bar 67: oracle 163.19,
    // the close of an hour before, against a mid near 142 before any sale),
    // so the seized collateral (debt · 1.13 / oracle) sells for less than the
    // debt. Those sales also push the mid down, which liquidates more vaults.
    expect(flee.info.fallbackBase, info).toBeGreaterThan(0);
    expect(flee.badDebt, info).toBeGreaterThan(0);
    expect(flee.info.liquidations, info).toBeGreaterThan(none.info.liquidations);
    expect(flee.info.simulatedLow, info).toBeLessThan(none.info.simulatedLow);
    expectSettlementIdentity(flee);
    expectWithdrawalIdentities(flee);
  });

  it('(c) a two-hour lock-up keeps the asking depositors\' capital absorbing through the first wave: bad debt between (a) and (b)', () => {
    const info = summary();
    // The same depositors ask at the same bars as in (b) until the paths part
    // (the path is the history until the first direct sale).
    const reqB = flee.col('backstop_flight_requested_count');
    const reqC = locked.col('backstop_flight_requested_count');
    const firstFallbackB = flee.first('backstop_fallback_base', (v) => v > 0);
    for (let i = 0; i < firstFallbackB; i++) expect(reqC[i], `bar ${i}; ${info}`).toBe(reqB[i]);
    // Each request is paid 12 bars later; meanwhile that capital absorbs. The
    // pool lasts past the first wave of (b): nothing falls to the book before
    // the pool is empty, and only the lots after it can fall short.
    const emptyC = locked.info.poolEmptyBar;
    expect(emptyC, info).toBeGreaterThan(flee.info.poolEmptyBar);
    expect(locked.first('backstop_fallback_base', (v) => v > 0), info).toBeGreaterThanOrEqual(emptyC);
    expect(locked.first('bad_debt_quote', (v) => v > 0), info).toBeGreaterThanOrEqual(emptyC);
    expect(locked.info.absorbedBase, info).toBeGreaterThan(flee.info.absorbedBase);
    expect(locked.info.absorbedBase, info).toBeLessThan(none.info.absorbedBase);
    // The ordering: (a) 0 < (c) < (b).
    expect(locked.badDebt, info).toBeGreaterThan(none.badDebt);
    expect(locked.badDebt, info).toBeLessThan(flee.badDebt);
    // Later payments at a share value already spent on absorptions: less leaves.
    expect(locked.info.withdrawnQuote, info).toBeLessThan(flee.info.withdrawnQuote);
    expectSettlementIdentity(locked);
    expectWithdrawalIdentities(locked);
  });

  it('(d) a lock-up longer than the day: every depositor asks, none is paid, and the run is (a) bar for bar', () => {
    const info = summary();
    expect(lockedPastDay.col('backstop_flight_requested_count')[BARS - 1], info).toBe(DEPOSITORS);
    expect(lockedPastDay.info.withdrawnQuote, info).toBe(0);
    // Flight touches the pool only through payments: with none, every shared column is (a)'s exactly.
    for (const name of ['simulated_close', 'liquidations', 'backstop_absorbed_base', 'backstop_available_quote', 'liq_repaid_quote', 'bad_debt_quote']) {
      const a = none.col(name);
      const d = lockedPastDay.col(name);
      for (let i = 0; i < BARS; i++) expect(Object.is(d[i], a[i]), `${name} bar ${i}: ${d[i]} vs ${a[i]}`).toBe(true);
    }
    expect(lockedPastDay.badDebt, info).toBe(none.badDebt);
  });

  it('the paradox index and its parts follow from the recorded columns', () => {
    const b = expectParadoxFromColumns(flee);
    const c = expectParadoxFromColumns(locked);
    const d = expectParadoxFromColumns(lockedPastDay);
    const info = JSON.stringify({ b, c, d });
    // The same first signal in every flight run: the path is the history until then.
    expect(c.s, info).toBe(b.s);
    expect(d.s, info).toBe(b.s);
    // (b): every vault is liquidated by bar 90, long before the low of the
    // simulated day, so no forced selling lies within 15 bars of the trough
    // and the index is +Infinity (capital left, none was needed there).
    const liqB = flee.col('liquidations');
    let lastLiqB = -1;
    for (let i = 0; i < BARS; i++) if (liqB[i] > 0) lastLiqB = i;
    expect(lastLiqB, info).toBeLessThan(90);
    expect(lastLiqB, info).toBeLessThan(b.t - TROUGH_WINDOW_BARS);
    expect(b.L, info).toBe(0);
    expect(b.index, info).toBe(Infinity);
    expect(b.B, info).toBeGreaterThan(0);
    // (d): nothing was paid out, so only the book's depth counts.
    expect(d.B, info).toBe(0);
    expect(c.B, info).toBeGreaterThan(0);
    expect(c.index, info).toBeGreaterThan(d.index);
  });

  it('(e) with the price answering back, a longer lock-up is not always better: one hour leaves no bad debt, two hours some', () => {
    // The one-hour lock-up keeps the pool through bars 67–69, where the
    // hour-old oracle is furthest above the book (163.19 and 152.81 against
    // closes of 142.08 and 136.92), and empties it at bar 71, where the
    // oracle shows the 133.75 flash low of bar 65 while the book has come
    // back to 136.37: the vaults seized there are sold above the oracle and
    // repay in full, and the sales drive the mid down so far (below 100)
    // that every remaining vault is liquidated in the next hours, each
    // against an oracle that lags the fall less than the penalty. Under the
    // two-hour lock-up the pool lasts to bar 77; the last vaults are
    // liquidated late in the day (bar 142: oracle 124 against a mid near
    // 106) and that lot falls short. Bad debt is not monotone in the lock-up
    // once the sales move the price (the absorption is, test (c) and
    // paradoxProperties.test.ts).
    const info = summary();
    const oracle = lockedHour.col('oracle_price');
    const hist = lockedHour.col('historical_close');
    const emptyE = lockedHour.info.poolEmptyBar;
    expect(emptyE, info).toBe(71);
    expect(oracle[emptyE], info).toBeLessThan(hist[emptyE]);
    expect(lockedHour.info.fallbackBase, info).toBeGreaterThan(0);
    expect(lockedHour.info.liquidations, info).toBe(ACCOUNTS);
    expect(lockedHour.badDebt, info).toBe(0);
    expect(locked.badDebt, info).toBeGreaterThan(lockedHour.badDebt);
    // Absorption still orders with the lock-up: 0 < 6 < 12 bars.
    expect(lockedHour.info.absorbedBase, info).toBeGreaterThan(flee.info.absorbedBase);
    expect(lockedHour.info.absorbedBase, info).toBeLessThan(locked.info.absorbedBase);
    expectSettlementIdentity(lockedHour);
    expectWithdrawalIdentities(lockedHour);
  });
});

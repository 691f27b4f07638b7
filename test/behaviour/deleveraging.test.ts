/**
 * Pre-emptive deleveraging: literal accounts against hand-solved sales, the
 * class heaps against a brute-force scan of the ladder under random
 * liquidations and modifications, conservation through the ledger, a
 * buffer-monotonicity property (and the story where it fails), rollback, and
 * the O(log n) cost by counting heap steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Deleveraging,
  makeDeleveraging,
  type DeleveragingConfig,
} from '../../src/behaviour/deleveraging.js';
import { makeDeleverageRound, makeDeleverageSettlement } from '../../src/protocol/behaviourHooks.js';
import { makeStressSignals, stressScore, type StressSignals } from '../../src/sim/stress.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { Ladder, type LadderGrid } from '../../src/protocol/ladder.js';

/** Every field explicit (the defaults live in the lead's zod schema). One class, buffer 10%, target 2x, stressed from a 5% drawdown. */
function config(over: Partial<DeleveragingConfig> = {}): DeleveragingConfig {
  return {
    enabled: true,
    classes: 1,
    activeShare: 1,
    bufferFraction: { kind: 'fixed', value: 0.1 },
    targetBufferMultiple: 2,
    panicBufferShare: 0.5,
    drawdownThreshold: { kind: 'fixed', value: 0.05 },
    volRatioThreshold: null,
    liquidationQuotePerMinThreshold: null,
    ...over,
  };
}

/** Coarse grid: the class heaps read keys from the ladder's heap, not its buckets. */
const GRID: LadderGrid = { keyMin: 0.1, keyMax: 1e5, bucketBps: 50 };

function signals(drawdown: number): StressSignals {
  const s = makeStressSignals();
  s.drawdown = drawdown;
  return s;
}

function relClose(got: number, want: number, tol: number): boolean {
  return Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
}

describe('literal accounts', () => {
  // The running example: C = 10 units, LT = 0.8, liquidation price L = D/(C·LT).
  // Oracle = sale price = 100, m = 1, buffer 10%, target 20%.
  const PRICE = 100;
  const C = 10;
  const LT = 0.8;
  function one(liqPrice: number, cfgOver: Partial<DeleveragingConfig> = {}) {
    const book = new AccountBook(4);
    const ladder = new Ladder(book, GRID);
    const i = ladder.add(C, liqPrice * C * LT, LT);
    const dl = new Deleveraging(config(cfgOver), ladder, new Rng(1));
    return { book, ladder, dl, i };
  }

  it('an account inside its buffer under stress sells exactly the solved x', () => {
    // L = 95 ≥ 100/1.1 = 90.91: inside. D = 760. Target L' = 100/1.2 = 83.33, a = LT·L' = 66.67:
    // x = (D − C·a)/(S − a) = (760 − 666.67)/(100 − 66.67) = 93.33/33.33 = 2.8 (hand-solved).
    const { book, ladder, dl, i } = one(95);
    const out = makeDeleverageRound();
    dl.act(PRICE, PRICE, 1, signals(0.1), out);
    expect(out.units).toBeCloseTo(2.8, 12);
    expect(out.repaidQuote).toBeCloseTo(280, 10);
    expect(out.accounts).toBe(1);
    expect(book.collateral[i]).toBeCloseTo(7.2, 12);
    expect(book.debt[i]).toBeCloseTo(480, 10);
    // New liquidation price 480/(7.2·0.8) = 83.333… = 100/1.2.
    expect(book.key(i)).toBeCloseTo(PRICE / 1.2, 10);
    expect(dl.pendingUnits).toBeCloseTo(2.8, 12);
    ladder.validate();
    dl.validate();
  });

  it('the solved x satisfies the defining equation with m ≠ 1 and a sale price off the oracle', () => {
    // Table: [liqPrice at m=1, oracle, sale, m]; equation (D − xS)/((C − x)·LT·m) = P/(1 + 2b), to 1e-12 relative.
    const rows: [number, number, number, number][] = [
      [95, 100, 99, 1],
      [95, 100, 101, 1],
      [90, 100, 97, 0.9], // m < 1: the liquidation price 90/0.9 = 100 is at the oracle
      [110, 100, 100, 1.2], // past L at m = 1, but m lowers it to 91.7: inside the buffer
      [60, 55, 54, 1], // already past its liquidation price (55 < 60) and still solvent at 54 (D/C = 48)
    ];
    for (const [liq, oracle, sale, m] of rows) {
      const { book, dl, i } = one(liq);
      const d0 = book.debt[i];
      const out = makeDeleverageRound();
      dl.act(oracle, sale, m, signals(0.1), out);
      const x = out.units;
      const lhs = (d0 - x * sale) / ((C - x) * LT * m);
      const rhs = oracle / 1.2;
      const ctx = `liq ${liq} oracle ${oracle} sale ${sale} m ${m}: x ${x}, lhs ${lhs}, rhs ${rhs}`;
      expect(x > 0 && x < C, ctx).toBe(true);
      expect(relClose(lhs, rhs, 1e-12), ctx).toBe(true);
      expect(relClose(book.key(i) / m, rhs, 1e-12), ctx).toBe(true);
    }
  });

  it('outside its buffer, or below its tolerance outside the panic zone, or without equity, it does nothing', () => {
    const rows: [string, number, number, number][] = [
      // [why, liqPrice, drawdown, sale]
      ['outside the buffer (90 < 100/1.1 = 90.91) though stressed', 90, 0.5, PRICE],
      ['inside the buffer (95) but score 0.04/0.05 = 0.8 < 1, outside the panic zone (95 < 100/1.05 = 95.24)', 95, 0.04, PRICE],
      ['stressed and inside, but D/C = 98·0.8 = 78.4 ≥ sale 78: no equity at the sale price', 98, 0.5, 78],
    ];
    for (const [why, liq, dd, sale] of rows) {
      const { book, dl, i } = one(liq);
      const before = [book.collateral[i], book.debt[i]];
      const out = makeDeleverageRound();
      dl.act(PRICE, sale, 1, signals(dd), out);
      expect(out, why).toEqual({ units: 0, repaidQuote: 0, accounts: 0 });
      expect([book.collateral[i], book.debt[i]], why).toEqual(before);
      dl.validate();
    }
  });

  it('without stress it still acts deep inside its buffer (panic share 0.5), and never with share 0', () => {
    // L = 96 ≥ 100/1.05 = 95.24: within half the buffer. Target is still 100/1.2.
    const a = one(96);
    const out = makeDeleverageRound();
    a.dl.act(PRICE, PRICE, 1, signals(0), out);
    expect(out.accounts).toBe(1);
    expect(a.book.key(a.i)).toBeCloseTo(PRICE / 1.2, 10);
    const b = one(96, { panicBufferShare: 0 });
    b.dl.act(PRICE, PRICE, 1, signals(0), out);
    expect(out.accounts).toBe(0);
  });

  it('acts once per call: after acting the account is outside its trigger, and a second call at the same price does nothing', () => {
    const { dl } = one(95);
    const out = makeDeleverageRound();
    dl.act(PRICE, PRICE, 1, signals(0.1), out);
    dl.settle(out.units, out.units * PRICE, makeDeleverageSettlement());
    dl.act(PRICE, PRICE, 1, signals(0.1), out);
    expect(out.accounts).toBe(0);
    // A further fall to 85 puts the new L = 83.33 inside 85/1.1 = 77.3: it acts again.
    dl.act(85, 85, 1, signals(0.1), out);
    expect(out.accounts).toBe(1);
  });

  it('settle: the account bears its slippage, lenders get the proceeds, refund when the fill clears the debt', () => {
    // Fill at 95 instead of 100: debt 480 + 2.8·5 = 494; lenders receive 2.8·95 = 266.
    const { book, dl, i } = one(95);
    const out = makeDeleverageRound();
    dl.act(PRICE, PRICE, 1, signals(0.1), out);
    const s = makeDeleverageSettlement();
    dl.settle(out.units, out.units * 95, s);
    expect(book.debt[i]).toBeCloseTo(494, 10);
    expect(s.repaidQuote).toBeCloseTo(266, 10);
    expect(s.refundQuote).toBe(0);
    expect(dl.totals.slippageQuote).toBeCloseTo(14, 10);
    dl.validate();

    // Fill far above the plan: proceeds 2.8·300 = 840 exceed the 760 owed; 80 goes back, the account closes.
    const b = one(95);
    b.dl.act(PRICE, PRICE, 1, signals(0.1), out);
    b.dl.settle(out.units, out.units * 300, s);
    expect(s.refundQuote).toBeCloseTo(80, 9);
    expect(s.repaidQuote).toBeCloseTo(760, 9);
    expect(b.book.open[b.i]).toBe(0);
    expect(b.dl.has(b.i)).toBe(false);
    b.dl.validate();
  });

  it('refuses a fill that does not match the pending units', () => {
    const { dl } = one(95);
    const out = makeDeleverageRound();
    dl.act(PRICE, PRICE, 1, signals(0.1), out);
    expect(() => dl.settle(out.units * 0.5, 100, makeDeleverageSettlement())).toThrow(/pending/);
  });

  it('bad config is a ConfigError naming the field; disabled gives null', () => {
    const book = new AccountBook(2);
    const ladder = new Ladder(book, GRID);
    const rows: [Partial<DeleveragingConfig>, string][] = [
      [{ classes: 17 }, 'classes'],
      [{ classes: 0 }, 'classes'],
      [{ activeShare: 1.5 }, 'activeShare'],
      [{ targetBufferMultiple: 0.5 }, 'targetBufferMultiple'],
      [{ panicBufferShare: -0.1 }, 'panicBufferShare'],
      [{ bufferFraction: { kind: 'uniform', min: 0, max: 0.2 } }, 'bufferFraction.min'],
      [{ drawdownThreshold: { kind: 'lognormal', median: 0.1, sigma: -1 } }, 'drawdownThreshold.sigma'],
    ];
    for (const [over, field] of rows) {
      let err: unknown;
      try {
        new Deleveraging(config(over), ladder, new Rng(1));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(over)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).location.field, JSON.stringify(over)).toBe(field);
    }
    expect(makeDeleveraging(config({ enabled: false }), ladder, new Rng(1))).toBeNull();
  });
});

describe('classes', () => {
  it('are drawn from the configured distributions with the seed, and accounts spread over them', () => {
    const book = new AccountBook(20_000);
    const ladder = new Ladder(book, GRID);
    const cfg = config({ classes: 16, activeShare: 0.3, bufferFraction: { kind: 'uniform', min: 0.05, max: 0.25 }, volRatioThreshold: { kind: 'lognormal', median: 2, sigma: 0.3 } });
    const a = new Deleveraging(cfg, ladder, new Rng(7));
    const b = new Deleveraging(cfg, ladder, new Rng(7));
    const counts = new Array<number>(16).fill(0);
    let active = 0;
    for (let i = 0; i < book.capacity; i++) {
      expect(a.classOf(i)).toBe(b.classOf(i));
      if (a.classOf(i) >= 0) {
        active++;
        counts[a.classOf(i)]++;
      }
    }
    for (let k = 0; k < 16; k++) {
      const buf = a.classBuffer(k);
      expect(buf >= 0.05 && buf <= 0.25, `class ${k} buffer ${buf}`).toBe(true);
      expect(a.classBuffer(k)).toBe(b.classBuffer(k));
      expect(a.classThresholds(k).liquidationQuotePerMin).toBe(Infinity);
      expect(a.classThresholds(k).volRatio).toBeGreaterThan(0);
    }
    // Binomial(20000, 0.3): mean 6000, sd 64.8; 5 sd.
    expect(Math.abs(active - 6000), `active ${active}`).toBeLessThan(5 * 64.8);
    // Each class Binomial(active, 1/16): sd ≈ 18.8 around 375; 5 sd.
    for (const n of counts) expect(Math.abs(n - active / 16), `counts ${counts}`).toBeLessThan(5 * 18.8);
  });
});

/** What act() should do, by scanning every account: [account, newCollateral, newDebt]. */
function bruteAct(dl: Deleveraging, oracle: number, sale: number, m: number, s: StressSignals, r: number, panic: number): [number, number, number][] {
  const ladder = dl.ladder;
  const book = ladder.book;
  const out: [number, number, number][] = [];
  for (let i = 0; i < book.length; i++) {
    const k = dl.classOf(i);
    if (k < 0 || !ladder.has(i)) continue;
    const share = stressScore(s, dl.classThresholds(k)) >= 1 ? 1 : panic;
    if (!(share > 0)) continue;
    const b = dl.classBuffer(k);
    const liq = book.key(i) / m;
    if (!(oracle <= liq * (1 + share * b))) continue;
    const c = book.collateral[i];
    const d = book.debt[i];
    if (!(d < c * sale)) continue;
    const a = (book.threshold[i] * m * oracle) / (1 + r * b);
    const x = (d - c * a) / (sale - a);
    if (!(x > 0 && c - x > 0 && d - x * sale > 0)) continue;
    out.push([i, c - x, d - x * sale]);
  }
  return out;
}

describe('class heaps against brute force', () => {
  type Op =
    | { t: 'liquidate'; who: number; frac: number; penalty: number }
    | { t: 'close'; who: number }
    | { t: 'add'; liq: number; lt: number }
    | { t: 'act'; price: number; dd: number; slip: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ t: fc.constant('liquidate' as const), who: fc.nat(), frac: fc.double({ min: 0.05, max: 0.6, noNaN: true }), penalty: fc.double({ min: 0, max: 0.1, noNaN: true }) }),
    fc.record({ t: fc.constant('close' as const), who: fc.nat() }),
    fc.record({ t: fc.constant('add' as const), liq: fc.double({ min: 40, max: 120, noNaN: true }), lt: fc.double({ min: 0.5, max: 1, noNaN: true }) }),
    fc.record({ t: fc.constant('act' as const), price: fc.double({ min: 60, max: 110, noNaN: true }), dd: fc.double({ min: 0, max: 0.3, noNaN: true }), slip: fc.double({ min: -0.02, max: 0.05, noNaN: true }) }),
  );

  it('after random liquidations, closes, adds and deleveraging rounds, each class heap holds exactly its ladder accounts with the ladder keys, and act() matches the scan', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.array(op, { minLength: 1, maxLength: 40 }), (seed, ops) => {
        const rng = new Rng(seed);
        const book = new AccountBook(80);
        const ladder = new Ladder(book, GRID);
        for (let j = 0; j < 30; j++) {
          const lt = 0.5 + 0.5 * rng.uniform();
          const liq = 30 + 80 * rng.uniform();
          ladder.add(1 + rng.uniform(), liq * lt * 1.5, lt);
        }
        const cfg = config({
          classes: 4,
          activeShare: 0.8,
          bufferFraction: { kind: 'uniform', min: 0.02, max: 0.3 },
          drawdownThreshold: { kind: 'uniform', min: 0.02, max: 0.2 },
        });
        const dl = new Deleveraging(cfg, ladder, rng);
        dl.validate();
        const out = makeDeleverageRound();
        const settled = makeDeleverageSettlement();
        for (const o of ops) {
          const ctx = `seed ${seed} op ${JSON.stringify(o)}`;
          if (o.t === 'liquidate' || o.t === 'close') {
            if (ladder.openCount === 0) continue;
            // The protocol's side: change an account through the ladder, then tell the behaviour.
            const a = ladder.top() >= 0 && o.who % 2 === 0 ? ladder.top() : firstOpen(book, o.who);
            if (o.t === 'close') ladder.close(a);
            else {
              const repay = o.frac * book.debt[a];
              const seize = Math.min(book.collateral[a] * 0.99, (repay * (1 + o.penalty)) / 80);
              ladder.modify(a, book.collateral[a] - seize, book.debt[a] - repay);
            }
            dl.onAccountChanged(a);
          } else if (o.t === 'add') {
            if (book.length === book.capacity) continue;
            const i = ladder.add(1, o.liq * o.lt, o.lt);
            dl.onAccountChanged(i);
          } else {
            const s = signals(o.dd);
            const want = bruteAct(dl, o.price, o.price, 1, s, cfg.targetBufferMultiple, cfg.panicBufferShare);
            dl.act(o.price, o.price, 1, s, out);
            expect(out.accounts, ctx).toBe(want.length);
            for (const [i, c, d] of want) {
              expect(relClose(book.collateral[i], c, 1e-12) && relClose(book.debt[i], d, 1e-12), `${ctx}: account ${i} has (${book.collateral[i]}, ${book.debt[i]}), scan says (${c}, ${d})`).toBe(true);
            }
            if (out.units > 0) dl.settle(out.units, out.units * o.price * (1 - o.slip), settled);
          }
          ladder.validate();
          dl.validate();
        }
      }),
      { numRuns: 150, seed: 20251011 },
    );
  });
});

function firstOpen(book: AccountBook, from: number): number {
  const n = book.length;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    if (book.open[i] === 1) return i;
  }
  return -1;
}

describe('conservation through the ledger', () => {
  it('Σ debt + lenders cash, and collateral + accounts asset, are conserved across act, fill and settle', () => {
    const rng = new Rng(3);
    const book = new AccountBook(500);
    const ladder = new Ladder(book, GRID);
    for (let j = 0; j < 500; j++) {
      const lt = 0.7 + 0.3 * rng.uniform();
      ladder.add(1 + 9 * rng.uniform(), (40 + 60 * rng.uniform()) * lt * (1 + rng.uniform()), lt);
    }
    const dl = new Deleveraging(config({ classes: 8, bufferFraction: { kind: 'uniform', min: 0.05, max: 0.3 } }), ladder, rng);
    const ledger = new Ledger();
    ledger.endow(PARTY.accounts, 0, book.totalCollateral());
    ledger.endow(PARTY.counterparties, 1e9, 1e6);
    const debt0 = book.totalDebt();
    const out = makeDeleverageRound();
    const s = makeDeleverageSettlement();
    let price = 100;
    let acted = 0;
    for (let bar = 0; bar < 30; bar++) {
      price *= 0.97;
      dl.act(price, price, 1, signals(0.2), out);
      if (out.units === 0) continue;
      acted += out.accounts;
      // The protocol agent's side (see the wiring note in the report).
      ledger.moveAsset(PARTY.accounts, PARTY.protocol, out.units);
      const fill = price * (1 - 0.002 * Math.sqrt(out.units));
      ledger.trade(PARTY.counterparties, PARTY.protocol, dl.pendingUnits, fill);
      dl.settle(dl.pendingUnits, dl.pendingUnits * fill, s);
      ledger.payCash(PARTY.protocol, PARTY.lenders, s.repaidQuote);
      ledger.payCash(PARTY.protocol, PARTY.accounts, s.refundQuote);
    }
    expect(acted).toBeGreaterThan(50);
    const ctx = `debt0 ${debt0}, debt ${book.totalDebt()}, lenders ${ledger.cash[PARTY.lenders]}`;
    // Tolerance: 1e-12 of the totals (running sums over a few hundred updates).
    expect(Math.abs(book.totalDebt() + ledger.cash[PARTY.lenders] + dl.totals.unsettledQuote - debt0), ctx).toBeLessThan(1e-12 * debt0);
    expect(Math.abs(ledger.asset[PARTY.accounts] - book.totalCollateral())).toBeLessThan(1e-12 * ledger.endowedAsset);
    expect(Math.abs(ledger.cash[PARTY.protocol])).toBeLessThan(1e-12 * debt0);
    expect(Math.abs(ledger.asset[PARTY.protocol])).toBeLessThan(1e-12);
    expect(Math.abs(ledger.cashImbalance())).toBeLessThan(1e-6);
    expect(Math.abs(ledger.assetImbalance())).toBeLessThan(1e-9);
    expect(dl.totals.slippageQuote).toBeGreaterThan(0);
  });
});

/**
 * One account on a falling path with no impact: each bar it may deleverage
 * (always stressed, fill at the bar price), then it is liquidated if its
 * liquidation price is above the price. Returns that bar, or Infinity.
 */
function liquidationBar(buffer: number, multiple: number, liq0: number, lt: number, path: readonly number[]): number {
  const book = new AccountBook(2);
  const ladder = new Ladder(book, GRID);
  const i = ladder.add(1, liq0 * lt, lt);
  const dl = new Deleveraging(config({ bufferFraction: { kind: 'fixed', value: buffer }, targetBufferMultiple: multiple, drawdownThreshold: { kind: 'fixed', value: 1e-6 } }), ladder, new Rng(1));
  const out = makeDeleverageRound();
  const s = makeDeleverageSettlement();
  const sig = signals(0.5);
  for (let t = 0; t < path.length; t++) {
    const p = path[t];
    dl.act(p, p, 1, sig, out);
    if (out.units > 0) dl.settle(out.units, out.units * p, s);
    if (book.key(i) > p) return t;
  }
  return Infinity;
}

describe('buffer monotonicity on a fixed falling path with no impact', () => {
  const path = fc
    .array(fc.double({ min: 0.3, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 })
    .map((fs) => {
      const out: number[] = [];
      let p = 100;
      for (const f of fs) out.push((p *= f));
      return out;
    });

  // Why: acting sets L to P/(1 + r·b) and not acting keeps L < P/(1 + b), so the larger buffer's L stays at or
  // below the smaller's at every bar when (1 + b2) ≥ (1 + r·b1) (induction over the four act / not-act cases);
  // a lower L is liquidated no earlier. With r = 1 that is every b2 ≥ b1.
  it('a larger buffer is never liquidated at an earlier bar when b2 ≥ r·b1 (r = 2), or for any b2 ≥ b1 when r = 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 20, max: 99, noNaN: true }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        path,
        (b1, extra, liq0, lt, p) => {
          for (const [r, b2] of [[2, b1 * (2 + extra)], [1, b1 * (1 + extra)]]) {
            const t1 = liquidationBar(b1, r, liq0, lt, p);
            const t2 = liquidationBar(b2, r, liq0, lt, p);
            expect(t2 >= t1, `r ${r} b1 ${b1} b2 ${b2} liq0 ${liq0} lt ${lt} path ${p}: bars ${t1} vs ${t2}`).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('story: with b1 < b2 < 2·b1 the more cautious account is liquidated while the other survives', () => {
    // LT 0.5, liquidation price 80, buffers 10% and 15%, target 2x. At 91 only the 15% account acts
    // (80 ≥ 91/1.15), to L = 91/1.3 = 70. At 83 only the 10% account acts (80 ≥ 83/1.1; 70 < 83/1.15 = 72.2),
    // to L = 83/1.2 = 69.2, now below the cautious one's 70. A gap to 34.8 leaves the cautious account with
    // D/C = 70·0.5 = 35 ≥ 34.8, no equity, so it cannot act and is liquidated; the other (D/C = 34.6) deleverages.
    const LIQ0 = 80;
    const LT = 0.5;
    const PATH = [100, 91, 83, 34.8];
    expect(liquidationBar(0.15, 2, LIQ0, LT, PATH)).toBe(3);
    expect(liquidationBar(0.1, 2, LIQ0, LT, PATH)).toBe(Infinity);
  });
});

describe('rollback', () => {
  it('after ladder.rollback and rollback, the heaps match the ladder and the same round repeats bit for bit', () => {
    const rng = new Rng(11);
    const book = new AccountBook(300);
    const ladder = new Ladder(book, GRID);
    for (let j = 0; j < 250; j++) {
      const lt = 0.7 + 0.3 * rng.uniform();
      ladder.add(1 + rng.uniform(), (50 + 50 * rng.uniform()) * lt, lt);
    }
    const dl = new Deleveraging(config({ classes: 5, bufferFraction: { kind: 'uniform', min: 0.05, max: 0.2 } }), ladder, rng);
    function bar(): number[] {
      const out = makeDeleverageRound();
      const s = makeDeleverageSettlement();
      dl.act(90, 90, 1, signals(0.1), out);
      dl.settle(out.units, out.units * 89, s);
      // A liquidation and a new account inside the journal.
      const a = ladder.top();
      ladder.modify(a, book.collateral[a] * 0.5, book.debt[a] * 0.4);
      dl.onAccountChanged(a);
      dl.onAccountChanged(ladder.add(1, 99 * 0.8, 0.8));
      return [out.units, out.accounts, s.repaidQuote, dl.totals.actions, ...book.collateral.slice(0, book.length), ...book.debt.slice(0, book.length)];
    }
    ladder.beginJournal();
    dl.beginJournal();
    const first = bar();
    ladder.rollback();
    dl.rollback();
    ladder.validate();
    dl.validate();
    expect(dl.totals.actions).toBe(0);
    ladder.beginJournal();
    dl.beginJournal();
    expect(bar()).toEqual(first);
    ladder.commitJournal();
    dl.commitJournal();
    dl.validate();
  });
});

describe('cost: O(log n) per bar', () => {
  /** n accounts of which ACTING sit inside every buffer and the rest far below; heap steps for one act + settle. */
  function stepsPerBar(n: number): { quiet: number; busy: number; ms: number } {
    const ACTING = 10;
    const rng = new Rng(99);
    const book = new AccountBook(n);
    const ladder = new Ladder(book, GRID);
    for (let j = 0; j < n; j++) {
      const liq = j < ACTING ? 97 + rng.uniform() : 10 + 40 * rng.uniform();
      ladder.add(1, liq * 0.8, 0.8);
    }
    const dl = new Deleveraging(config({ classes: 8, bufferFraction: { kind: 'uniform', min: 0.05, max: 0.2 } }), ladder, rng);
    const out = makeDeleverageRound();
    const s = makeDeleverageSettlement();
    let h = dl.heapSteps;
    dl.act(150, 150, 1, signals(0.1), out); // nobody within 20% of 150
    const quiet = dl.heapSteps - h;
    expect(out.accounts).toBe(0);
    h = dl.heapSteps;
    const t0 = performance.now();
    dl.act(100, 100, 1, signals(0.1), out);
    dl.settle(out.units, out.units * 99.5, s);
    const ms = performance.now() - t0;
    expect(out.accounts, `n ${n}`).toBe(ACTING);
    return { quiet, busy: dl.heapSteps - h, ms };
  }

  it('heap steps grow like log n: 1e5 accounts cost at most 2.5x the steps of 1e3 (log ratio 5/3), not 100x', () => {
    const small = stepsPerBar(1_000);
    const large = stepsPerBar(100_000);
    const ctx = `1e3: ${JSON.stringify(small)}, 1e5: ${JSON.stringify(large)}`;
    console.log(`deleveraging heap steps per bar (10 acting, 8 classes): ${ctx}`);
    expect(small.quiet, ctx).toBe(0);
    expect(large.quiet, ctx).toBe(0);
    expect(large.busy / small.busy, ctx).toBeLessThanOrEqual(2.5);
    expect(large.busy, ctx).toBeGreaterThan(small.busy);
  });
});

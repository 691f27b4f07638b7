/**
 * AccountBook: keys, compensated totals, the undo journal; the perp
 * liquidation-price formula; the positions CSV loader (good and bad files).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { AccountBook, perpAccount, perpLiquidationPrice } from '../../src/protocol/accounts.js';
import { parsePositions, type PositionsOptions } from '../../src/protocol/positionsCsv.js';

describe('AccountBook basics', () => {
  it('keys are debt / (collateral · LT) and totals follow add, modify and close', () => {
    const b = new AccountBook(4);
    const a = b.add(2, 100, 0.8); // key 100 / 1.6 = 62.5
    const c = b.add(1, 90, 1); // key 90
    expect(b.key(a)).toBe(62.5);
    expect(b.key(c)).toBe(90);
    expect([b.openCount, b.totalCollateral(), b.totalDebt()]).toEqual([2, 3, 190]);
    b.modify(a, 1, 40);
    expect(b.key(a)).toBe(50);
    expect([b.totalCollateral(), b.totalDebt()]).toEqual([2, 130]);
    b.close(c);
    expect([b.openCount, b.length, b.open[c], b.collateral[c], b.debt[c]]).toEqual([1, 2, 0, 0, 0]);
    expect([b.totalCollateral(), b.totalDebt()]).toEqual([1, 40]);
    // Repaying all debt closes the account too (open means collateral > 0 and debt > 0, types.ts).
    b.modify(a, 1, 0);
    expect([b.openCount, b.open[a], b.totalCollateral(), b.totalDebt()]).toEqual([0, 0, 0, 0]);
  });

  it('refuses debt with no collateral, bad thresholds and a full book', () => {
    const b = new AccountBook(1);
    expect(() => b.add(1, 10, 0)).toThrow(/threshold/);
    expect(() => b.add(1, 10, 1.2)).toThrow(/threshold/);
    expect(() => b.add(0, 10, 0.8)).toThrow(/collateral/);
    const i = b.add(1, 10, 0.8);
    expect(() => b.modify(i, 0, 5)).toThrow(/move the debt to a lot/);
    expect(() => b.add(1, 10, 0.8)).toThrow(/full/);
    b.close(i);
    expect(() => b.modify(i, 1, 1)).toThrow(/not open/);
  });

  it('totals are compensated: 1e16 plus a thousand 1s is exact (naive summation stays at 1e16)', () => {
    // ulp(1e16) = 2, so 1e16 + 1 rounds back to 1e16 in plain double arithmetic.
    const b = new AccountBook(1001);
    const big = b.add(1e16, 1, 1);
    for (let k = 0; k < 1000; k++) b.add(1, 1, 1);
    expect(b.totalCollateral()).toBe(1e16 + 1000);
    b.close(big);
    expect(b.totalCollateral()).toBe(1000);
    expect(b.recomputeTotals().collateral).toBe(1000);
  });
});

describe('perp liquidation price', () => {
  // Each row: the isolated-margin long formula E(1 − 1/L)/(1 − mm), computed by hand.
  const CASES = [
    { entry: 100, lev: 10, mm: 0.0125, want: 90 / 0.9875 }, // 91.139...
    { entry: 20000, lev: 10, mm: 0.005, want: 18000 / 0.995 }, // 18090.45...
    { entry: 100, lev: 5, mm: 0.01, want: 80 / 0.99 },
    { entry: 60000, lev: 2, mm: 0.0125, want: 30000 / 0.9875 },
    { entry: 3000, lev: 1, mm: 0.01, want: 0 }, // 1x long is never liquidated
  ];
  it.each(CASES)('entry $entry, $lev x, mm $mm', (c) => {
    const ctx = JSON.stringify(c);
    expect(perpLiquidationPrice(c.entry, c.lev, c.mm), ctx).toBeCloseTo(c.want, 9);
    if (c.lev > 1) {
      const acct = perpAccount(3, c.entry, c.lev, c.mm);
      const book = new AccountBook(1);
      const i = book.add(acct.collateral, acct.debt, acct.threshold);
      // The account's ladder key is the same price (relative 1e-14: two roundings).
      expect(Math.abs(book.key(i) / c.want - 1), ctx).toBeLessThan(1e-14);
      // Independent check: at that price the margin ratio (equity / notional) equals mm exactly
      // in exact arithmetic (equity = Q·P − debt), here to 1e-12.
      const p = book.key(i);
      const ratio = (acct.collateral * p - acct.debt) / (acct.collateral * p);
      expect(Math.abs(ratio - c.mm), ctx).toBeLessThan(1e-12);
    }
  });
});

/** A random sequence of changes to a book, as data so a failure prints it. */
type Op = { kind: 'modify'; pick: number; cf: number; df: number } | { kind: 'close'; pick: number } | { kind: 'add'; c: number; d: number; t: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), cf: fc.double({ min: 0.01, max: 3, noNaN: true }), df: fc.double({ min: 0, max: 3, noNaN: true }) }),
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), c: fc.double({ min: 1e-3, max: 1e3, noNaN: true }), d: fc.double({ min: 1e-3, max: 1e6, noNaN: true }), t: fc.double({ min: 0.05, max: 1, noNaN: true }) }),
);

function openIndices(b: AccountBook): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) if (b.open[i] === 1) out.push(i);
  return out;
}

function apply(b: AccountBook, ops: readonly Op[]): number {
  let changes = 0;
  for (const op of ops) {
    if (op.kind === 'add') {
      if (b.length < b.capacity) b.add(op.c, op.d, op.t);
      continue;
    }
    const open = openIndices(b);
    if (open.length === 0) continue;
    const i = open[op.pick % open.length];
    if (op.kind === 'close') b.close(i);
    else b.modify(i, b.collateral[i] * op.cf, b.debt[i] * op.df);
    changes++;
  }
  return changes;
}

function snapshot(b: AccountBook) {
  return {
    bytes: [b.collateral, b.debt, b.threshold, b.open].map((a) => Buffer.from(a.buffer.slice(0))),
    scalars: [b.length, b.openCount, b.totalCollateral(), b.totalDebt()],
  };
}

describe('AccountBook journal', () => {
  it('rollback restores every array and total bit for bit after random changes (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(opArb, { minLength: 1, maxLength: 60 }), (before, during) => {
        const b = new AccountBook(64);
        for (let k = 0; k < 20; k++) b.add(1 + k, 100 * (k + 1), 0.8);
        apply(b, before);
        const s0 = snapshot(b);
        b.beginJournal();
        const changes = apply(b, during);
        // One journal entry per change: the cost is O(changes), not O(n).
        expect(b.journalLength, JSON.stringify(during)).toBe(changes);
        b.rollback();
        const s1 = snapshot(b);
        for (let k = 0; k < s0.bytes.length; k++) {
          if (!s0.bytes[k].equals(s1.bytes[k])) throw new Error(`array ${k} differs after rollback; before=${JSON.stringify(before)} during=${JSON.stringify(during)}`);
        }
        for (let k = 0; k < s0.scalars.length; k++) {
          if (!Object.is(s0.scalars[k], s1.scalars[k])) throw new Error(`scalar ${k}: ${s0.scalars[k]} -> ${s1.scalars[k]}; during=${JSON.stringify(during)}`);
        }
        expect(b.journaling).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('commit keeps the changes and running totals agree with a fresh compensated sum (1e-12 relative)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const b = new AccountBook(128);
        for (let k = 0; k < 30; k++) b.add(0.5 + k, 77 * (k + 1), 0.85);
        b.beginJournal();
        apply(b, ops);
        const after = snapshot(b);
        b.commitJournal();
        expect(snapshot(b).scalars).toEqual(after.scalars);
        const fresh = b.recomputeTotals();
        const ctx = JSON.stringify(ops);
        expect(Math.abs(b.totalCollateral() - fresh.collateral), ctx).toBeLessThanOrEqual(1e-12 * Math.max(1, fresh.collateral));
        expect(Math.abs(b.totalDebt() - fresh.debt), ctx).toBeLessThanOrEqual(1e-12 * Math.max(1, fresh.debt));
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('refuses nested journals and rollback without one', () => {
    const b = new AccountBook(2);
    expect(() => b.rollback()).toThrow(/no journal/);
    b.beginJournal();
    expect(() => b.beginJournal()).toThrow(/already open/);
  });
});

const FIX = new URL('../fixtures/positions/', import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, FIX), 'utf8');

describe('positions CSV: good files', () => {
  it('account layout with ids', () => {
    const r = parsePositions(read('good_accounts.csv'), 'good_accounts.csv', { startPrice: 10000 });
    expect(r.report.layout).toBe('account');
    expect(r.ids).toEqual(['a1', 'a2', 'a3']);
    expect(Array.from(r.lines)).toEqual([2, 3, 4]);
    expect(Array.from(r.book.collateral)).toEqual([10, 2.5, 1]);
    expect(Array.from(r.book.debt)).toEqual([50000, 100000, 1]);
    expect(Array.from(r.book.threshold)).toEqual([0.8, 0.85, 1]);
    expect(r.book.key(0)).toBe(6250); // 50000 / (10 · 0.8)
    // a2's key 100000 / (2.5 · 0.85) = 47058.8 is above 10000: liquidatable at the start, kept and reported.
    expect(r.report.liquidatableAtStart).toEqual({ startPrice: 10000, count: 1, lines: [3] });
    expect([r.report.totalCollateral, r.report.totalDebt]).toEqual([13.5, 150001]);
  });

  it('perp layout (BOM, CRLF, mixed-case header in another order) converts by the perp formula', () => {
    const r = parsePositions(read('good_perp.csv'), 'good_perp.csv');
    expect(r.report.layout).toBe('perp');
    expect(r.report.bomStripped).toBe(true);
    expect(r.ids).toBeNull();
    expect(Array.from(r.book.collateral)).toEqual([0.5, 2]);
    // 0.5 · 60000 · (1 − 1/10) = 27000; 2 · 30000 · (1 − 1/3) = 40000.
    expect(r.book.debt[0]).toBeCloseTo(27000, 9);
    expect(r.book.debt[1]).toBeCloseTo(40000, 9);
    expect(r.book.key(0)).toBeCloseTo(perpLiquidationPrice(60000, 10, 0.005), 8);
    expect(r.book.key(1)).toBeCloseTo(40000 / (2 * 0.9875), 8);
  });

  it("zero-debt rows are skipped only when asked, and listed", () => {
    const r = parsePositions(read('bad_zero_debt.csv'), 'bad_zero_debt.csv', { zeroDebt: 'skip' });
    expect(r.report.rows).toBe(4);
    expect(r.report.accounts).toBe(3);
    expect(r.report.skippedZeroDebtLines).toEqual([4]);
    expect(Array.from(r.lines)).toEqual([2, 3, 5]);
  });
});

interface BadCase {
  file: string;
  line: number;
  field?: string;
  reason: string;
  opts?: PositionsOptions;
}

// Expected lines counted by hand in each fixture (header is line 1).
const BAD: BadCase[] = [
  { file: 'bad_negative_collateral.csv', line: 3, field: 'collateral', reason: 'collateral must be > 0 (base units), got -1' },
  { file: 'bad_threshold_percent.csv', line: 2, field: 'threshold', reason: 'threshold must be in (0, 1] (a fraction, not percent), got 80' },
  { file: 'bad_zero_debt.csv', line: 4, field: 'debt', reason: 'debt is 0: the account can never be liquidated' },
  { file: 'bad_not_number.csv', line: 3, field: 'debt', reason: "not a number: 'abc'" },
  { file: 'bad_unknown_column.csv', line: 1, field: 'ltv', reason: "unknown column 'ltv'" },
  { file: 'bad_mixed_layout.csv', line: 1, reason: 'header mixes the account layout' },
  { file: 'bad_missing_column.csv', line: 1, field: 'threshold', reason: "missing column 'threshold' of the account layout" },
  { file: 'bad_short_perp.csv', line: 2, field: 'size', reason: 'short positions are not supported: size must be > 0, got -1' },
  { file: 'bad_leverage_vs_mm.csv', line: 3, field: 'leverage', reason: 'leverage 250 with maintenance margin 0.005 is liquidatable at its own entry price' },
  { file: 'bad_leverage_below_one.csv', line: 2, field: 'leverage', reason: 'leverage must be >= 1, got 0.5' },
  { file: 'bad_mm_percent.csv', line: 3, field: 'maintenance_margin', reason: 'maintenance_margin must be in (0, 1) (a fraction, not percent), got 5' },
  { file: 'bad_duplicate_id.csv', line: 4, field: 'id', reason: "duplicate id 'x': first on line 2" },
  { file: 'bad_wrong_count.csv', line: 3, reason: 'wrong column count: expected 3 fields like the header, got 2' },
  { file: 'bad_empty_field.csv', line: 2, field: 'threshold', reason: 'empty field' },
  { file: 'bad_header_only.csv', line: 1, reason: 'no data rows after the header' },
  { file: 'bad_duplicate_column.csv', line: 1, field: 'debt', reason: "duplicate column 'debt'" },
];

describe('positions CSV: every bad file is refused with file, line, field and reason', () => {
  it.each(BAD)('$file -> line $line: $reason', (c) => {
    const ctx = JSON.stringify(c);
    let err: unknown;
    try {
      parsePositions(read(c.file), c.file, c.opts);
    } catch (e) {
      err = e;
    }
    expect(err, `no error for ${ctx}`).toBeInstanceOf(DataError);
    const e = err as DataError;
    expect(e.location.file, ctx).toBe(c.file);
    expect(e.location.line, `${ctx}: ${e.message}`).toBe(c.line);
    expect(e.location.field, `${ctx}: ${e.message}`).toBe(c.field);
    expect(e.reason, ctx).toContain(c.reason);
    expect(e.message, ctx).toContain(`${c.file}:${c.line}`);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CascadeError, ConfigError, DataError } from '../../src/core/errors.js';
import type { OrderBookModel } from '../../src/market/book.js';
import type { BookLevelsConfig } from '../../src/market/config.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import { parseL2Snapshot } from '../../src/market/l2Snapshot.js';
import { makeFill } from '../../src/market/liquidity.js';
import { C0, DEPTH_1PCT_QUOTE, MIN, bar, bookConfig, started } from './helpers.js';

const REFILL = 5 * MIN;

/** ABIDES-style literal book: mid 100 between 99 and 101. */
const LITERAL: BookLevelsConfig = { source: 'literal', bids: [[99, 30], [98, 50]], asks: [[101, 30]] };

function literalBook(permanentFraction = 1) {
  const model = createLiquidityModel(bookConfig({ permanentFraction, refillHalfLifeMs: REFILL }, LITERAL)) as OrderBookModel;
  model.startBar(bar(100, 0));
  return model;
}

/** Compares `[price, size]` levels to a literal: prices to 1e-12 relative (they pass through log/exp), sizes exactly. */
function expectLevels(actual: Array<[number, number]>, expected: Array<[number, number]>, ctx: string): void {
  expect(actual.length, ctx).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const [p, s] = actual[k];
    const [pe, se] = expected[k];
    expect(Math.abs(p - pe), `${ctx} level ${k}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBeLessThanOrEqual(1e-12 * pe);
    expect(s, `${ctx} level ${k} size: ${JSON.stringify(actual)}`).toBe(se);
  }
}

describe('order book (L2) model', () => {
  it('starts as the literal book around mid 100', () => {
    const book = literalBook();
    expect(book.mid()).toBe(100);
    const q = book.quotes();
    expectLevels(q.bids, [[99, 30], [98, 50]], 'bids');
    expectLevels(q.asks, [[101, 30]], 'asks');
  });

  it('sell 40 walks 99×30 then 98×10; the bid touch ends 20% of the way from 99 to 98 in log-price, the asks follow R, the mid is halfway', () => {
    const book = literalBook();
    const fill = makeFill();
    book.execute(-40, fill);
    const expectedPrice = (99 * 30 + 98 * 10) / 40;
    expect(Math.abs(fill.price - expectedPrice), `price=${fill.price}`).toBeLessThanOrEqual(1e-12 * expectedPrice);
    expectLevels(book.quotes().bids, [[99, 0], [98, 40]], 'bids after sell');
    // Interpolated front: ln touch = ln 99 + 0.2 · ln(98/99), i.e. 10 of level 98's 50 consumed.
    const bid = 99 * Math.pow(98 / 99, 0.2);
    // R moved by −40 / D (D the bid tail's 50 per ln(99/98), the steepest secant); the unwalked asks moved with it.
    const ask = 100 * Math.exp(-40 / (50 / Math.log(99 / 98)));
    const t = book.touches();
    expect(Math.abs(t.bid - bid)).toBeLessThanOrEqual(1e-12 * bid);
    expect(Math.abs(t.ask - ask)).toBeLessThanOrEqual(1e-12 * ask);
    expectLevels(book.quotes().asks, [[ask * 1.01, 30]], 'asks after sell');
    const mid = Math.sqrt(bid * ask);
    expect(Math.abs(fill.midAfter - mid)).toBeLessThanOrEqual(1e-12 * mid);
    expect(book.mid()).toBe(fill.midAfter);
    // The touch was 99, so the impact part of the cost is (99 − price) · 40.
    expect(fill.impactCost).toBeCloseTo((99 - expectedPrice) * 40, 9);
    expect(fill.cost).toBeCloseTo((100 - expectedPrice) * 40, 9);
  });

  it('a second sell in the same bar continues from where the first stopped', () => {
    const book = literalBook();
    book.execute(-40, makeFill());
    const fill = makeFill();
    book.execute(-40, fill);
    expect(fill.price).toBeCloseTo(98, 12);
    expectLevels(book.quotes().bids, [[99, 0], [98, 0]], 'bids');
    expect(Math.abs(book.touches().bid - 98)).toBeLessThanOrEqual(1e-12 * 98);
    const mid = Math.sqrt(98 * 100 * Math.exp(-80 / (50 / Math.log(99 / 98))));
    expect(Math.abs(book.mid() - mid)).toBeLessThanOrEqual(1e-12 * mid);
  });

  it('after one refill half-life the consumed depth is half back; the bids are re-anchored at their halved excess, the asks at R', () => {
    const book = literalBook(1); // all impact permanent: R keeps its move, only the depletion excess relaxes
    book.execute(-40, makeFill());
    // R moves by q / D with D the steepest secant of either side: the bid tail's 50 per ln(99/98) beats 30 / ln(100/99)
    // and 80 / ln(100/98) (and the ask side's 30 / ln(101/100)).
    const d = 50 / Math.log(99 / 98);
    expect(Math.abs(book.referenceDepth() - d)).toBeLessThanOrEqual(1e-12 * d);
    const r = -40 / d;
    const walkEnd = Math.log(99 / 100) + 0.2 * Math.log(98 / 99);
    book.startBar(bar(100, REFILL));
    // The bids' excess (their touch below R) halves with the refill, like the consumed depth; the mid is halfway to R.
    const bidAnchor = 100 * Math.exp(r + (walkEnd - r) / 2);
    const mid = 100 * Math.exp(r + (walkEnd - r) / 4);
    expect(Math.abs(book.mid() - mid)).toBeLessThanOrEqual(1e-12 * mid);
    // Level 99 had 0 of 30 (gap 30 → 15 back), level 98 had 40 of 50 (gap 10 → 5 back), both kept by index below the touch.
    expectLevels(book.quotes().bids, [[bidAnchor * 0.99, 15], [bidAnchor * 0.98, 45]], 'bids after refill');
    // The untouched asks wait at R, above the mid: a buyer pays for the excess, a round trip cannot harvest it.
    expectLevels(book.quotes().asks, [[100 * Math.exp(r) * 1.01, 30]], 'asks after refill');
  });

  it('the mid is continuous in a small order the other way: after a sale empties the bids far below R, a 0.01 buy moves it by a hair', () => {
    // The counterexample that made the mid the touches' midpoint: when the mid was where the last walk ended, it sat
    // on the emptied bids under R and the first small buy moved it to the asks at R, a jump of the whole excess (in
    // the bench's crash, +4.7% for a 0.42 BTC buy).
    const book = literalBook(1);
    book.execute(-180, makeFill());
    book.startBar(bar(100, MIN));
    const { bid, ask } = book.touches();
    const d = 50 / Math.log(99 / 98);
    // 180 walked 4.05% down the bids (two virtual levels past 98) while R moved 180 / D = 3.65%; a minute's refill
    // leaves 0.5^(1/5) of that excess.
    const excess = (Math.log(98 / 100) + 2 * Math.log(98 / 99) + 180 / d) * -Math.pow(0.5, 0.2);
    expect(Math.abs(Math.log(ask / bid) - excess)).toBeLessThan(1e-12);
    expect(excess).toBeGreaterThan(0.003);
    const fill = makeFill();
    book.execute(0.01, fill);
    // 0.01 of the 30 at level 101 moves the ask touch by 0.01/30 of ln 1.01; R and the unwalked bids rise by 0.01 / D;
    // the mid moves by half of each.
    const move = 0.5 * ((0.01 * Math.log(1.01)) / 30 + 0.01 / d);
    expect(Math.abs(Math.log(fill.midAfter / fill.midBefore) - move)).toBeLessThan(1e-12);
    expect(move).toBeLessThan(1e-5 * excess * 100);
    expect(fill.price).toBeGreaterThanOrEqual(ask);
  });

  it('withdrawal cancels depth above the shrunken target at once; refill aims at the new target', () => {
    const book = literalBook();
    book.startBar(bar(100, REFILL, 0.5));
    expectLevels(book.quotes().bids, [[99, 15], [98, 25]], 'bids at depthScale 0.5');
    book.execute(-15, makeFill());
    book.startBar(bar(100, REFILL, 0.5));
    const bids = book.quotes().bids;
    expect(bids[0][1]).toBe(7.5);
  });

  it('the book moves with the reference price (overlay) and keeps its shape', () => {
    const book = literalBook();
    book.startBar(bar(200, MIN));
    expectLevels(book.quotes().bids, [[198, 30], [196, 50]], 'bids at C=200');
    expect(book.mid()).toBe(200);
  });

  it('beyond the last level the walk continues on virtual levels at the last gap with the last level\'s depth', () => {
    const book = literalBook();
    const fill = makeFill();
    book.execute(-180, fill); // 80 in the book, then 50 at virtual level 1 and 50 at level 2
    // Virtual level i sits i gaps of ln(99/98) beyond 98: prices 98·(98/99)^i, 50 units each.
    const r = 98 / 99;
    const expected = (99 * 30 + 98 * 50 + 50 * 98 * r + 50 * 98 * r * r) / 180;
    expect(Math.abs(fill.price - expected), `price=${fill.price} expected=${expected}`).toBeLessThanOrEqual(1e-12 * expected);
    expect(Math.abs(book.touches().bid - 98 * r * r)).toBeLessThanOrEqual(1e-12 * 98);
    // A further 20 in the same bar: 20 of virtual level 3; the touch goes 40% of the way into it.
    book.execute(-20, fill);
    expect(Math.abs(fill.price - 98 * r ** 3)).toBeLessThanOrEqual(1e-12 * 98);
    expect(Math.abs(book.touches().bid - 98 * r ** 2.4)).toBeLessThanOrEqual(1e-12 * 98);
    // The asks followed R down by 200 / D; the mid is the log-midpoint of the touches.
    const mid = Math.sqrt(98 * r ** 2.4 * 100 * Math.exp(-200 / (50 / Math.log(99 / 98))));
    expect(Math.abs(book.mid() - mid)).toBeLessThanOrEqual(1e-12 * mid);
  });

  it('the closed-form tail sum equals level-by-level summation over many virtual levels (1e-12)', () => {
    const book = literalBook();
    const fill = makeFill();
    book.execute(-(80 + 50 * 37 + 13), fill);
    const r = 98 / 99;
    let notional = 99 * 30 + 98 * 50;
    for (let i = 1; i <= 37; i++) notional += 50 * 98 * r ** i;
    notional += 13 * 98 * r ** 38;
    const expected = notional / (80 + 50 * 37 + 13);
    expect(Math.abs(fill.price - expected), `price=${fill.price} expected=${expected}`).toBeLessThanOrEqual(1e-12 * expected);
  });

  it('a grid book holds depth1PctQuote within 1% of mid: D equals the linear model\'s and selling it moves the mid exactly 1%', () => {
    const book = started(bookConfig()) as OrderBookModel;
    const base = DEPTH_1PCT_QUOTE / C0;
    const d = base / 100; // one level: 1 bp of a side holding `base` per 1%
    // Level 0 spans only the 0.5 bp half-spread, so it holds half a level; the level at 100.5 bp is half inside 1%.
    const bids = book.quotes().bids;
    expect(bids[0][1] / d).toBeCloseTo(0.5, 12);
    expect(bids[1][1] / d).toBeCloseTo(1, 12);
    // D = base / 0.01, both as the probe secant and as the reference depth (1e-12: sums of 100 terms).
    expect(Math.abs(book.depthPerLogPrice() - base / 0.01)).toBeLessThanOrEqual(1e-12 * base / 0.01);
    expect(Math.abs(book.referenceDepth() - base / 0.01)).toBeLessThanOrEqual(1e-12 * base / 0.01);
    const fill = makeFill();
    book.execute(-base, fill);
    expect(book.logImpact()).toBeCloseTo(-0.01, 12);
    // Level prices: half a level at 0.5 bp, whole levels at 1.5 .. 99.5 bp, half of the level at 100.5 bp.
    let sum = 0.5 * Math.exp(-0.5e-4) + 0.5 * Math.exp(-100.5e-4);
    for (let k = 1; k < 100; k++) sum += Math.exp(-(0.5 + k) * 1e-4);
    expect(Math.abs(fill.price - (C0 * sum) / 100)).toBeLessThanOrEqual(1e-12 * C0);
  });

  it('a growing profile puts more depth further out but the same total within 1%', () => {
    const book = started(bookConfig({ profileExponent: 1 })) as OrderBookModel;
    const bids = book.quotes().bids;
    // Depth spread evenly over each level's span: whole levels up to 99.5 bp, half the level at 100.5 bp.
    let within = 0;
    for (const [p, s] of bids) {
      const off = Math.log(C0 / p);
      if (off <= 0.01 + 1e-12) within += s;
      else if (off <= 0.01005 + 1e-12) within += s / 2;
    }
    expect(within).toBeCloseTo(DEPTH_1PCT_QUOTE / C0, 9);
    // Density ∝ offset: 99.5 bp / 0.5 bp = 199 times level 0's, and level 0 spans half a level.
    expect(bids[99][1] / bids[0][1]).toBeCloseTo(2 * 199, 9);
  });

  it('refuses a thinning profile, a crossed literal book and bad sizes, naming the field', () => {
    const bad = (levels: BookLevelsConfig) => () => createLiquidityModel(bookConfig({}, levels));
    expect(bad({ source: 'grid', depth1PctQuote: 1e6, levelsPerSide: 10, levelSpacingBps: 1, halfSpreadBps: 0.5, profileExponent: -1 }))
      .toThrow(/liquidity\.levels\.profileExponent/);
    expect(bad({ source: 'literal', bids: [[101, 1]], asks: [[100, 1]] })).toThrow(/crossed/);
    expect(bad({ source: 'literal', bids: [[99, 1], [98, -2]], asks: [[101, 1]] })).toThrow(/liquidity\.levels\.bids\[1\]\[1\]/);
    expect(bad({ source: 'literal', bids: [[99, 1], [99, 2]], asks: [[101, 1]] })).toThrow(ConfigError);
  });
});

describe('L2 snapshot files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-l2-'));

  it('loads side,price,size (any column order, comments) into a book around the snapshot mid', () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, '# BTC test snapshot\nprice,size,side\n100010,2,ask\n99990,1.5,bid\n99980,4,bid\n100030,3,ask\n');
    const model = createLiquidityModel(bookConfig({}, { source: 'snapshot', file })) as OrderBookModel;
    model.startBar(bar(100_000, 0));
    expectLevels(model.quotes().bids, [[99_990, 1.5], [99_980, 4]], 'snapshot bids');
    expectLevels(model.quotes().asks, [[100_010, 2], [100_030, 3]], 'snapshot asks');
  });

  it('rescales each side to depth1PctQuote within 1% (log) when asked; levels further out scale with it', () => {
    const file = join(dir, 'rescale.csv');
    writeFileSync(file, 'side,price,size\nbid,99.5,1\nbid,90,5\nask,100.5,2\n');
    const model = createLiquidityModel(bookConfig({}, { source: 'snapshot', file, depth1PctQuote: 1000 })) as OrderBookModel;
    model.startBar(bar(100, 0));
    // Bid side: only 99.5 is within 1%, worth 1 · 100 at the mid → ×10; ask side: 2 · 100 → ×5.
    expectLevels(model.quotes().bids, [[99.5, 10], [90, 50]], 'rescaled bids');
    expectLevels(model.quotes().asks, [[100.5, 10]], 'rescaled asks');
  });

  it('refuses to rescale a side with nothing within 1% of mid', () => {
    const file = join(dir, 'far.csv');
    writeFileSync(file, 'side,price,size\nbid,97,1\nask,99,2\n'); // mid 98: ln(98/97) = 0.0103 > 0.01
    expect(() => createLiquidityModel(bookConfig({}, { source: 'snapshot', file, depth1PctQuote: 1000 }))).toThrow(/no bid level within 1%/);
  });

  const cases: Array<[string, string, number, string, RegExp]> = [
    ['bad side', 'side,price,size\nbid,99,1\nbuyer,98,1\nask,101,1\n', 3, 'side', /bid or ask/],
    ['negative size', 'side,price,size\nbid,99,1\nask,101,-1\n', 3, 'size', /size must be/],
    ['empty price', 'side,price,size\nbid,,1\nask,101,1\n', 2, 'price', /price must be/],
    ['duplicate price', 'side,price,size\nbid,99,1\nbid,99,2\nask,101,1\n', 3, 'price', /twice/],
  ];
  for (const [name, text, line, field, reason] of cases) {
    it(`refuses a snapshot with ${name}, naming file, line and field`, () => {
      let err: unknown;
      try { parseL2Snapshot(text, 'snap.csv'); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(DataError);
      const loc = (err as CascadeError).location;
      expect({ file: loc.file, line: loc.line, field: loc.field }, name).toEqual({ file: 'snap.csv', line, field });
      expect((err as Error).message).toMatch(reason);
    });
  }

  it('refuses a missing column, a crossed book and a one-sided book', () => {
    expect(() => parseL2Snapshot('side,price\nbid,99\n', 's.csv')).toThrow(/s\.csv:1: field 'size'/);
    expect(() => parseL2Snapshot('side,price,size\nbid,101,1\nask,100,1\n', 's.csv')).toThrow(/crossed/);
    expect(() => parseL2Snapshot('side,price,size\nbid,99,1\n', 's.csv')).toThrow(/no ask levels/);
  });
});

/**
 * Ladder: heap order against a brute-force sorted list, bucket sums against
 * brute force within the documented resolution bound, the bad-debt strip,
 * rollback bit for bit, and a small liquidation story.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { Ladder, ladderGridAround, type LadderGrid } from '../../src/protocol/ladder.js';

/** Filed accounts in liquidation order: larger key first, lower index among equal keys. */
function bruteOrder(book: AccountBook, ladder: Ladder): { i: number; key: number }[] {
  const out: { i: number; key: number }[] = [];
  for (let i = 0; i < book.length; i++) if (ladder.has(i)) out.push({ i, key: book.key(i) });
  return out.sort((a, b) => b.key - a.key || a.i - b.i);
}

function popAll(l: Ladder): number[] {
  const out: number[] = [];
  for (let i = l.popTop(); i >= 0; i = l.popTop()) out.push(i);
  return out;
}

describe('ladder on a literal grid', () => {
  // 1% buckets from 100: [100,101), [101,102.01), [102.01,103.0301), ...; top edge 100·1.01^5 = 105.10.
  const GRID: LadderGrid = { keyMin: 100, keyMax: 105, bucketBps: 100 };
  function build() {
    const book = new AccountBook(8);
    const ladder = new Ladder(book, GRID);
    const a = ladder.add(2, 201, 1); // key 100.5, bucket 1
    const b = ladder.add(1, 103, 1); // key 103, bucket 3
    const c = ladder.add(4, 200, 1); // key 50, underflow
    const d = ladder.add(1, 250, 0.5); // key 500, overflow; strike 250
    return { book, ladder, a, b, c, d };
  }

  it('has 5 grid buckets plus under- and overflow, with the documented edges', () => {
    const { ladder } = build();
    expect(ladder.bucketCount).toBe(7);
    expect(ladder.bucketLo(1)).toBe(100);
    expect(ladder.bucketLo(2)).toBeCloseTo(101, 10);
    expect(ladder.bucketHi(5)).toBeCloseTo(100 * 1.01 ** 5, 9);
    expect([ladder.bucketOf(99.99), ladder.bucketOf(100), ladder.bucketOf(100.99), ladder.bucketOf(103), ladder.bucketOf(1e9)]).toEqual([0, 1, 1, 3, 6]);
  });

  it('window sums: whole buckets exact, partial buckets pro rata in log key, out-of-grid buckets whole when the window holds their lower edge', () => {
    const { ladder } = build();
    const rows: [number, number, number][] = [
      [0, Infinity, 8],
      [100, 101, 2], // bucket 1 exactly: account a
      [100 * Math.sqrt(1.01), 101, 1], // upper half of bucket 1 in log terms: half of a's 2 units
      [0, 100, 4], // underflow: c
      [50.5, 100, 0], // underflow not counted: window does not hold 0
      [105, Infinity, 1], // overflow counted (holds its lower edge): d
      [105.2, 1e9, 0], // overflow not counted: window starts above its lower edge
      [103, 103, 0], // empty window
    ];
    for (const [lo, hi, want] of rows) expect(ladder.collateralWithKeyIn(lo, hi), `[${lo}, ${hi})`).toBeCloseTo(want, 12);
    expect(ladder.debtWithKeyIn(100, 101)).toBeCloseTo(201, 12);
    expect(ladder.debtWithKeyIn(0, Infinity)).toBeCloseTo(201 + 103 + 200 + 250, 12);
  });

  it('top, topKey and pop order follow the keys', () => {
    const { ladder, a, b, c, d } = build();
    expect(ladder.openCount).toBe(4);
    expect(ladder.topKey()).toBe(500);
    expect(ladder.top()).toBe(d);
    expect(popAll(ladder)).toEqual([d, b, a, c]);
    expect(ladder.topKey()).toBe(-Infinity);
    expect(ladder.top()).toBe(-1);
    ladder.validate();
    // Emptied buckets hold exactly zero.
    for (let k = 0; k < ladder.bucketCount; k++) expect(ladder.keyBucketCollateral(k)).toBe(0);
  });
});

// ---------------------------------------------------------------------------

type Op =
  | { kind: 'add'; c: number; d: number; t: number }
  | { kind: 'modify'; pick: number; c: number; d: number }
  | { kind: 'close'; pick: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'insert'; pick: number }
  | { kind: 'pop' };

// Few distinct values so equal keys (ties) are common.
const coll = fc.constantFrom(1, 2, 4);
const debt = fc.constantFrom(10, 20, 40, 80);
const thr = fc.constantFrom(0.5, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), c: coll, d: debt, t: thr }),
  fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), c: coll, d: fc.oneof(debt, fc.constant(0)) }),
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('pop' as const) }),
);

function pick(list: number[], k: number): number {
  return list.length === 0 ? -1 : list[k % list.length];
}

function applyOp(book: AccountBook, l: Ladder, op: Op): void {
  const filed: number[] = [];
  const openUnfiled: number[] = [];
  for (let i = 0; i < book.length; i++) {
    if (l.has(i)) filed.push(i);
    else if (book.open[i] === 1) openUnfiled.push(i);
  }
  switch (op.kind) {
    case 'add':
      if (book.length < book.capacity) l.add(op.c, op.d, op.t);
      break;
    case 'modify': {
      const i = pick(filed.concat(openUnfiled), op.pick);
      if (i >= 0) l.modify(i, op.c, op.d);
      break;
    }
    case 'close': {
      const i = pick(filed.concat(openUnfiled), op.pick);
      if (i >= 0) l.close(i);
      break;
    }
    case 'remove': {
      const i = pick(filed, op.pick);
      if (i >= 0) l.remove(i);
      break;
    }
    case 'insert': {
      const i = pick(openUnfiled, op.pick);
      if (i >= 0) l.insert(i);
      break;
    }
    case 'pop':
      l.popTop();
      break;
  }
}

const SMALL_GRID: LadderGrid = { keyMin: 1, keyMax: 1e3, bucketBps: 100 };

describe('heap against a brute-force sorted list (fast-check)', () => {
  it('top, topKey, openCount and the full pop order match after any sequence of insert/update/remove/popTop', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const book = new AccountBook(48);
        const l = new Ladder(book, SMALL_GRID);
        for (const op of ops) {
          applyOp(book, l, op);
          const want = bruteOrder(book, l);
          const ctx = `ops=${JSON.stringify(ops)}`;
          if (l.openCount !== want.length) throw new Error(`openCount ${l.openCount} != ${want.length}; ${ctx}`);
          if (l.top() !== (want[0]?.i ?? -1)) throw new Error(`top ${l.top()} != ${want[0]?.i}; ${ctx}`);
          if (l.topKey() !== (want[0]?.key ?? -Infinity)) throw new Error(`topKey ${l.topKey()} != ${want[0]?.key}; ${ctx}`);
          l.validate(1e-12, 1e-12);
        }
        const want = bruteOrder(book, l).map((x) => x.i);
        const got = popAll(l);
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`pop order ${got} != ${want}; ops=${JSON.stringify(ops)}`);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});

// ---------------------------------------------------------------------------

/** A ladder of n accounts with keys log-uniform in [60, 180] and LT in [0.75, 1], on a 1 bp grid around 100. */
function randomLadder(n: number, seed: number, capacity = n) {
  const rng = new Rng(seed);
  const book = new AccountBook(capacity);
  for (let k = 0; k < n; k++) {
    const c = 0.1 + 10 * rng.uniform();
    const lt = 0.75 + 0.25 * rng.uniform();
    const key = 60 * Math.exp(Math.log(3) * rng.uniform());
    book.add(c, key * c * lt, lt);
  }
  const ladder = Ladder.fromBook(book, ladderGridAround(100, { bucketBps: 1 }));
  return { book, ladder, rng };
}

/** Exact Σ over filed accounts with value(i) in [lo, hi). */
function brute(book: AccountBook, l: Ladder, lo: number, hi: number, by: 'key' | 'strike', what: 'c' | 'd'): number {
  let s = 0;
  for (let i = 0; i < book.length; i++) {
    if (!l.has(i)) continue;
    const v = by === 'key' ? book.key(i) : book.debt[i] / book.collateral[i];
    if (v >= lo && v < hi) s += what === 'c' ? book.collateral[i] : book.debt[i];
  }
  return s;
}

describe('bucketed sums against brute force, within the documented resolution', () => {
  const W = 1e-4; // bucket width, 1 bp

  function checkWindows(book: AccountBook, l: Ladder, rng: Rng, ctx: string): void {
    // Rounding slack: the Fenwick prefix difference and the brute sum each carry a few ulps of the total.
    const slackFor = (what: 'c' | 'd') => 1e-12 * (what === 'c' ? book.totalCollateral() : book.totalDebt());
    for (let q = 0; q < 150; q++) {
      const a = 50 + 150 * rng.uniform();
      const b = q % 10 === 0 ? a * (1 + 1e-5) : 50 + 150 * rng.uniform(); // some windows inside one bucket
      const [lo, hi] = a < b ? [a, b] : [b, a];
      for (const by of ['key', 'strike'] as const) {
        for (const what of ['c', 'd'] as const) {
          const est =
            by === 'key' ? (what === 'c' ? l.collateralWithKeyIn(lo, hi) : l.debtWithKeyIn(lo, hi)) : what === 'c' ? l.collateralWithStrikeIn(lo, hi) : l.debtWithStrikeIn(lo, hi);
          const exact = brute(book, l, lo, hi, by, what);
          const mass = (k: number) =>
            by === 'key' ? (what === 'c' ? l.keyBucketCollateral(k) : l.keyBucketDebt(k)) : what === 'c' ? l.strikeBucketCollateral(k) : l.strikeBucketDebt(k);
          const bl = l.bucketOf(lo);
          const bh = l.bucketOf(hi);
          const endMass = bl === bh ? mass(bl) : mass(bl) + mass(bh);
          const case_ = `${ctx} ${by}/${what} [${lo}, ${hi}) est=${est} exact=${exact}`;
          const SLACK = slackFor(what);
          // Bound 1: the error is at most the mass of the buckets holding lo and hi.
          expect(Math.abs(est - exact), case_).toBeLessThanOrEqual(endMass + SLACK);
          // Bound 2: between the exact sums over the window shrunk and grown by one bucket at each end.
          const inner = hi / (1 + W) > lo * (1 + W) ? brute(book, l, lo * (1 + W), hi / (1 + W), by, what) : 0;
          const outer = brute(book, l, lo / (1 + W), hi * (1 + W), by, what);
          expect(est, case_).toBeGreaterThanOrEqual(inner - SLACK);
          expect(est, case_).toBeLessThanOrEqual(outer + SLACK);
        }
      }
    }
  }

  it('on a fresh ladder of 3000 accounts (bulk-built)', () => {
    const { book, ladder, rng } = randomLadder(3000, 21);
    ladder.validate();
    checkWindows(book, ladder, rng, 'fresh');
  });

  it('after 5000 random modifications, closes and pops (incremental state)', () => {
    const { book, ladder, rng } = randomLadder(3000, 22, 3500);
    for (let k = 0; k < 5000; k++) {
      const u = rng.uniform();
      if (u < 0.05 && book.length < book.capacity) {
        ladder.add(1 + rng.uniform(), 100 + 50 * rng.uniform(), 0.9);
      } else if (u < 0.1) {
        ladder.popTop();
      } else {
        const i = rng.int(book.length);
        if (book.open[i] === 0) continue;
        if (u < 0.15) ladder.close(i);
        else ladder.modify(i, book.collateral[i] * (0.5 + rng.uniform()), book.debt[i] * (0.6 + 0.8 * rng.uniform()));
      }
    }
    ladder.validate();
    checkWindows(book, ladder, rng, 'modified');
  });

  it('pro-rating is accurate for a dense, smooth ladder: far inside the whole-bucket bound', () => {
    // 200,000 accounts spread evenly in log key: a partial bucket holds ~2 accounts, and
    // pro-rating should miss by about one account's collateral, not by the whole bucket mass.
    const { book, ladder } = randomLadder(200_000, 23);
    const lo = 90.123456;
    const hi = 110.98765;
    const exact = brute(book, ladder, lo, hi, 'key', 'c');
    const est = ladder.collateralWithKeyIn(lo, hi);
    expect(Math.abs(est - exact), `est=${est} exact=${exact}`).toBeLessThan(25); // ~2 accounts of mean 5 units, 2.5 sd
    expect(Math.abs(est - exact) / exact).toBeLessThan(2e-4);
  });

  it('range sums equal the incremental ladder built by inserts (1e-12 relative) and pop in the same order', () => {
    const { book, ladder } = randomLadder(2000, 24);
    const inc = new Ladder(book, ladder.grid);
    for (let i = 0; i < book.length; i++) inc.insert(i);
    for (const [lo, hi] of [[0, Infinity], [70, 95], [99.5, 100.5], [150, 400]] as const) {
      const a = ladder.collateralWithKeyIn(lo, hi);
      const b = inc.collateralWithKeyIn(lo, hi);
      expect(Math.abs(a - b), `[${lo}, ${hi}) ${a} vs ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, a));
    }
    expect(popAll(inc)).toEqual(popAll(ladder));
  });
});

describe('bad-debt exposure: the strip of puts struck at debt/collateral', () => {
  it('equals Σ max(debt − collateral·P, 0) within P · bucket width · collateral of the bucket holding P', () => {
    const { book, ladder, rng } = randomLadder(3000, 31);
    for (let k = 0; k < 200; k++) {
      const p = 30 + 170 * rng.uniform();
      let exact = 0;
      for (let i = 0; i < book.length; i++) exact += Math.max(book.debt[i] - book.collateral[i] * p, 0);
      const est = ladder.badDebtExposure(p);
      const bp = ladder.bucketOf(p);
      const bound = p * 1e-4 * ladder.strikeBucketCollateral(bp) + 1e-9 * Math.max(1, exact);
      const ctx = `P=${p} est=${est} exact=${exact}`;
      expect(est, ctx).toBeLessThanOrEqual(exact + 1e-9 * Math.max(1, exact)); // the partial bucket is a lower bound (Jensen)
      expect(exact - est, ctx).toBeLessThanOrEqual(bound);
    }
  });

  it('the bucket iterator covers every account once: counts, collateral and debt add up, mean strikes lie in their buckets', () => {
    const { book, ladder } = randomLadder(3000, 32);
    let n = 0;
    let c = 0;
    let d = 0;
    let lastHi = 0;
    ladder.forEachStrikeBucket(0, Infinity, (lo, hi, bc, bd, count) => {
      const mean = bd / bc;
      expect(lo, `bucket [${lo}, ${hi})`).toBeGreaterThanOrEqual(lastHi);
      expect(mean, `bucket [${lo}, ${hi}) mean strike`).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
      expect(mean, `bucket [${lo}, ${hi}) mean strike`).toBeLessThan(hi * (1 + 1e-12));
      lastHi = hi;
      n += count;
      c += bc;
      d += bd;
    });
    expect(n).toBe(book.openCount);
    expect(c).toBeCloseTo(book.totalCollateral(), 9);
    expect(d).toBeCloseTo(book.totalDebt(), 6);
    // A sub-range visits only buckets that meet it.
    ladder.forEachStrikeBucket(80, 81, (lo, hi) => {
      expect(hi > 80 && lo < 81, `[${lo}, ${hi})`).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------

describe('rollback', () => {
  /** A bar of liquidations with close factor 0.5 and a few other changes, all inside the journal. */
  function tryBar(book: AccountBook, l: Ladder, rng: Rng, price: number): number {
    let changes = 0;
    while (l.topKey() > price) {
      const i = l.popTop();
      const seized = (0.5 * book.debt[i] * 1.01) / price;
      if (seized >= book.collateral[i] || rng.uniform() < 0.1) book.close(i);
      else l.modify(i, book.collateral[i] - seized, 0.5 * book.debt[i]);
      changes++;
    }
    for (let k = 0; k < 20; k++) {
      const u = rng.uniform();
      if (u < 0.3 && book.length < book.capacity) l.add(1 + rng.uniform(), 50 + 60 * rng.uniform(), 0.85);
      else if (u < 0.5) l.popTop(); // popped and left out: must come back on rollback
      else {
        const i = rng.int(book.length);
        if (book.open[i] === 1) l.modify(i, book.collateral[i] * 1.1, book.debt[i] * 0.95);
      }
      changes++;
    }
    return changes;
  }

  const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

  it('restores the book and every bucket array bit for bit, and the same liquidation order', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = randomLadder(800, 40 + seed, 1000);
      const twin = randomLadder(800, 40 + seed, 1000);
      const rng = new Rng(seed);
      // Some history before the journal, so the state is not a fresh build.
      tryBar(a.book, a.ladder, rng, 170);
      tryBar(twin.book, twin.ladder, new Rng(seed), 170);
      const before = [a.book.collateral, a.book.debt, a.book.threshold, a.book.open, a.ladder.bucketStore].map(bytes);
      const scalars = [a.book.length, a.book.openCount, a.book.totalCollateral(), a.book.totalDebt(), a.ladder.openCount];
      a.ladder.beginJournal();
      const price = 120 + 30 * rng.uniform();
      const changes = tryBar(a.book, a.ladder, rng, price);
      expect(changes, `seed ${seed}`).toBeGreaterThan(20);
      a.ladder.rollback();
      const after = [a.book.collateral, a.book.debt, a.book.threshold, a.book.open, a.ladder.bucketStore].map(bytes);
      for (let k = 0; k < before.length; k++) expect(after[k].equals(before[k]), `seed ${seed} price ${price}: array ${k} differs`).toBe(true);
      expect([a.book.length, a.book.openCount, a.book.totalCollateral(), a.book.totalDebt(), a.ladder.openCount], `seed ${seed}`).toEqual(scalars);
      a.ladder.validate();
      // Equal keys are ordered by index, so the heap's layout after rollback cannot change who goes first.
      expect(popAll(a.ladder), `seed ${seed}`).toEqual(popAll(twin.ladder));
    }
  });

  it('commit keeps the bar: the ladder stays consistent and a later rollback undoes only the later bar', () => {
    const { book, ladder, rng } = randomLadder(500, 50, 800);
    ladder.beginJournal();
    tryBar(book, ladder, rng, 150);
    ladder.commitJournal();
    ladder.validate();
    const kept = bytes(ladder.bucketStore);
    ladder.beginJournal();
    tryBar(book, ladder, rng, 130);
    ladder.rollback();
    expect(bytes(ladder.bucketStore).equals(kept)).toBe(true);
    ladder.validate();
  });
});

describe('story: a falling price liquidates exactly the accounts whose key/m it crosses', () => {
  // Ten accounts with liquidation keys 91..100 (collateral 1, LT 1); threshold multiplier m.
  const KEYS = [91, 92, 93, 94, 95, 96, 97, 98, 99, 100];
  it.each([
    { m: 1, price: 95.5, liquidated: 5 }, // keys 96..100 are above 95.5
    { m: 1, price: 90, liquidated: 10 },
    { m: 0.95, price: 100, liquidated: 5 }, // liquidatable when key > m·P = 95: 96..100
    { m: 1.05, price: 90, liquidated: 6 }, // a looser m: key > 94.5, i.e. 95..100
  ])('m=$m, price $price: $liquidated liquidated', ({ m, price, liquidated }) => {
    const book = new AccountBook(KEYS.length);
    const l = new Ladder(book, ladderGridAround(100));
    for (const k of KEYS) l.add(1, k, 1);
    let n = 0;
    // collateral · P · LT · m < debt  ⇔  key > m · P (types.ts).
    while (l.topKey() > m * price) {
      const i = l.popTop();
      expect(book.key(i) / m, `m=${m} price=${price}: popped account ${i}`).toBeGreaterThan(price);
      n++;
    }
    expect(n, `m=${m} price=${price}`).toBe(liquidated);
    // Nobody left in the ladder is liquidatable.
    expect(l.topKey() / m <= price).toBe(true);
  });
});

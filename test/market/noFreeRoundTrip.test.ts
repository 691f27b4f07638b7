/**
 * No free round trip (Huberman & Stanzl 2004; Gatheral 2010, "no dynamic
 * arbitrage"): alone in the market, on a flat history, a trader who buys q and
 * later sells q (or the mirror) must not end with more cash than it started
 * with, however the trip is cut into pieces and spread over bars.
 *
 * - linear: holds for any split and timing, any permanent fraction and
 *   half-life, even with no half-spread (the only slack is rounding).
 * - book: holds when the opening orders all go in within one bar and the
 *   closing orders all go in within one bar (any delay between). It FAILS when the opening is spread over bars: startBar
 *   re-centres BOTH sides on the pushed mid (book.ts, startBar:
 *   `this.jAnchor = this.j`, with depth kept by index in refillSide). The
 *   opening side was emptied by the trader's own earlier pieces, so a later
 *   piece walks thin levels and moves J far per unit; the untouched closing
 *   side is moved up with the mid at full depth and gives back only q / D on
 *   the way out. The trader buys the move at thin-book rates and sells it at
 *   full-book rates. Pinned below with its mechanism.
 * - book, second failure: even one opening order profits if the close is split
 *   over bars with a fast refill, because a fresh book's first level holds a
 *   full level's depth but spans only the half-spread in the front
 *   interpolation (book.ts execute: `prev = kEnd === 0 ? 0 : off[kEnd − 1]`):
 *   small pieces sold into fresh books move the mid less per unit than the one
 *   big buy moved it up. Pinned below.
 * - sqrt: holds with no permanent part or with no resilience; fails with both,
 *   because the permanent part pf · (F(Q+q) − F(Q)) is concave in volume once
 *   Q has decayed between pieces (sqrt.ts execute and startBar `q *= f`).
 *   Pinned below.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLiquidityModel } from '../../src/market/factory.js';
import { makeFill, type LiquidityModel } from '../../src/market/liquidity.js';
import { C0, MIN, bar, bookConfig, linearConfig, sqrtConfig, type Overrides } from './helpers.js';
import type { LiquidityConfig } from '../../src/market/config.js';

/** Profit allowed per unit of gross traded notional: rounding in exp/log and path averages only. */
const ROUNDING = 1e-12;
const RUNS = 300;

interface Plan {
  /** +1: buy then sell; −1: sell then buy. */
  dir: 1 | -1;
  /** Opening pieces, base units (> 0). */
  open: number[];
  /** Bars between opening pieces. */
  openGap: number;
  /** Bars between the last opening piece and the first closing piece (0 = same bar). */
  hold: number;
  /** Number of equal closing pieces (the last one closes exactly). */
  closePieces: number;
  /** Bars between closing pieces. */
  closeGap: number;
}

interface Trip {
  /** Cash at the end, quote (the position is exactly flat). */
  pnl: number;
  /** Σ |size| · price over all fills, quote. */
  gross: number;
  /** ln(midAfter / midBefore) of every fill, in order. */
  moves: number[];
}

function advance(m: LiquidityModel, bars: number): void {
  for (let i = 0; i < bars; i++) m.startBar(bar(C0, MIN));
}

/** Runs a plan on a fresh model on a flat history of 1-minute bars: no other trader, no exogenous move. */
function roundTrip(cfg: LiquidityConfig, p: Plan): Trip {
  const m = createLiquidityModel(cfg);
  m.startBar(bar(C0, 0));
  const f = makeFill();
  let cash = 0;
  let pos = 0;
  let gross = 0;
  const moves: number[] = [];
  const fill = (size: number): void => {
    m.execute(size, f);
    cash -= f.size * f.price;
    pos += f.size;
    gross += Math.abs(f.size) * f.price;
    moves.push(Math.log(f.midAfter / f.midBefore));
  };
  p.open.forEach((q, i) => {
    if (i > 0) advance(m, p.openGap);
    fill(p.dir * q);
  });
  advance(m, p.hold);
  const total = pos;
  for (let i = 0; i < p.closePieces; i++) {
    if (i > 0) advance(m, p.closeGap);
    fill(i === p.closePieces - 1 ? -pos : -total / p.closePieces);
  }
  return { pnl: cash, gross, moves };
}

const piece = fc.double({ min: 0.01, max: 600, noNaN: true });
/** Round trips whose opening pieces are `openGap` bars apart and whose closing pieces are `closeGap` bars apart. */
const planArb = (openGap: fc.Arbitrary<number>, closeGap: fc.Arbitrary<number>): fc.Arbitrary<Plan> => fc.record({
  dir: fc.constantFrom<1 | -1>(1, -1),
  open: fc.array(piece, { minLength: 1, maxLength: 4 }),
  openGap,
  hold: fc.integer({ min: 0, max: 40 }),
  closePieces: fc.integer({ min: 1, max: 4 }),
  closeGap,
});
const anyGap = fc.integer({ min: 0, max: 5 });
const halfLife = fc.constantFrom(0.25 * MIN, MIN, 5 * MIN, 15 * MIN, 60 * MIN, Infinity);
const dynamics: fc.Arbitrary<Overrides> = fc.record({
  permanentFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  transientHalfLifeMs: halfLife,
  refillHalfLifeMs: halfLife,
});

function checkNoProfit(name: string, cfg: (o: Overrides) => LiquidityConfig, spread: Overrides, plans: fc.Arbitrary<Plan>, seed: number, dyn: fc.Arbitrary<Overrides> = dynamics): void {
  fc.assert(fc.property(dyn, plans, (o, p) => {
    const t = roundTrip(cfg({ ...o, ...spread }), p);
    if (!(t.pnl <= ROUNDING * t.gross)) {
      throw new Error(`${name}: free round trip pnl=${t.pnl} gross=${t.gross} o=${JSON.stringify(o)} plan=${JSON.stringify(p)}`);
    }
  }), { numRuns: RUNS, seed });
}

describe('no free round trip', () => {
  // No half-spread: the impact alone must not pay, so the only slack left is rounding.
  it('linear: never profits, for any split, delay, permanent fraction and half-life', () => {
    checkNoProfit('linear', linearConfig, { halfSpreadBps: 0 }, planArb(anyGap, anyGap), 11);
  });

  it('sqrt: never profits when all impact is transient (permanentFraction 0), for any split, delay and half-life', () => {
    checkNoProfit('sqrt', sqrtConfig, { halfSpreadBps: 0 }, planArb(anyGap, anyGap), 12,
      fc.record({ permanentFraction: fc.constant(0), transientHalfLifeMs: halfLife, refillHalfLifeMs: halfLife }));
  });

  it('sqrt: never profits without resilience (the metaorder never decays), for any split, delay and permanent fraction', () => {
    checkNoProfit('sqrt', sqrtConfig, { halfSpreadBps: 0 }, planArb(anyGap, anyGap), 14,
      fc.record({ permanentFraction: fc.double({ min: 0, max: 1, noNaN: true }), transientHalfLifeMs: fc.constant(Infinity), refillHalfLifeMs: halfLife }));
  });

  it('book: never profits when the opening pieces share one bar and the closing pieces share one bar, whatever the delay between', () => {
    checkNoProfit('book', bookConfig, {}, planArb(fc.constant(0), fc.constant(0)), 13);
  });

  it('the harness measures cash right: linear, no spread, hand-computed loss after one transient half-life', () => {
    // D = $20M / (0.01 · $100k) = 20,000 base per unit log-price, so 200 base move J by 0.01. Buy average:
    // C0 (e^0.01 − 1) / 0.01. Fifteen 1-minute bars = one half-life: J = 0.01 (2/3 + 1/3 · 0.5). The sell walks
    // J back down by 0.01: average C0 e^J (1 − e^−0.01) / 0.01.
    const dJ = 0.01;
    const buyAvg = (C0 * Math.expm1(dJ)) / dJ;
    const sellAvg = (C0 * Math.exp(dJ * (2 / 3 + 0.5 / 3)) * -Math.expm1(-dJ)) / dJ;
    const want = 200 * (sellAvg - buyAvg);
    const t = roundTrip(linearConfig({ halfSpreadBps: 0 }), { dir: 1, open: [200], openGap: 0, hold: 15, closePieces: 1, closeGap: 0 });
    expect(want).toBeLessThan(-1000);
    expect(Math.abs(t.pnl - want)).toBeLessThan(1e-9 * Math.abs(want));
    // Straight back within the bar: the mean along the path up equals the mean along the path down, so 0 to rounding.
    const now = roundTrip(linearConfig({ halfSpreadBps: 0 }), { dir: 1, open: [200], openGap: 0, hold: 0, closePieces: 1, closeGap: 0 });
    expect(Math.abs(now.pnl)).toBeLessThan(ROUNDING * now.gross);
  });
});

describe('book: a round trip whose opening spans bars can profit (pinned counterexample)', () => {
  // Defaults of the helper book: flat grid, 1 bp levels, $20M within 1% (200 BTC at $100k), permanent 2/3,
  // transient half-life 15 min, refill half-life 5 min.
  const plan: Plan = { dir: 1, open: [100, 100], openGap: 1, hold: 1, closePieces: 1, closeGap: 0 };

  it('buy 100, one bar later buy 100, one bar later sell 200: ends with more cash', () => {
    const t = roundTrip(bookConfig(), plan);
    // Far above rounding: more than 1 bp of everything traded.
    expect(t.pnl).toBeGreaterThan(1e-4 * t.gross);
  });

  it('the mechanism: the second buy walks the levels the first emptied, so it moves the mid further than the first; the sell meets a full bid side', () => {
    const t = roundTrip(bookConfig(), plan);
    const [up1, up2, down] = t.moves;
    // 100 BTC against a full side of 200 BTC per 1%: about 0.5%.
    expect(up1).toBeGreaterThan(0.0045);
    expect(up1).toBeLessThan(0.0055);
    // The same 100 BTC a bar later, on a side refilled by only 1 − 0.5^(1/5) ≈ 13%: nearly twice as far.
    expect(up2).toBeGreaterThan(1.6 * up1);
    // 200 BTC sold into the re-centred, untouched bid side: about 1%, less than the 1.4% the buys pushed.
    expect(-down).toBeGreaterThan(0.009);
    expect(-down).toBeLessThan(0.011);
    expect(up1 + up2).toBeGreaterThan(-down + 0.003);
  });

  it('controls: the same plan loses when the book is full again at each bar start, or when the 200 BTC go in as one order', () => {
    expect(roundTrip(bookConfig({ refillHalfLifeMs: 1 }), plan).pnl).toBeLessThan(0);
    expect(roundTrip(bookConfig(), { ...plan, open: [200], hold: 2 }).pnl).toBeLessThan(0);
  });

  it('it is not transient decay: with everything permanent and no resilience at all the split trip still profits', () => {
    const t = roundTrip(bookConfig({ permanentFraction: 1, transientHalfLifeMs: Infinity, refillHalfLifeMs: Infinity }), plan);
    expect(t.pnl).toBeGreaterThan(0);
  });
});

describe('book: a round trip whose close spans bars can profit (pinned counterexample)', () => {
  // Everything transient but never decaying (so J stays where orders put it) and an instant refill (1 ms):
  // each bar starts with a full, freshly centred book.
  const o: Overrides = { permanentFraction: 0, transientHalfLifeMs: Infinity, refillHalfLifeMs: 1 };
  const plan: Plan = { dir: 1, open: [100], openGap: 0, hold: 1, closePieces: 8, closeGap: 1 };

  it('buy 100 in one order, then sell it in 8 pieces one bar apart: ends with more cash', () => {
    const t = roundTrip(bookConfig(o), plan);
    expect(t.pnl).toBeGreaterThan(1e-5 * t.gross);
    // Control: the same 100 sold in one order a bar later loses.
    expect(roundTrip(bookConfig(o), { ...plan, closePieces: 1 }).pnl).toBeLessThan(0);
  });

  it('the mechanism: the first level holds a full level but spans only the half-spread, so a fresh book is twice as deep at the touch', () => {
    const m = createLiquidityModel(bookConfig(o));
    m.startBar(bar(C0, 0));
    const level0 = (m as unknown as { quotes(): { bids: Array<[number, number]> } }).quotes().bids[0][1];
    const f = makeFill();
    // Selling exactly level 0 fills at mid · e^−0.5bp and leaves the mid there: the half-spread is not a cost against the
    // mid after the order, and the next bar re-creates the level 0.5 bp below the new mid.
    m.execute(-level0, f);
    expect(Math.log(f.midAfter / f.midBefore)).toBeCloseTo(-0.5e-4, 12);
    expect(f.price / f.midAfter).toBeCloseTo(1, 12);
    // The same amount again in the same bar eats level 1 and moves the mid a whole 1 bp.
    m.execute(-level0, f);
    expect(Math.log(f.midAfter / f.midBefore)).toBeCloseTo(-1e-4, 12);
    // So 8 pieces of 12.5 walk the mid down by less than one order of 100 walked it up.
    const t = roundTrip(bookConfig(o), plan);
    const up = t.moves[0];
    const down = -t.moves.slice(1).reduce((a, b) => a + b, 0);
    expect(up - down).toBeGreaterThan(3e-4);
  });
});

describe('sqrt: a permanent part makes a split buy pay (pinned counterexample)', () => {
  // Pieces spaced beyond the metaorder memory each start from Q ≈ 0, so each moves J by the full c·sqrt(q_i) and
  // leaves permanentFraction of it: the permanent impact of the split buy is pf·c·Σ sqrt(q_i) = pf·c·sqrt(n·Q) for n
  // equal pieces, sqrt(n) times what one order of Q leaves. The buyer pays each piece's own small impact and then sells
  // Q at once from the higher permanent level. Huberman & Stanzl (2004): permanent impact must be linear in volume.
  const o: Overrides = { transientHalfLifeMs: MIN };
  const plan: Plan = { dir: 1, open: Array<number>(16).fill(100 / 16), openGap: 10, hold: 30, closePieces: 1, closeGap: 0 };

  it('16 buys of 6.25 ten minutes apart, then one sell of 100, with the default half-spread: ends with more cash', () => {
    const t = roundTrip(sqrtConfig(o), plan);
    expect(t.pnl).toBeGreaterThan(1e-4 * t.gross);
    // Controls: the same trip with no permanent part, or with the 100 bought in one order, loses.
    expect(roundTrip(sqrtConfig({ ...o, permanentFraction: 0 }), plan).pnl).toBeLessThan(0);
    expect(roundTrip(sqrtConfig(o), { ...plan, open: [100] }).pnl).toBeLessThan(0);
  });

  it('the mechanism: the permanent log impact of 16 spaced pieces is sqrt(16) = 4 times that of one order', () => {
    const left = (open: number[]): number => {
      const m = createLiquidityModel(sqrtConfig(o));
      m.startBar(bar(C0, 0));
      const f = makeFill();
      open.forEach((q, i) => {
        if (i > 0) advance(m, plan.openGap);
        m.execute(q, f);
      });
      advance(m, plan.hold);
      return m.logImpact();
    };
    // After 30 half-lives what is left is permanent: pf · Σ (F(Q_i + q) − F(Q_i)), with Q_i the memory left when piece i
    // arrives (2^−10 of the last, 10 half-lives later). Divided by one order's pf · F(100) the c and pf cancel.
    const q = 100 / 16;
    const r = Math.pow(0.5, plan.openGap);
    let memory = 0;
    let sum = 0;
    for (let i = 0; i < 16; i++) {
      sum += Math.sqrt(memory + q) - Math.sqrt(memory);
      memory = (memory + q) * r;
    }
    const want = sum / Math.sqrt(100);
    expect(want).toBeGreaterThan(3.8); // close to sqrt(16) = 4: the residual memory trims about 3%
    expect(Math.abs(left(plan.open) / left([100]) - want)).toBeLessThan(1e-6);
  });
});

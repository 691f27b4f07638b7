/**
 * The perp venue on hand-made books (docs/model.md#perpetual-venue): who pays
 * funding and how much, the premium formula, who is auto-deleveraged, in what
 * order and at what price, and that value moves between the sides without
 * being created. Every expected figure is worked by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { MS_PER_HOUR } from '../../src/core/time.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { Ladder, ladderGridAround } from '../../src/protocol/ladder.js';
import { adlScore } from '../../src/protocol/perp/adl.js';
import { premiumFundingRate } from '../../src/protocol/perp/funding.js';
import { parseFundingSeries } from '../../src/protocol/perp/fundingSeries.js';
import { ShortBook } from '../../src/protocol/perp/shorts.js';
import { indexAt, PerpVenue } from '../../src/protocol/perp/venue.js';
import type { MarketView } from '../../src/sim/agent.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { Recorder } from '../../src/sim/recorder.js';

const T0 = Date.UTC(2025, 9, 10); // 00:00 UTC, a funding time
const H8 = 8 * MS_PER_HOUR;
const BINANCE = { interest: 0.0001, clamp: 0.0005, cap: 0.0075 };

/** The fields of a MarketView the venue reads. */
function view(bar: number, time: number, mark: number, index: number): MarketView {
  return { bar, time, refPrice: index, mid: () => mark } as unknown as MarketView;
}

/** Two longs (3 units) and two shorts (3 units): open interest balances. */
function books() {
  const longs = new AccountBook(4);
  const ladder = new Ladder(longs, ladderGridAround(100));
  ladder.add(2, 150, 0.99); // long A: 2 units owing 150
  ladder.add(1, 80, 0.99); // long B: 1 unit owing 80
  const shorts = new ShortBook(4);
  shorts.add(1, 100, 20); // short S0
  shorts.add(2, 110, 50); // short S1
  return { longs, ladder, shorts };
}

const SERIES = [
  'calc_time,funding_interval_hours,last_funding_rate',
  `${T0 - H8},8,0.0003`, // before the run: already paid, never applied
  `${T0 + H8},8,0.0001`,
  `${T0 + 2 * H8},8,-0.0002`,
  '',
].join('\n');

describe('funding from a settled series (Binance fundingRate layout)', () => {
  it('longs pay shorts rate·mark·size at a positive rate and receive at a negative one, moving liquidation prices', () => {
    const { longs, ladder, shorts } = books();
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: parseFundingSeries(SERIES, 'f.csv'), fundingOn: true, adlOn: true, barMs: 60_000 });
    const rec = new Recorder(3);
    venue.declareColumns(rec);
    const changed: number[] = [];
    const keyA0 = longs.key(0);
    venue.beginBar(view(0, T0, 100, 100), ladder, (a) => changed.push(a));
    expect(longs.debt[0]).toBe(150); // the row before the run is not paid again
    venue.endBar(view(0, T0, 100, 100));
    // 08:00 at mark 100, rate 0.0001: A pays 0.0001·100·2 = 0.02, B 0.01; S0 receives 0.01, S1 0.02.
    venue.beginBar(view(1, T0 + H8, 100, 100), ladder, (a) => changed.push(a));
    expect(longs.debt[0]).toBeCloseTo(150.02, 12);
    expect(longs.debt[1]).toBeCloseTo(80.01, 12);
    expect(shorts.margin[0]).toBeCloseTo(20.01, 12);
    expect(shorts.margin[1]).toBeCloseTo(50.02, 12);
    expect(changed).toEqual([0, 1]);
    // A's liquidation price d/(c·LT) rose with its debt: 150.02/(2·0.99) against 150/(2·0.99).
    expect(longs.key(0) - keyA0).toBeCloseTo(0.02 / (2 * 0.99), 12);
    venue.endBar(view(1, T0 + H8, 100, 100));
    // 16:00 at mark 90, rate −0.0002: shorts pay longs 0.0002·90 = 0.018 per unit.
    venue.beginBar(view(2, T0 + 2 * H8, 90, 100), ladder, () => {});
    expect(longs.debt[0]).toBeCloseTo(150.02 - 0.036, 12);
    expect(longs.debt[1]).toBeCloseTo(80.01 - 0.018, 12);
    expect(shorts.margin[0]).toBeCloseTo(20.01 - 0.018, 12);
    expect(shorts.margin[1]).toBeCloseTo(50.02 - 0.036, 12);
    venue.endBar(view(2, T0 + 2 * H8, 90, 100));
    const f = venue.summaryFigures();
    expect(f.fundingPayments).toBe(2);
    expect(f.fundingPaidByLongs).toBeCloseTo(0.03 - 0.054, 12);
    // Open interest balances, so nobody outside the books pays.
    expect(f.fundingReceivedByShorts).toBeCloseTo(f.fundingPaidByLongs, 12);
    expect(f.fundingFromOtherLongs).toBeCloseTo(0, 12);
    expect(rec.get('funding_rate')[1]).toBe(0.0001);
    expect(rec.get('funding_paid_by_longs_quote')[1]).toBeCloseTo(0.03, 12);
    expect(Number.isNaN(rec.get('funding_rate')[0])).toBe(true);
  });

  it('counts what the longs the ladder no longer holds pay when open interest is unbalanced', () => {
    const { ladder, shorts } = books();
    ladder.close(1); // long B sold to the book: its buyer is a long outside the ladder
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: parseFundingSeries(SERIES, 'f.csv'), fundingOn: true, adlOn: true, barMs: 60_000 });
    venue.beginBar(view(0, T0, 100, 100), ladder, () => {});
    venue.beginBar(view(1, T0 + H8, 100, 100), ladder, () => {});
    const f = venue.summaryFigures();
    // Ladder longs 2 units pay 0.02; shorts 3 units receive 0.03; the other long pays 0.01.
    expect(f.fundingPaidByLongs).toBeCloseTo(0.02, 12);
    expect(f.fundingReceivedByShorts).toBeCloseTo(0.03, 12);
    expect(f.fundingFromOtherLongs).toBeCloseTo(0.01, 12);
    expect(f.fundingPaidByLongs + f.fundingFromOtherLongs).toBe(f.fundingReceivedByShorts);
  });
});

describe('funding from the premium (Binance formula)', () => {
  // F = P + clamp(I − P, −c, c), capped at ±cap; worked by hand per row.
  const CASES: ReadonlyArray<[string, number, number]> = [
    ['no premium: the interest part alone', 0, 0.0001],
    ['small premium inside the clamp: I', 0.0003, 0.0001],
    ['premium above I + c: P − c', 0.002, 0.0015],
    ['mark under the index by 1%: cap −0.75%', -0.01, -0.0075],
    ['mark under by 0.2%: P + c', -0.002, -0.0015],
  ];
  for (const [name, p, want] of CASES) {
    it(name, () => expect(premiumFundingRate(p, BINANCE)).toBeCloseTo(want, 15));
  }

  it('pays at every 8-hour mark after the first bar, from the mean premium of the bars since the last', () => {
    const { longs, ladder, shorts } = books();
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: null, fundingOn: true, adlOn: true, barMs: 60_000 });
    const bar = 4 * MS_PER_HOUR;
    // Bars at 00:00 and 04:00 with premiums −0.1% and −0.3% (mean −0.2%): F = −0.002 + 0.0005 = −0.0015 at 08:00.
    venue.beginBar(view(0, T0, 99.9, 100), ladder, () => {});
    venue.endBar(view(0, T0, 99.9, 100));
    venue.beginBar(view(1, T0 + bar, 99.7, 100), ladder, () => {});
    venue.endBar(view(1, T0 + bar, 99.7, 100));
    expect(longs.debt[0]).toBe(150);
    venue.beginBar(view(2, T0 + 2 * bar, 99.5, 100), ladder, () => {});
    // Shorts pay longs 0.0015 · 99.5 per unit (the mark as the bar opens).
    const perUnit = 0.0015 * 99.5;
    expect(longs.debt[0]).toBeCloseTo(150 - 2 * perUnit, 12);
    expect(shorts.margin[1]).toBeCloseTo(50 - 2 * perUnit, 12);
  });
});

describe('auto-deleveraging', () => {
  const MARK = 80;
  /**
   * Four shorts at mark 80 (uPnL = size·(entry − 80), equity = margin + uPnL,
   * ratio = uPnL/margin, lev = size·80/equity):
   *   S0 1 @100 m50: uPnL 20, equity 70, ratio 0.4,  lev 8/7 → 0.4571
   *   S1 2 @ 90 m20: uPnL 20, equity 40, ratio 1,    lev 4   → 4
   *   S2 1 @ 70 m30: uPnL −10, equity 20, ratio −1/3, lev 4  → −1/12 (a loser: ratio/lev)
   *   S3 1 @100 m10: uPnL 20, equity 30, ratio 2,    lev 8/3 → 5.333
   * Queue: S3, S1, S0, S2.
   */
  function adlBooks() {
    const longs = new AccountBook(4);
    const ladder = new Ladder(longs, ladderGridAround(100));
    // A long of 2.5 units owing 225: bankrupt at 225/2.5 = 90, 10 under water per unit at 80.
    ladder.add(2.5, 225, 0.99);
    const shorts = new ShortBook(4);
    shorts.add(1, 100, 50);
    shorts.add(2, 90, 20);
    shorts.add(1, 70, 30);
    shorts.add(1, 100, 10);
    return { longs, ladder, shorts };
  }

  it('scores profit ratio × effective leverage as worked by hand', () => {
    expect(adlScore(1, 100, 50, MARK)).toBeCloseTo(0.4 * (80 / 70), 14);
    expect(adlScore(2, 90, 20, MARK)).toBeCloseTo(4, 14);
    expect(adlScore(1, 70, 30, MARK)).toBeCloseTo(-1 / 12, 14);
    expect(adlScore(1, 100, 10, MARK)).toBeCloseTo(16 / 3, 14);
    expect(adlScore(1, 100, 10, 200)).toBe(-Infinity); // equity 10 − 100 < 0
  });

  it('closes the bankrupt long against S3 then S1 at its bankruptcy price 90, and the shorts bear exactly its shortfall', () => {
    const { longs, ladder, shorts } = adlBooks();
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: null, fundingOn: false, adlOn: true, barMs: 60_000 });
    const ledger = new Ledger();
    ledger.endow(PARTY.accounts, 0, 2.5);
    const equityAt = (p: number): number => {
      let e = 0;
      for (let j = 0; j < shorts.length; j++) e += shorts.equity(j, p);
      return e;
    };
    const before = equityAt(MARK);
    const closed = venue.deleverage(0, ladder, ledger, MARK, T0, 7, 0);
    expect(closed).toBe(2.5);
    expect(longs.open[0]).toBe(0);
    const ev = venue.events;
    expect(ev.length).toBe(2);
    // S3 closes its whole unit at 90 (margin 10 + 1·(100 − 90) = 20); S1 closes 1.5 of 2 at 90 (margin 20 + 1.5·0 = 20).
    expect([ev.account[0], ev.size[0], ev.price[0], ev.rank[0]]).toEqual([3, -1, 90, 1]);
    expect([ev.account[1], ev.size[1], ev.price[1], ev.rank[1]]).toEqual([1, -1.5, 90, 2]);
    expect(Array.from(shorts.size)).toEqual([1, 0.5, 1, 0]);
    expect(shorts.margin[3]).toBe(20);
    expect(shorts.margin[1]).toBe(20);
    // Shortfall 2.5 · (90 − 80) = 25 comes out of the shorts' equity at the mark.
    expect(before - equityAt(MARK)).toBeCloseTo(25, 12);
    // The long's collateral went to the short side: assets moved, none created.
    expect(ledger.asset[PARTY.accounts]).toBe(0);
    expect(ledger.asset[PARTY.lenders]).toBe(2.5);
    expect(ledger.assetImbalance()).toBe(0);
    const f = venue.summaryFigures();
    expect([f.adlEvents, f.adlAccountsClosed, f.adlBase, f.adlVolume]).toEqual([2, 1, 2.5, 225]);
    // The bar's columns: open short size 5 − 2.5, matching the book summed afresh.
    const rec = new Recorder(8);
    venue.declareColumns(rec);
    venue.endBar(view(7, T0, MARK, MARK));
    expect(rec.get('open_short_base')[7]).toBe(2.5);
    expect(shorts.totalSize()).toBe(2.5);
    expect([rec.get('adl_events')[7], rec.get('adl_base')[7], rec.get('adl_volume_quote')[7]]).toEqual([2, 2.5, 225]);
  });

  it('leaves the rest of a long the short side cannot take open at the same bankruptcy price', () => {
    const longs = new AccountBook(2);
    const ladder = new Ladder(longs, ladderGridAround(100));
    ladder.add(4, 360, 0.99); // bankrupt at 90
    const shorts = new ShortBook(1);
    shorts.add(1.5, 100, 20);
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: null, fundingOn: false, adlOn: true, barMs: 60_000 });
    const ledger = new Ledger();
    ledger.endow(PARTY.accounts, 0, 4);
    expect(venue.deleverage(0, ladder, ledger, MARK, T0, 0, 0)).toBe(1.5);
    expect(longs.collateral[0]).toBe(2.5);
    expect(longs.debt[0] / longs.collateral[0]).toBeCloseTo(90, 12);
    // Nothing left to deleverage against: the caller liquidates as usual.
    expect(venue.deleverage(0, ladder, ledger, MARK, T0, 0, 0)).toBe(0);
  });

  it('rolls a tried bar back: sizes, margins and the event log come back as saved', () => {
    const { ladder, shorts } = adlBooks();
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: null, fundingOn: false, adlOn: true, barMs: 60_000 });
    const ledger = new Ledger();
    ledger.endow(PARTY.accounts, 0, 2.5);
    const buf = new Float64Array(venue.stateSize);
    venue.saveState(buf, 0);
    const size0 = Array.from(shorts.size);
    const margin0 = Array.from(shorts.margin);
    ladder.beginJournal();
    venue.deleverage(0, ladder, ledger, MARK, T0, 0, 0);
    ladder.rollback();
    venue.loadState(buf, 0);
    expect(Array.from(shorts.size)).toEqual(size0);
    expect(Array.from(shorts.margin)).toEqual(margin0);
    expect(venue.events.length).toBe(0);
    expect(venue.summaryFigures().adlEvents).toBe(0);
  });
});

describe('a loaded index', () => {
  const MIN = 60_000;
  it('is read once its bar has closed, never earlier (no look-ahead from a coarser index)', () => {
    const minute = { time: Float64Array.of(T0, T0 + MIN, T0 + 2 * MIN), close: Float64Array.of(100, 101, 102), stepMs: MIN };
    expect(indexAt(minute, T0 + MIN)).toBe(100); // the end of the first 1-minute bar: its close
    expect(indexAt(minute, T0 + MIN - 1)).toBeNaN();
    expect(indexAt(minute, T0 + 10 * MIN)).toBe(102);
    const hourly = { time: Float64Array.of(T0, T0 + 60 * MIN), close: Float64Array.of(100, 90), stepMs: 60 * MIN };
    // A 1-minute bar ending at 00:31 sees no hourly close yet; one ending at 01:00 sees 00:00's.
    expect(indexAt(hourly, T0 + 31 * MIN)).toBeNaN();
    expect(indexAt(hourly, T0 + 60 * MIN)).toBe(100);
  });

  it('sets the premium against the loaded index instead of the replayed close', () => {
    const { ladder, shorts } = books();
    const index = { time: Float64Array.of(T0), close: Float64Array.of(200), stepMs: 60_000 };
    const venue = new PerpVenue({ shorts, intervalMs: H8, premium: BINANCE, series: null, fundingOn: true, adlOn: true, barMs: 60_000, index });
    const rec = new Recorder(1);
    venue.declareColumns(rec);
    venue.beginBar(view(0, T0, 190, 100), ladder, () => {});
    venue.endBar(view(0, T0, 190, 100));
    // (190 − 200)/200 against the loaded index; the replayed close of 100 is not read.
    expect(rec.get('index_price')[0]).toBe(200);
    expect(rec.get('premium')[0]).toBeCloseTo(-0.05, 15);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { SeedTree } from '../../src/core/rng.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { OrderQueue } from '../../src/sim/orderQueue.js';
import { Recorder } from '../../src/sim/recorder.js';
import { CAUSE_CODE, TradeLog } from '../../src/sim/tradeLog.js';
import type { LinearLiquidityConfig } from '../../src/market/config.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import type { LiquidityModel } from '../../src/market/liquidity.js';
import { Venue } from '../../src/engine/venue.js';
import type { OrderFill } from '../../src/sim/fill.js';
import { ScriptedMid } from '../engine/helpers.js';
import { LotBook } from '../../src/protocol/lots.js';
import type { BackstopPoolMechanism } from '../../src/protocol/mechanisms/backstopPool.js';
import { AUCTION_STAT, type DutchAuctionMechanism } from '../../src/protocol/mechanisms/dutchAuction.js';
import {
  createMechanism, type BidderGroupConfig, type DutchAuctionConfig, type Mechanism, type MechanismConfig,
} from '../../src/protocol/mechanisms/factory.js';
import {
  InsuranceFund, SETTLE, makeSettlementResult, settleLot, type SettlementConfig, type SettlementResult,
} from '../../src/protocol/settlement.js';
import type { MechanismHost } from '../../src/protocol/types.js';

const MIN = 60_000;
const T0 = Date.UTC(2020, 2, 12);
const MAX_ROUNDS = 20;

const SETTLEMENT: SettlementConfig = {
  keeperShareOfPenalty: 0.5,
  penaltyCapFractionOfDebt: Infinity,
  lossPolicy: 'bad-debt',
  socializeParties: ['lenders'],
  socializeWeights: [1],
};

interface OpenSpec {
  bar: number;
  seized: number;
  debt: number;
}

interface SimOptions {
  mechanism: MechanismConfig;
  bars: number;
  /** Historical mid per bar (the fixed price path when `liquidity` is absent: fills at the mid, no impact). */
  midAt: (bar: number) => number;
  /** Protocol oracle per bar; default the bar's mid at its start. */
  oracleAt?: (bar: number) => number;
  gasAt?: (bar: number) => number;
  opens: readonly OpenSpec[];
  fundQuote?: number;
  settlement?: Partial<SettlementConfig>;
  liquidity?: LinearLiquidityConfig;
}

type Settled = SettlementResult & { bar: number };

/** A small MechanismHost: a ledger, a lot book, the settlement, and a scripted mid. */
class FakeHost implements MechanismHost {
  readonly ledger = new Ledger();
  bar = 0;
  time = T0;
  round = 0;
  oracle = 100;
  gasGwei = Number.NaN;
  readonly settled: Settled[] = [];
  constructor(
    readonly lots: LotBook,
    readonly fund: InsuranceFund,
    readonly cfg: SettlementConfig,
    readonly liquidity: LiquidityModel,
  ) {}
  mid(): number {
    return this.liquidity.mid();
  }
  closeLot(lot: number): void {
    const r = makeSettlementResult();
    settleLot(lot, this.lots, this.ledger, this.fund, this.cfg, r);
    this.settled.push({ ...r, bar: this.bar });
  }
}

interface FillRow {
  bar: number;
  round: number;
  party: number;
  cause: number;
  size: number;
  price: number;
}
interface OffBookRow {
  bar: number;
  lot: number;
  buyer: number;
  cause: number;
  size: number;
  price: number;
}

/**
 * Drives a mechanism bar by bar the way the engine and the protocol agent
 * will: beginBar, then rounds in which new lots open (round 0), the mechanism
 * acts, its off-book trades are drained, and its market orders go through the
 * engine's Venue (at the mid, or through a linear impact model), which
 * reports the fills back.
 */
class Sim {
  readonly lots = new LotBook(32);
  readonly host: FakeHost;
  readonly mech: Mechanism;
  readonly fund: InsuranceFund;
  readonly rec: Recorder;
  readonly fills: FillRow[] = [];
  readonly offBook: OffBookRow[] = [];
  private readonly orders = new OrderQueue(64);
  private readonly venue: Venue;
  worstCash = 0;
  worstAsset = 0;
  grossCash = 0;

  constructor(readonly o: SimOptions) {
    this.fund = new InsuranceFund({ initialQuote: o.fundQuote ?? 0 });
    const liq = o.liquidity ? createLiquidityModel(o.liquidity) : new ScriptedMid();
    this.host = new FakeHost(this.lots, this.fund, { ...SETTLEMENT, ...o.settlement }, liq);
    this.mech = createMechanism(o.mechanism, { lots: this.lots, seeds: new SeedTree(7) });
    this.rec = new Recorder(o.bars);
    this.mech.declareColumns(this.rec);
    this.fund.declareColumns(this.rec);
    const ledger = this.host.ledger;
    // The mechanism answers for the protocol's orders and its own parties', as the protocol agent does.
    const owner = {
      party: PARTY.protocol,
      extraParties: this.mech.parties,
      onFill: (f: OrderFill): void => {
        this.fills.push({ bar: f.bar, round: f.round, party: f.party, cause: f.cause, size: f.size, price: f.price });
        this.mech.onFill(this.host, f.party, f.tag, f.size, f.price);
      },
    };
    this.venue = new Venue(liq, ledger, new TradeLog(), [owner]);
    this.fund.endow(ledger);
    // The accounts' collateral comes from the rest of the market, so every column sums to 0.
    ledger.moveAsset(PARTY.counterparties, PARTY.accounts, o.opens.reduce((a, s) => a + s.seized, 0));
  }

  stepBar(i: number): void {
    const h = this.host;
    const o = this.o;
    h.bar = i;
    h.time = T0 + i * MIN;
    h.gasGwei = o.gasAt ? o.gasAt(i) : Number.NaN;
    h.liquidity.startBar({ refPrice: o.midAt(i), dtMs: i > 0 ? MIN : 0, depthScale: 1, volPerSqrtYear: 0.8 });
    h.oracle = o.oracleAt ? o.oracleAt(i) : h.mid();
    this.fund.beginBar();
    this.mech.beginBar(h);
    this.venue.beginBar(i, h.time);
    const orders = this.orders;
    for (let r = 0; r < MAX_ROUNDS; r++) {
      h.round = r;
      orders.clear();
      if (r === 0) {
        for (const s of o.opens) {
          if (s.bar !== i) continue;
          const lot = this.lots.open(this.lots.count, s.seized, s.debt, h.oracle, h.time);
          h.ledger.moveAsset(PARTY.accounts, PARTY.protocol, s.seized);
          this.mech.open(lot, h, orders);
        }
      }
      this.mech.act(h, orders);
      const ob = this.mech.offBook;
      for (let k = 0; k < ob.length; k++) this.offBook.push({ bar: i, lot: ob.lot[k], buyer: ob.buyer[k], cause: ob.cause[k], size: ob.size[k], price: ob.price[k] });
      ob.clear();
      if (orders.length === 0) break;
      this.venue.execute(orders, r);
    }
    this.mech.endBar(h, this.rec);
    this.fund.endBar(i, h.ledger);
    const l = h.ledger;
    this.worstCash = Math.max(this.worstCash, Math.abs(l.totalCash()));
    this.worstAsset = Math.max(this.worstAsset, Math.abs(l.totalAsset()));
    for (let p = 0; p < l.cash.length; p++) this.grossCash = Math.max(this.grossCash, Math.abs(l.cash[p]));
  }

  run(from = 0, to = this.o.bars): this {
    for (let i = from; i < to; i++) this.stepBar(i);
    return this;
  }

  get badDebt(): number {
    return this.fund.total[SETTLE.badDebtQuote];
  }

  /** Everything mutable (the settled list aside), for the save/load test. */
  saveState(): Float64Array {
    const liq = this.host.liquidity;
    const sizes = [Ledger.stateSize, this.lots.stateSize, this.fund.stateSize, this.mech.stateSize, liq.stateSize];
    const buf = new Float64Array(sizes.reduce((a, b) => a + b, 0));
    let o = 0;
    this.host.ledger.saveState(buf, o);
    this.lots.saveState(buf, (o += sizes[0]));
    this.fund.saveState(buf, (o += sizes[1]));
    this.mech.saveState(buf, (o += sizes[2]));
    liq.saveState(buf, (o += sizes[3]));
    return buf;
  }
  loadState(buf: Float64Array): void {
    const liq = this.host.liquidity;
    let o = 0;
    this.host.ledger.loadState(buf, o);
    this.lots.loadState(buf, (o += Ledger.stateSize));
    this.fund.loadState(buf, (o += this.lots.stateSize));
    this.mech.loadState(buf, (o += this.fund.stateSize));
    liq.loadState(buf, o + this.mech.stateSize);
  }
}

/** Conservation and the settlement identity, which every story must satisfy. */
function expectAccounted(sim: Sim, info: string): void {
  // Rounding only: 1e-12 of the largest balance (cash), 1e-9 base units (asset).
  expect(sim.worstCash, info).toBeLessThanOrEqual(1e-12 * Math.max(1, sim.grossCash));
  expect(sim.worstAsset, info).toBeLessThanOrEqual(1e-9);
  const t = sim.fund.total;
  const debt = t[SETTLE.debtQuote];
  const lhs = t[SETTLE.repaidQuote] + t[SETTLE.fundPaidQuote] + t[SETTLE.socializedQuote] + t[SETTLE.badDebtQuote];
  expect(Math.abs(lhs - debt), info).toBeLessThanOrEqual(1e-12 * Math.max(1, debt));
  // Lenders receive in cash exactly what is not written off.
  expect(Math.abs(sim.host.ledger.cash[PARTY.lenders] - (debt - t[SETTLE.badDebtQuote])), info).toBeLessThanOrEqual(1e-9 * Math.max(1, debt));
  // Nothing but the settled lots' proceeds pass through the protocol's cash.
  const openProceeds = (() => {
    let s = 0;
    for (let l = sim.lots.first(); l !== -1; l = sim.lots.next(l)) s += sim.lots.proceedsQuote[l];
    return s;
  })();
  expect(Math.abs(sim.host.ledger.cash[PARTY.protocol] - openProceeds), info).toBeLessThanOrEqual(1e-9 * Math.max(1, debt));
}

const flat = (p: number) => () => p;

describe('direct sale', () => {
  // One lot of SEIZED units whose debt is DEBT; the book buys it at the fixed mid.
  const SEIZED = 11;
  const DEBT = 1000;

  it('sells the lot at the fill price; proceeds above the debt repay the lenders and the penalty is split', () => {
    // 11 units at 100 = 1100 ≥ 1000: lenders get 1000, the 100 surplus is the
    // realised penalty, half to keepers, half to the fund.
    const sim = new Sim({ mechanism: { kind: 'direct' }, bars: 2, midAt: flat(100), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info = JSON.stringify({ SEIZED, DEBT, settled: sim.host.settled, fills: sim.fills });
    expect(sim.fills, info).toEqual([{ bar: 0, round: 0, party: PARTY.protocol, cause: CAUSE_CODE.liquidation, size: -SEIZED, price: 100 }]);
    expect(sim.host.settled.length, info).toBe(1);
    const r = sim.host.settled[0];
    expect(r.proceedsQuote, info).toBe(1100);
    expect(r.repaidQuote, info).toBe(1000);
    expect(sim.host.ledger.cash[PARTY.keepers], info).toBeCloseTo(50, 9);
    expect(sim.host.ledger.cash[PARTY.insuranceFund], info).toBeCloseTo(50, 9);
    expect(sim.badDebt, info).toBe(0);
    expect(sim.rec.get('liq_direct_sold_base')[0], info).toBe(SEIZED);
    expect(sim.lots.count, info).toBe(0);
    expectAccounted(sim, info);
  });

  it('proceeds below the debt: the fund pays the shortfall while it has money', () => {
    // The price has fallen to 80: 11 · 80 = 880, shortfall 120 < fund 500.
    const sim = new Sim({ mechanism: { kind: 'direct' }, bars: 1, midAt: flat(80), fundQuote: 500, opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info = JSON.stringify({ settled: sim.host.settled });
    expect(sim.fund.total[SETTLE.fundPaidQuote], info).toBeCloseTo(120, 9);
    expect(sim.fund.balance(sim.host.ledger), info).toBeCloseTo(380, 9);
    expect(sim.badDebt, info).toBe(0);
    expectAccounted(sim, info);
  });

  it('fund empty: the whole shortfall is bad debt', () => {
    const sim = new Sim({ mechanism: { kind: 'direct' }, bars: 1, midAt: flat(80), fundQuote: 0, opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info = JSON.stringify({ settled: sim.host.settled });
    expect(sim.badDebt, info).toBeCloseTo(120, 9);
    expect(sim.rec.get('bad_debt_quote')[0], info).toBeCloseTo(120, 9);
    expectAccounted(sim, info);
  });

  it('through linear impact the proceeds are the closed-form average price of the sale', () => {
    // Kyle/Obizhaeva–Wang linear impact (docs/model.md#linear-impact): selling q against depth D
    // trades unit u at m·e^{−u/D}, so the average is m·(1 − e^{−q/D})/(q/D),
    // times (1 − half-spread). D = depth1PctQuote / (0.01 · m) = 1000 units.
    const liquidity: LinearLiquidityConfig = { kind: 'linear', depth1PctQuote: 1000, halfSpreadBps: 1, permanentFraction: 2 / 3, transientHalfLifeMs: 900_000 };
    const sim = new Sim({ mechanism: { kind: 'direct' }, bars: 1, midAt: flat(100), liquidity, opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const x = SEIZED / 1000;
    const avg = (100 * (1 - Math.exp(-x))) / x * (1 - 1e-4);
    const info = JSON.stringify({ settled: sim.host.settled, avg });
    // Tolerance 1e-12 relative: expm1 in the model versus exp here.
    expect(Math.abs(sim.host.settled[0].proceedsQuote - SEIZED * avg), info).toBeLessThanOrEqual(1e-12 * SEIZED * avg);
    expect(sim.host.mid(), info).toBeLessThan(100);
    expectAccounted(sim, info);
  });
});

/** A bidder group with a fixed discount and gas tolerance. */
function group(count: number, capital: number, discountPct: number, gasTolerance = Infinity): BidderGroupConfig {
  return {
    count,
    capitalPerBidderQuote: capital,
    requiredDiscountPct: { kind: 'fixed', value: discountPct },
    gasToleranceGwei: { kind: 'fixed', value: gasTolerance },
  };
}

function dutch(over: Partial<DutchAuctionConfig>): DutchAuctionConfig {
  return {
    kind: 'dutch',
    startPremiumPct: 10,
    stepMs: MIN,
    decay: { kind: 'exponential', cutPctPerStep: 1 },
    floorPctOfOracle: 0,
    maxDurationMs: 3_600_000,
    unsold: 'sell-direct',
    zeroPriceFractionOfOracle: 0.001,
    bidders: { groups: [group(3, 1e6, 5)], resaleFractionPerBar: 0 },
    ...over,
  };
}

describe('Dutch auction', () => {
  const ORACLE = 100;
  const SEIZED = 10;
  const DEBT = 800;

  it('bidders requiring 5% buy at the first step below mid · 0.95: step 15 of a 1%-per-minute decay from 110', () => {
    // top = 100 · 1.10 = 110; price_k = 110 · 0.99^k. 110 · 0.99^14 = 95.56 > 95
    // and 110 · 0.99^15 = 94.61 ≤ 95, so the first take is at bar 15 (steps of
    // one minute, one bar per minute), at exactly 110 · 0.99^15.
    const K = 15;
    const sim = new Sim({ mechanism: dutch({}), bars: 20, midAt: flat(ORACLE), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const price = 110 * Math.pow(0.99, K);
    const info = JSON.stringify({ offBook: sim.offBook, settled: sim.host.settled, price });
    expect(110 * Math.pow(0.99, K - 1), 'the hand computation').toBeGreaterThan(95);
    expect(price, 'the hand computation').toBeLessThanOrEqual(95);
    expect(sim.offBook.length, info).toBe(1);
    expect(sim.offBook[0].bar, info).toBe(K);
    expect(sim.offBook[0].cause, info).toBe(CAUSE_CODE.auction);
    expect(sim.offBook[0].buyer, info).toBe(PARTY.auctionBidders);
    // Tolerance 1e-12 relative: Math.pow against the repeated product.
    expect(Math.abs(sim.offBook[0].price - price), info).toBeLessThanOrEqual(1e-12 * price);
    expect(sim.host.settled[0].bar, info).toBe(K);
    expect(sim.host.settled[0].proceedsQuote, info).toBeCloseTo(SEIZED * price, 9);
    expect(sim.badDebt, info).toBe(0);
    const m = sim.mech as DutchAuctionMechanism;
    expect(m.total[AUCTION_STAT.finished], info).toBe(1);
    expect(m.total[AUCTION_STAT.zeroPriceClears], info).toBe(0);
    expect(sim.rec.get('auction_active')[K - 1], info).toBe(1);
    expect(sim.rec.get('auction_active')[K], info).toBe(0);
    expectAccounted(sim, info);

    // 90-second steps (MakerDAO's usual `step`) on 1-minute bars: bar i has
    // floor(60 i / 90) whole steps; step 15 is first reached at bar 23
    // (floor(46/3) = 15, floor(44/3) = 14): a partial step does not count.
    const slow = new Sim({ mechanism: dutch({ stepMs: 90_000 }), bars: 25, midAt: flat(ORACLE), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info2 = JSON.stringify({ offBook: slow.offBook });
    expect(slow.offBook.map((r) => r.bar), info2).toEqual([23]);
    expect(Math.abs(slow.offBook[0].price - price), info2).toBeLessThanOrEqual(1e-12 * price);
  });

  it('each bidder buys only what its free capital allows; the next in line takes the rest', () => {
    // Capital 400 each at price p = 110 · 0.99^15: bidders 1 and 2 buy 400/p
    // = 4.228 units each, bidder 3 the remaining 10 − 8.456 = 1.544.
    const sim = new Sim({
      mechanism: dutch({ bidders: { groups: [group(3, 400, 5)], resaleFractionPerBar: 0 } }),
      bars: 16,
      midAt: flat(ORACLE),
      opens: [{ bar: 0, seized: SEIZED, debt: DEBT }],
    }).run();
    const p = 110 * Math.pow(0.99, 15);
    const info = JSON.stringify({ offBook: sim.offBook, p });
    expect(sim.offBook.map((r) => r.size), info).toEqual([400 / p, 400 / p, SEIZED - 800 / p].map((v) => expect.closeTo(v, 9)));
    const b = (sim.mech as DutchAuctionMechanism).bidders;
    expect(b.freeCapitalQuote(), info).toBeCloseTo(1200 - SEIZED * p, 9);
    // The bidders' ledger party holds exactly their free capital and inventory.
    expect(sim.host.ledger.cash[PARTY.auctionBidders], info).toBeCloseTo(b.freeCapitalQuote(), 9);
    expect(sim.host.ledger.asset[PARTY.auctionBidders], info).toBeCloseTo(SEIZED, 12);
    expectAccounted(sim, info);
  });

  it('12 March 2020: a gas spike keeps the keepers away, the price decays to 0, a zero bid wins, and bad debt equals the debt', () => {
    // MakerDAO, 12 March 2020: 5.67M DAI of bad debt, 36% of auctions won by
    // zero bids. Five keepers (5% discount) tolerate 100 gwei; gas is 200, so
    // they are absent. One zero-bidder (requires 100%: bids only at price 0)
    // runs at any gas. Linear decay from 110 to 0 in 10 one-minute steps: at
    // bar 10 the price is 0, the zero-bidder takes all 10 units for nothing,
    // the proceeds are 0, the fund is empty, and the whole debt is bad debt.
    const mechanism = dutch({
      decay: { kind: 'linear', timeToZeroMs: 10 * MIN },
      bidders: { groups: [group(5, 1e6, 5, 100), group(1, 0, 100)], resaleFractionPerBar: 0 },
    });
    const spike = new Sim({ mechanism, bars: 15, midAt: flat(ORACLE), gasAt: flat(200), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info = JSON.stringify({ offBook: spike.offBook, settled: spike.host.settled });
    expect(spike.offBook.length, info).toBe(1);
    expect(spike.offBook[0].bar, info).toBe(10);
    expect(spike.offBook[0].price, info).toBe(0);
    expect(spike.badDebt, info).toBe(DEBT);
    const m = spike.mech as DutchAuctionMechanism;
    expect(m.total[AUCTION_STAT.zeroPriceClears], info).toBe(1);
    expect(spike.rec.get('auction_zero_price_clears')[10], info).toBe(1);
    expect(spike.rec.get('bidders_present')[5], info).toBe(1);
    // The zero-bidder got the collateral for free.
    expect(spike.host.ledger.asset[PARTY.auctionBidders], info).toBe(SEIZED);
    expectAccounted(spike, info);

    // Same auction at 50 gwei: the keepers are there and buy at the first
    // step with 110 · (1 − k/10) ≤ 95, i.e. k = 2 (price 88): no bad debt.
    const calm = new Sim({ mechanism, bars: 15, midAt: flat(ORACLE), gasAt: flat(50), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info2 = JSON.stringify({ offBook: calm.offBook, settled: calm.host.settled });
    expect(calm.offBook[0].bar, info2).toBe(2);
    expect(calm.offBook[0].price, info2).toBeCloseTo(88, 9);
    expect(calm.badDebt, info2).toBe(0);
    expectAccounted(calm, info2);
  });

  it('an auction nobody bids in sits a bar at its floor, ends, and its collateral is sold directly or held', () => {
    // Floor 50% of the oracle; 110 · 0.9^k ≤ 50 first at k = 8 (0.9^7 · 110 =
    // 52.6, 0.9^8 · 110 = 47.3): at the floor from bar 8, ended at the start of
    // bar 9. All bidders are absent (tolerance 10 gwei, gas 100).
    const base = { decay: { kind: 'exponential' as const, cutPctPerStep: 10 }, floorPctOfOracle: 50, bidders: { groups: [group(2, 1e6, 5, 10)], resaleFractionPerBar: 0 } };
    const direct = new Sim({ mechanism: dutch({ ...base, unsold: 'sell-direct' }), bars: 12, midAt: flat(ORACLE), gasAt: flat(100), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info = JSON.stringify({ fills: direct.fills, settled: direct.host.settled });
    // 'sell-direct': the protocol sells the 10 units at the mid in bar 9: proceeds 1000.
    expect(direct.fills.filter((f) => f.cause === CAUSE_CODE.liquidation).map((f) => [f.bar, f.size]), info).toEqual([[9, -SEIZED]]);
    expect(direct.host.settled[0].proceedsQuote, info).toBe(1000);
    expect((direct.mech as DutchAuctionMechanism).total[AUCTION_STAT.expired], info).toBe(1);
    expect(direct.rec.get('auction_unsold_base')[9], info).toBe(SEIZED);
    expectAccounted(direct, info);

    // 'hold': the lot closes in bar 9 with no proceeds; the collateral stays
    // with the protocol and the debt is bad debt (the fund is empty).
    const hold = new Sim({ mechanism: dutch({ ...base, unsold: 'hold' }), bars: 12, midAt: flat(ORACLE), gasAt: flat(100), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }] }).run();
    const info2 = JSON.stringify({ fills: hold.fills, settled: hold.host.settled });
    expect(hold.fills.length, info2).toBe(0);
    expect(hold.host.settled[0].bar, info2).toBe(9);
    expect(hold.host.ledger.asset[PARTY.protocol], info2).toBe(SEIZED);
    expect(hold.badDebt, info2).toBe(DEBT);
    expect(hold.fund.total[SETTLE.unsoldBase], info2).toBe(SEIZED);
    expectAccounted(hold, info2);
  });

  it('an auction past its maximum duration ends even above its floor', () => {
    // 30-minute tail, bidders absent: the lot opened at bar 0 ends at bar 30.
    const sim = new Sim({
      mechanism: dutch({ maxDurationMs: 30 * MIN, bidders: { groups: [group(1, 1e6, 5, 10)], resaleFractionPerBar: 0 } }),
      bars: 32, midAt: flat(ORACLE), gasAt: flat(100), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }],
    }).run();
    const info = JSON.stringify({ fills: sim.fills, settled: sim.host.settled });
    expect(sim.host.settled[0].bar, info).toBe(30);
    expect(sim.rec.get('auction_expired')[30], info).toBe(1);
    expectAccounted(sim, info);
  });

  it('bidders resell a fixed fraction of their inventory into the book each bar', () => {
    // The 10 units bought at bar 15 are resold 25% a bar from bar 16: after N
    // bars the bidders hold 10 · 0.75^N, and each resale fills at the mid 100.
    const N = 6;
    const F = 0.25;
    const sim = new Sim({
      mechanism: dutch({ bidders: { groups: [group(3, 1e6, 5)], resaleFractionPerBar: F } }),
      bars: 16 + N, midAt: flat(ORACLE), opens: [{ bar: 0, seized: SEIZED, debt: DEBT }],
    }).run();
    const resales = sim.fills.filter((f) => f.cause === CAUSE_CODE.resale);
    const info = JSON.stringify({ resales });
    expect(resales.length, info).toBe(N);
    expect(resales.every((f) => f.party === PARTY.auctionBidders), info).toBe(true);
    for (let k = 0; k < N; k++) {
      expect(resales[k].bar, info).toBe(16 + k);
      // Tolerance 1e-12 relative: k products of 0.75.
      expect(Math.abs(-resales[k].size - SEIZED * Math.pow(1 - F, k) * F), info).toBeLessThanOrEqual(1e-12 * SEIZED);
    }
    const b = (sim.mech as DutchAuctionMechanism).bidders;
    const left = SEIZED * Math.pow(1 - F, N);
    expect(Math.abs(b.inventoryTotalBase() - left), info).toBeLessThanOrEqual(1e-12 * SEIZED);
    expect(Math.abs(sim.host.ledger.asset[PARTY.auctionBidders] - left), info).toBeLessThanOrEqual(1e-12 * SEIZED);
    // Capital in use is the cost of what is left: left · the purchase price.
    const p = 110 * Math.pow(0.99, 15);
    expect(b.capitalInUseQuote(), info).toBeCloseTo(left * p, 6);
    expect(sim.host.ledger.cash[PARTY.auctionBidders], info).toBeCloseTo(b.freeCapitalQuote(), 6);
    expect(sim.rec.get('bidder_resale_base')[16], info).toBeCloseTo(SEIZED * F, 12);
    expectAccounted(sim, info);
  });

  it('draws bidders\' discounts from the seeded stream: same seed, same population', () => {
    const cfg = dutch({ bidders: { groups: [{ ...group(50, 1e5, 0), requiredDiscountPct: { kind: 'uniform', min: 2, max: 12 } }], resaleFractionPerBar: 0.1 } });
    const a = createMechanism(cfg, { lots: new LotBook(4), seeds: new SeedTree(11) }) as DutchAuctionMechanism;
    const b = createMechanism(cfg, { lots: new LotBook(4), seeds: new SeedTree(11) }) as DutchAuctionMechanism;
    expect(Array.from(a.bidders.discount)).toEqual(Array.from(b.bidders.discount));
    const d = Array.from(a.bidders.discount);
    expect(d.every((v, k) => v >= 0.02 && v <= 0.12 && (k === 0 || v >= d[k - 1])), JSON.stringify(d)).toBe(true);
  });
});

describe('backstop pool', () => {
  const ORACLE = 100;

  it('absorbs at the discount until its capital is exhausted, then falls back to direct sale', () => {
    // Capital 1500, discount 10%: price 90. Lot 1 (10 units) costs 900 → 600
    // left. Lot 2: 600/90 = 6.667 units to the pool, 3.333 sold at 100. Lot 3:
    // the pool is empty, all 10 sold at 100.
    const sim = new Sim({
      mechanism: { kind: 'backstop', initialCapitalQuote: 1500, discountPct: 10, resaleFractionPerBar: 0 },
      bars: 3, midAt: flat(ORACLE),
      opens: [{ bar: 0, seized: 10, debt: 800 }, { bar: 1, seized: 10, debt: 800 }, { bar: 2, seized: 10, debt: 800 }],
    }).run();
    const s = sim.host.settled;
    const info = JSON.stringify({ settled: s, offBook: sim.offBook, fills: sim.fills });
    expect(s.map((r) => r.proceedsQuote), info).toEqual([900, expect.closeTo(600 + (10 - 600 / 90) * 100, 9), 1000]);
    expect(sim.offBook.map((r) => r.size), info).toEqual([10, expect.closeTo(600 / 90, 12)]);
    expect(sim.offBook.every((r) => r.price === 90 && r.buyer === PARTY.backstopPool), info).toBe(true);
    expect(sim.rec.get('backstop_available_quote')[0], info).toBeCloseTo(600, 9);
    expect(sim.rec.get('backstop_available_quote')[1], info).toBeCloseTo(0, 9);
    expect(sim.rec.get('backstop_fallback_base')[1], info).toBeCloseTo(10 - 600 / 90, 12);
    expect(sim.host.ledger.asset[PARTY.backstopPool], info).toBeCloseTo(10 + 600 / 90, 12);
    expectAccounted(sim, info);
  });

  it('withdrawals reduce available capital, marked in place or moved to a destination party', () => {
    for (const withdrawToParty of [undefined, 'strategy' as const]) {
      const sim = new Sim({
        mechanism: { kind: 'backstop', initialCapitalQuote: 1500, discountPct: 10, resaleFractionPerBar: 0, withdrawToParty },
        bars: 2, midAt: flat(ORACLE), opens: [{ bar: 1, seized: 10, debt: 800 }],
      });
      sim.stepBar(0);
      const pool = sim.mech as BackstopPoolMechanism;
      const l = sim.host.ledger;
      expect(pool.withdraw(1200, l)).toBe(1200);
      expect(pool.withdraw(1000, l)).toBe(300); // only what is left
      expect(pool.availableQuote(l)).toBe(0);
      sim.stepBar(1);
      const info = JSON.stringify({ withdrawToParty, settled: sim.host.settled });
      // Nothing left to absorb with: the lot is sold directly at 100.
      expect(sim.host.settled[0].proceedsQuote, info).toBe(1000);
      expect(l.cash[PARTY.strategy], info).toBe(withdrawToParty ? 1500 : 0);
      expect(l.cash[PARTY.backstopPool], info).toBe(withdrawToParty ? 0 : 1500);
      expectAccounted(sim, info);
    }
  });

  it('resells its collateral gradually and its proceeds become available capital', () => {
    const sim = new Sim({
      mechanism: { kind: 'backstop', initialCapitalQuote: 900, discountPct: 10, resaleFractionPerBar: 0.5 },
      bars: 3, midAt: flat(ORACLE), opens: [{ bar: 0, seized: 10, debt: 800 }],
    }).run();
    // Bought 10 at 90 in bar 0; sells 5 at 100 in bar 1 and 2.5 in bar 2.
    const info = JSON.stringify({ fills: sim.fills });
    expect(sim.fills.filter((f) => f.cause === CAUSE_CODE.resale).map((f) => [f.bar, f.size]), info).toEqual([[1, -5], [2, -2.5]]);
    expect(sim.rec.get('backstop_available_quote')[2], info).toBeCloseTo(750, 9);
    expect(sim.rec.get('backstop_committed_quote')[2], info).toBeCloseTo(750 + 2.5 * 100, 9);
    expectAccounted(sim, info);
  });

  it('more pool capital never raises bad debt (fixed falling path, no impact, oracle one bar behind)', () => {
    // The mid falls 2% a bar and the oracle is the previous bar's mid, so the
    // pool pays oracle · 0.99 while a direct sale gets mid = oracle · 0.98:
    // every unit the pool absorbs brings more than the same unit sold
    // directly. Debt is 98.5% of the seized value at the oracle, so a lot sold
    // directly falls short and a lot the pool absorbs leaves a penalty. More
    // capital moves units from the direct sale to the pool (resale proceeds
    // are monotone too), so proceeds rise and bad debt cannot.
    const BARS = 10;
    const mid = (i: number): number => 100 * Math.pow(0.98, i);
    const opens = Array.from({ length: BARS - 1 }, (_, k) => ({ bar: k + 1, seized: 10, debt: 0.985 * 10 * mid(k) }));
    const badDebt = (capital: number, resale: number): number => {
      const sim = new Sim({
        mechanism: { kind: 'backstop', initialCapitalQuote: capital, discountPct: 1, resaleFractionPerBar: resale },
        bars: BARS, midAt: mid, oracleAt: (i) => mid(Math.max(0, i - 1)), opens,
      }).run();
      expectAccounted(sim, JSON.stringify({ capital, resale }));
      return sim.badDebt;
    };
    const totalDebt = opens.reduce((a, o) => a + o.debt, 0);
    // The property is not vacuous. Without a pool every lot is sold directly
    // and falls short by 10 · oracle_k · (0.985 − 0.98); with no fund and no
    // penalty income all of it is bad debt. A large pool leaves none.
    const noPool = opens.reduce((a, _o, k) => a + 10 * mid(k) * (0.985 - 0.98), 0);
    expect(Math.abs(badDebt(0, 0.5) - noPool), JSON.stringify({ noPool })).toBeLessThanOrEqual(1e-9 * totalDebt);
    expect(badDebt(1e6, 0.5)).toBe(0);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 12_000, noNaN: true }), fc.double({ min: 0, max: 12_000, noNaN: true }), fc.constantFrom(0, 0.5, 1), (c1, c2, resale) => {
        const lo = Math.min(c1, c2);
        const hi = Math.max(c1, c2);
        // Tolerance: rounding of sums of order 1e4.
        return badDebt(hi, resale) <= badDebt(lo, resale) + 1e-9 * totalDebt;
      }),
      { numRuns: 100, seed: 20200312 },
    );
  });
});

describe('every mechanism', () => {
  const mechanisms: MechanismConfig[] = [
    { kind: 'direct' },
    dutch({ maxDurationMs: 15 * MIN, bidders: { groups: [{ ...group(8, 300, 0, 150), requiredDiscountPct: { kind: 'uniform', min: 1, max: 15 } }], resaleFractionPerBar: 0.2 } }),
    { kind: 'backstop', initialCapitalQuote: 1200, discountPct: 5, resaleFractionPerBar: 0.3 },
  ];
  // A crash with impact on: mid falls 1.5% a bar, gas spikes in bars 6–9, one
  // or two lots open each bar.
  const opts = (mechanism: MechanismConfig): SimOptions => ({
    mechanism,
    bars: 40,
    midAt: (i) => 100 * Math.exp(-0.015 * Math.min(i, 20)),
    gasAt: (i) => (i >= 6 && i < 10 ? 300 : 40),
    fundQuote: 50,
    liquidity: { kind: 'linear', depth1PctQuote: 5000, halfSpreadBps: 2, permanentFraction: 2 / 3, transientHalfLifeMs: 600_000 },
    opens: Array.from({ length: 24 }, (_, k) => ({ bar: Math.floor(k / 2) + 1, seized: 3 + (k % 3), debt: (3 + (k % 3)) * 100 * Math.exp(-0.015 * (k / 2)) * 0.9 })),
  });

  for (const mechanism of mechanisms) {
    it(`${mechanism.kind}: conserves cash and asset, settles every lot, and a restored bar replays identically`, () => {
      const sim = new Sim(opts(mechanism)).run();
      const info = JSON.stringify({ kind: mechanism.kind, settledCount: sim.host.settled.length, badDebt: sim.badDebt });
      expect(sim.host.settled.length, info).toBe(24);
      expect(sim.lots.count, info).toBe(0);
      expectAccounted(sim, info);

      // Save at bar 8 (lots in progress), run on, restore, run again: same end state.
      const a = new Sim(opts(mechanism)).run(0, 8);
      const snap = a.saveState();
      a.run(8, 40);
      const endA = a.saveState();
      a.loadState(snap);
      a.run(8, 40);
      expect(Array.from(a.saveState()), info).toEqual(Array.from(endA));
      expect(Array.from(endA.subarray(0, Ledger.stateSize)), info).toEqual(Array.from(sim.saveState().subarray(0, Ledger.stateSize)));
    });
  }

  it('rejects bad mechanism configs with the field named', () => {
    const cases: Array<[unknown, string]> = [
      [{ kind: 'clip' }, 'protocol.mechanism.kind'],
      [dutch({ stepMs: 0 }), 'protocol.mechanism.stepMs'],
      [dutch({ decay: { kind: 'exponential', cutPctPerStep: 100 } }), 'protocol.mechanism.decay.cutPctPerStep'],
      [dutch({ floorPctOfOracle: 110 }), 'protocol.mechanism.floorPctOfOracle'],
      [dutch({ bidders: { groups: [group(1, 1, 101)], resaleFractionPerBar: 0 } }), 'protocol.mechanism.bidders.groups.0.requiredDiscountPct.value'],
      [dutch({ bidders: { groups: [group(1.5, 1, 5)], resaleFractionPerBar: 0 } }), 'protocol.mechanism.bidders.groups.0.count'],
      [dutch({ bidders: { groups: [group(1, 1, 5)], resaleFractionPerBar: 2 } }), 'protocol.mechanism.bidders.resaleFractionPerBar'],
      [{ kind: 'backstop', initialCapitalQuote: 1, discountPct: 100, resaleFractionPerBar: 0 }, 'protocol.mechanism.discountPct'],
      [{ kind: 'backstop', initialCapitalQuote: -1, discountPct: 5, resaleFractionPerBar: 0 }, 'protocol.mechanism.initialCapitalQuote'],
      [{ kind: 'backstop', initialCapitalQuote: 1, discountPct: 5, resaleFractionPerBar: 0, withdrawToParty: 'backstopPool' }, 'protocol.mechanism.withdrawToParty'],
    ];
    for (const [cfg, field] of cases) {
      let err: unknown;
      try {
        createMechanism(cfg as MechanismConfig, { lots: new LotBook(2), seeds: new SeedTree(1) });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(cfg)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).location.field, JSON.stringify(cfg)).toBe(field);
    }
  });
});

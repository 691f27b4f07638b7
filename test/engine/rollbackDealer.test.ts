import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setValuationKernel, valuationKernel } from '../../src/dealer/valuation.js';
import { makeStressSignals } from '../../src/sim/stress.js';
import { Rng } from '../../src/core/rng.js';
import { MS_PER_HOUR, MS_PER_YEAR } from '../../src/core/time.js';
import { PUT, type OptionSpec } from '../../src/dealer/book.js';
import { DealerAgent, type DealerAgentConfig } from '../../src/dealer/dealerAgent.js';
import { hedgeSchema } from '../../src/config/dealerSchema.js';
import { withDefaults } from '../config/defaults.js';
import { makeHedgePolicy } from '../../src/dealer/hedgePolicy.js';
import { bookFromSpecs } from '../../src/dealer/inventory.js';
import type { MarketView } from '../../src/sim/agent.js';
import { Ledger } from '../../src/sim/ledger.js';
import type { BarMarket, Fill, LiquidityKind, LiquidityModel } from '../../src/market/liquidity.js';
import { Venue } from '../../src/engine/venue.js';
import { MarketStateModel } from '../../src/market/marketState.js';
import { OrderQueue } from '../../src/sim/orderQueue.js';
import { Recorder } from '../../src/sim/recorder.js';
import { TradeLog } from '../../src/sim/tradeLog.js';
import { SurfaceDynamics, type DynamicsMode } from '../../src/surface/dynamics.js';

/**
 * The rollback contract (docs/model.md#reading-history, inferred
 * shock): save before a bar, step it, restore, step it again, and every
 * output, and a second save, must be bit-identical to the first try; a
 * fresh instance built from the same config and loaded with the save must
 * have the same future. Equality here is of IEEE bit patterns (no
 * tolerance): the retried bar runs the same operations on the same inputs.
 *
 * The components are driven by a small harness instead of the engine loop
 * (the engine-level rollback test is the lead's): per-bar inputs come from
 * an Rng seeded by the bar index, so a retried bar sees the same inputs.
 */

const BAR_MS = MS_PER_HOUR;
const T0 = Date.UTC(2020, 2, 10);
const SPOT0 = 8_000;

/** Bit patterns of doubles, so -0/+0 and NaN payloads count as differences. */
function bits(xs: ArrayLike<number>): string[] {
  const dv = new DataView(new ArrayBuffer(8));
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    dv.setFloat64(0, xs[i]);
    out.push(dv.getBigUint64(0).toString(16));
  }
  return out;
}

interface MarketCase {
  readonly mode: DynamicsMode;
  /** Per-bar log-return scale of the driving path. */
  readonly volPerBar: number;
  /** Share of bars with an IV index reading (else realised × premium). */
  readonly ivShare: number;
  /** When set, the IV index reads this constant on those bars (so a lazy dealer sees no ATM move). */
  readonly ivConst?: number;
  readonly seed: number;
}

function makeMarket(c: MarketCase): MarketStateModel {
  const surface = new SurfaceDynamics({
    mode: c.mode,
    // Sticky modes: η(1+|ρ|) = 1.89 ≤ 2, the global no-butterfly region
    // (updateBar's fast path). Stress: η = 2 leaves it, so every bar goes
    // through the projection, which clamps once drawdown steepens ρ
    // (probed: none at drawdown 0, clamps from drawdown 0.1).
    base: { params: { rho: -0.35, eta: c.mode === 'stress' ? 2 : 1.4, gamma: 0.45 }, term: { kind: 'meanReverting', refYears: 30 / 365, longRunVol: 0.7, kappa: 4 }, atmVol: 0.8, onArbitrage: 'clamp' },
    stress: { atmPerDrawdown: 2, atmPerStress: 0, rhoPerDrawdown: 1.5, rhoPerStress: 0, rhoMin: -0.9 },
  });
  return new MarketStateModel({
    surface, rate: 0.01, dividend: 0, atmPremium: 1.1, minAtmVol: 0.2, maxAtmVol: 3,
    atmRealisedHalfLifeMs: 6 * MS_PER_HOUR, initialVol: 0.8, useIvIndex: true,
    withdrawal: { elasticity: 1, minScale: 0.1, stressElasticity: 0 }, calmVol: 0.6, depthRatio: null,
    impactCarriesVol: false, skewYears: 7 / 365,
  });
}

/** One bar's market-state inputs, a function of the bar index only. */
function marketInputs(c: MarketCase, i: number): { ret: number; iv: number } {
  const r = new Rng(c.seed * 1_000_003 + i);
  // A drift down makes drawdowns (and so stress regimes) happen within a few bars.
  const ret = c.volPerBar * r.normal() - 0.5 * c.volPerBar;
  const level = 60 + 40 * r.uniform();
  const iv = r.uniform() < c.ivShare ? (c.ivConst ?? level) : Number.NaN;
  return { ret, iv };
}

/** The market state with the harness's own loop scalars (what the engine loop holds). */
class MarketHarness {
  readonly market: MarketStateModel;
  readonly rec: Recorder;
  i = 0;
  spot = SPOT0;
  peak = SPOT0;
  /** ATM level the last beginBar returned (before the stress multiplier): what the engine shows agents. */
  atmIn = 0;
  static readonly LOOP = 3;

  constructor(readonly c: MarketCase, bars: number) {
    this.market = makeMarket(c);
    this.rec = new Recorder(bars);
    this.market.declareColumns(this.rec);
    this.market.start(BAR_MS);
  }

  /** Steps bar i and returns everything it produced, including reads of the surface it left in force. */
  step(): number[] {
    const i = this.i;
    const { ret, iv } = marketInputs(this.c, i);
    const prev = this.spot;
    this.spot = prev * Math.exp(ret);
    if (this.spot > this.peak) this.peak = this.spot;
    const dd = 1 - this.spot / this.peak;
    const scale = this.market.depthScale(i, 0.5 + 0.1 * i);
    const atm = this.market.beginBar(i, this.spot, 0, dd, iv);
    this.atmIn = atm;
    const out = [atm, scale, ...this.probe()];
    this.market.endBar(i, this.rec);
    for (const name of this.rec.names()) out.push(this.rec.get(name)[i]);
    this.market.observeReturn(Math.log(this.spot / prev));
    this.i++;
    return out;
  }

  /** Reads of the surface in force, from the 1-hour end to past maxYears (where φ is frozen by θφ at θ(maxYears)). */
  probe(): number[] {
    const out: number[] = [];
    const s = this.market.surface;
    for (const m of [0.6, 0.9, 1, 1.2]) for (const d of [1 / 48, 2, 30, 400, 8 * 365]) out.push(s.impliedVol(m * this.spot, this.spot, d / 365));
    out.push(s.totalVariance(-0.3, 0.1), s.anchorForward, s.lastAtmVol, s.lastProjected ? 1 : 0);
    const p = s.surface.params;
    out.push(p.rho, p.eta, p.gamma, s.surface.clamps.length, s.surface.thetaAt(0.5));
    return out;
  }

  get stateSize(): number {
    return MarketHarness.LOOP + this.market.stateSize;
  }
  save(buf: Float64Array, o = 0): void {
    buf[o] = this.i;
    buf[o + 1] = this.spot;
    buf[o + 2] = this.peak;
    this.market.saveState(buf, o + MarketHarness.LOOP);
  }
  load(buf: Float64Array, o = 0): void {
    this.i = buf[o];
    this.spot = buf[o + 1];
    this.peak = buf[o + 2];
    this.market.loadState(buf, o + MarketHarness.LOOP);
  }
}

const MARKET_CASES: MarketCase[] = [
  { mode: 'sticky-strike', volPerBar: 0.02, ivShare: 0.5, seed: 1 },
  { mode: 'sticky-moneyness', volPerBar: 0.03, ivShare: 0, seed: 2 },
  { mode: 'stress', volPerBar: 0.04, ivShare: 0.3, seed: 3 },
];

describe('MarketStateModel (+ surface dynamics, SSVI surface) rollback', () => {
  const WARM = 30;
  const AFTER = 10;
  for (const c of MARKET_CASES) {
    it(`${c.mode}: a restored bar repeats bit for bit, and a fresh model loaded with the save has the same future (${JSON.stringify(c)})`, () => {
      const h = new MarketHarness(c, WARM + AFTER + 1);
      let projectedBars = 0;
      for (let k = 0; k < WARM; k++) {
        h.step();
        if (h.market.surface.lastProjected) projectedBars++;
      }
      const buf = new Float64Array(h.stateSize);
      h.save(buf);
      const first = bits(h.step());
      h.load(buf);
      const again = bits(h.step());
      expect(again, `retried bar ${WARM}, case ${JSON.stringify(c)}`).toEqual(first);

      // A second save after the retry equals a save after the first try.
      const afterFirst = new Float64Array(h.stateSize);
      h.save(afterFirst);
      h.load(buf);
      h.step();
      const afterAgain = new Float64Array(h.stateSize);
      h.save(afterAgain);
      expect(bits(afterAgain), `state after retried bar ${WARM}, case ${JSON.stringify(c)}`).toEqual(bits(afterFirst));

      const future: string[][] = [];
      for (let k = 0; k < AFTER; k++) future.push(bits(h.step()));
      const fresh = new MarketHarness(c, WARM + AFTER + 1);
      h.load(afterAgain);
      fresh.load(afterAgain);
      // Read before any update: the surface itself must come back, not only be recomputable.
      expect(bits(fresh.probe()), `fresh model right after load, case ${JSON.stringify(c)}`).toEqual(bits(h.probe()));
      for (let k = 0; k < AFTER; k++) expect(bits(fresh.step()), `fresh model, bar ${WARM + 1 + k}, case ${JSON.stringify(c)}`).toEqual(future[k]);
      // The stress case must exercise the projection path across the save,
      // or the rebuilt admission report would go untested.
      if (c.mode === 'stress') expect(projectedBars, `projected bars before the save, case ${JSON.stringify(c)}`).toBeGreaterThan(0);
    });
  }

  it('a restored projection reports the same clamps as the update that made it', () => {
    const c = MARKET_CASES[2];
    const h = new MarketHarness(c, 80);
    let buf: Float64Array | null = null;
    for (let k = 0; k < 60 && buf === null; k++) {
      h.step();
      if (h.market.surface.surface.clamps.length > 0) {
        buf = new Float64Array(h.stateSize);
        h.save(buf);
      }
    }
    expect(buf, `no bar of ${JSON.stringify(c)} needed a clamp in 60 bars`).not.toBeNull();
    const want = JSON.stringify(h.market.surface.surface.lastAdmission);
    const fresh = new MarketHarness(c, 80);
    fresh.load(buf as Float64Array);
    expect(JSON.stringify(fresh.market.surface.surface.lastAdmission), `case ${JSON.stringify(c)}`).toBe(want);
  });
});

// ---------------------------------------------------------------------------
// Dealer
// ---------------------------------------------------------------------------

interface DealerCase {
  readonly revaluation: DealerAgentConfig['revaluation'];
  readonly hedge: 'every-bar' | 'delta-band';
  /** Path of the market harness; calm enough in 'when-moved' cases that some bars are lazy. */
  readonly volPerBar: number;
  readonly ivShare: number;
  readonly ivConst?: number;
  readonly seed: number;
}

/** Short puts with tenors of hours to days, so expiries and rolls happen around the saved bar. */
function dealerSpecs(): OptionSpec[] {
  const specs: OptionSpec[] = [];
  const tenorsHours = [3, 7, 26, 24 * 7];
  for (const m of [0.85, 0.95, 1.0]) {
    for (const th of tenorsHours) specs.push({ strike: m * SPOT0, expiryMs: T0 + th * MS_PER_HOUR, kind: PUT, qty: -20, tenorMs: th * MS_PER_HOUR, moneyness: m });
  }
  return specs.sort((a, b) => a.expiryMs - b.expiryMs);
}

function makeDealer(c: DealerCase): DealerAgent {
  const specs = dealerSpecs();
  return new DealerAgent({
    book: bookFromSpecs(specs, specs.length),
    policy: makeHedgePolicy(withDefaults(hedgeSchema, c.hedge === 'every-bar' ? { kind: 'every-bar' } : { kind: 'delta-band', halfWidthBase: 2 })),
    roll: 'same-moneyness',
    yearMs: MS_PER_YEAR,
    costRate: 0.0005,
    rebaseFraction: 0.004,
    startHedged: true,
    revaluation: c.revaluation,
    maxAtmVolMove: 0.05,
    maxDrawdownMove: 0.02,
    maxStaleMs: 4 * BAR_MS,
  });
}

/**
 * Linear impact in log price (q/D) with a half-spread on the mean of the
 * mids before and after; the harness moves the mid between bars itself, so
 * the whole state is the mid.
 */
class LogImpact implements LiquidityModel {
  readonly kind: LiquidityKind = 'linear';
  readonly stateSize = 1;
  constructor(public midNow: number, private readonly depth: number, private readonly halfSpread: number) {}
  startBar(_m: BarMarket): void {}
  mid(): number {
    return this.midNow;
  }
  logImpact(): number {
    return 0;
  }
  transientLogImpact(): number {
    return 0;
  }
  execute(q: number, out: Fill): void {
    const before = this.midNow;
    const after = before * Math.exp(q / this.depth);
    const price = 0.5 * (before + after) * (1 + Math.sign(q) * this.halfSpread);
    this.midNow = after;
    out.size = q;
    out.price = price;
    out.midBefore = before;
    out.midAfter = after;
    out.cost = Math.abs(q) * Math.abs(price - before);
    out.impactCost = 0;
  }
  depthPerLogPrice(): number {
    return this.depth;
  }
  saveState(buf: Float64Array, offset: number): void {
    buf[offset] = this.midNow;
  }
  loadState(buf: Float64Array, offset: number): void {
    this.midNow = buf[offset];
  }
}

/**
 * The dealer inside a minimal bar: market state, then up to three hedge
 * rounds whose orders the Venue fills against `LogImpact`, then endBar. Everything the dealer can touch (market state,
 * ledger, its own state) and the harness's scalars are saved.
 */
class DealerHarness {
  readonly mh: MarketHarness;
  readonly dealer: DealerAgent;
  readonly ledger = new Ledger();
  readonly rec: Recorder;
  readonly orders = new OrderQueue(16);
  private readonly market: LogImpact;
  private readonly venue: Venue;
  /** The simulated mid: the exogenous move times the dealer's impact. */
  get mid(): number {
    return this.market.midNow;
  }
  set mid(v: number) {
    this.market.midNow = v;
  }
  static readonly LOOP = 1;
  private readonly view: MarketView & { mid(): number };
  private barState = { bar: 0, time: T0, dtYears: 0, atmVol: 0, drawdown: 0 };
  static readonly DEPTH = 4_000; // base units per unit log-price
  static readonly HALF_SPREAD = 0.0003;

  constructor(readonly c: DealerCase, bars: number, mode: DynamicsMode = 'stress') {
    this.mh = new MarketHarness({ mode, volPerBar: c.volPerBar, ivShare: c.ivShare, ivConst: c.ivConst, seed: c.seed }, bars);
    this.rec = new Recorder(bars);
    this.dealer = makeDealer(c);
    this.dealer.declareColumns(this.rec);
    this.market = new LogImpact(SPOT0, DealerHarness.DEPTH, DealerHarness.HALF_SPREAD);
    this.venue = new Venue(this.market, this.ledger, new TradeLog(), [this.dealer]);
    const self = this;
    const bs = this.barState;
    const mk = this.mh.market;
    this.view = {
      get bar() { return bs.bar; },
      get time() { return bs.time; },
      get dtYears() { return bs.dtYears; },
      refPrice: SPOT0,
      mid: () => self.mid,
      depthPerLogPrice: () => DealerHarness.DEPTH,
      realisedVol: 0.8,
      get atmVol() { return bs.atmVol; },
      stress: makeStressSignals(),
      get drawdown() { return bs.drawdown; },
      rate: mk.rate,
      dividend: mk.dividend,
      surface: mk.surface,
      trades: new TradeLog(),
    };
  }

  /** Steps one bar; returns the dealer's recorded row, totals, wealth and the ledger. */
  step(): number[] {
    const i = this.mh.i;
    const bs = this.barState;
    // The market harness moves the exogenous spot; the dealer's impact rides on top (J of docs/model.md#reading-history).
    const spotBefore = this.mh.spot;
    this.mh.step();
    this.mid *= this.mh.spot / spotBefore;
    bs.bar = i;
    bs.time = T0 + i * BAR_MS;
    bs.dtYears = i === 0 ? 0 : BAR_MS / MS_PER_YEAR;
    bs.atmVol = this.mh.atmIn;
    bs.drawdown = 1 - this.mh.spot / this.mh.peak;
    const d = this.dealer;
    d.beginBar(this.view, this.ledger);
    this.venue.beginBar(i, bs.time);
    for (let round = 0; round < 3; round++) {
      this.orders.length = 0;
      d.act(this.view, round, this.orders, this.ledger);
      if (this.orders.length === 0) break;
      this.venue.execute(this.orders, round);
    }
    d.endBar(this.view, this.ledger, this.rec);
    const out: number[] = [this.mid];
    for (const name of this.rec.names()) out.push(this.rec.get(name)[i]);
    const t = d.totals;
    out.push(...Object.values(t.pnl), t.hedgeVolumeBase, t.hedgeVolumeQuote, t.executionCost, t.startWealth, d.exactValuations);
    out.push(d.wealth(this.ledger, this.mid), ...this.ledger.cash, ...this.ledger.asset);
    return out;
  }

  get stateSize(): number {
    return DealerHarness.LOOP + this.mh.stateSize + Ledger.stateSize + this.dealer.stateSize;
  }
  save(buf: Float64Array): void {
    buf[0] = this.mid;
    let o = DealerHarness.LOOP;
    this.mh.save(buf, o);
    o +=  this.mh.stateSize;
    this.ledger.saveState(buf, o);
    o += Ledger.stateSize;
    this.dealer.saveState(buf, o);
  }
  load(buf: Float64Array): void {
    this.mid = buf[0];
    let o = DealerHarness.LOOP;
    this.mh.load(buf, o);
    o += this.mh.stateSize;
    this.ledger.loadState(buf, o);
    o += Ledger.stateSize;
    this.dealer.loadState(buf, o);
  }
}

const DEALER_CASES: DealerCase[] = [
  { revaluation: 'every-bar', hedge: 'every-bar', volPerBar: 0.012, ivShare: 0.2, seed: 11 },
  { revaluation: 'when-moved', hedge: 'delta-band', volPerBar: 0.003, ivShare: 0, seed: 12 },
  { revaluation: 'when-moved', hedge: 'every-bar', volPerBar: 0.006, ivShare: 0, seed: 13 },
  // A constant IV index: lazy bars see no ATM move, so they carry the last bar's end vols.
  { revaluation: 'when-moved', hedge: 'delta-band', volPerBar: 0.002, ivShare: 1, ivConst: 70, seed: 14 },
];

// Both valuation kernels: the WASM one keeps per-book scratch (expiry groups) that a restore must not leak into.
describe.each(['wasm', 'js'] as const)('DealerAgent rollback (%s kernel)', (kernel) => {
  const BARS = 40;
  const initial = valuationKernel();
  beforeAll(() => setValuationKernel(kernel));
  afterAll(() => setValuationKernel(initial));
  for (const c of DEALER_CASES) {
    it(`retrying any bar repeats it bit for bit, and a fresh dealer has the same future (${JSON.stringify(c)})`, () => {
      // Reference run without any rollback.
      const ref = new DealerHarness(c, BARS);
      const refOut: string[][] = [];
      for (let k = 0; k < BARS; k++) refOut.push(bits(ref.step()));

      // Save before every bar, step, restore, step again: the second try must
      // equal the first and the reference (so a restore never perturbs the run).
      const h = new DealerHarness(c, BARS);
      const buf = new Float64Array(h.stateSize);
      const second = new Float64Array(h.stateSize);
      const third = new Float64Array(h.stateSize);
      for (let k = 0; k < BARS; k++) {
        h.save(buf);
        const first = bits(h.step());
        h.save(second);
        h.load(buf);
        const again = bits(h.step());
        h.save(third);
        const info = `bar ${k}, case ${JSON.stringify(c)}`;
        expect(first, info).toEqual(refOut[k]);
        expect(again, info).toEqual(first);
        expect(bits(third), `state after ${info}`).toEqual(bits(second));
      }

      // A fresh dealer (same config) loaded mid-run has the reference's future.
      // Several save points, so some fall before lazy bars, rolls and exact re-valuations.
      for (const saveAt of [3, 8, 14, 20, 27, 33]) {
        const a = new DealerHarness(c, BARS);
        for (let k = 0; k < saveAt; k++) a.step();
        const snap = new Float64Array(a.stateSize);
        a.save(snap);
        const fresh = new DealerHarness(c, BARS);
        fresh.load(snap);
        for (let k = saveAt; k < BARS; k++) expect(bits(fresh.step()), `fresh dealer saved before bar ${saveAt}, bar ${k}, case ${JSON.stringify(c)}`).toEqual(refOut[k]);
      }

      // The run must exercise what the state holds: rolls (the 3h and 7h
      // tenors expire many times in 40 hourly bars), hedges, and in
      // 'when-moved' both lazy and exact bars.
      const opts = ref.rec.get('dealer_options');
      expect(ref.dealer.totals.hedgeVolumeBase, JSON.stringify(c)).toBeGreaterThan(0);
      expect(opts[BARS - 1], JSON.stringify(c)).toBe(12);
      if (c.revaluation === 'when-moved') {
        expect(ref.dealer.exactValuations, JSON.stringify(c)).toBeGreaterThan(1);
        expect(ref.dealer.exactValuations, JSON.stringify(c)).toBeLessThan(BARS);
      }
    });
  }

  it('a lazy bar with no ATM move attributes exactly zero vega, also right after a roll (end vols follow the rolled book)', () => {
    // In a lazy bar each option's vol moves only with the ATM shift, which is
    // 0 under a constant IV index without the stress regime (whose ATM
    // multiplier moves with drawdown), so σ_end = σ_start bit for bit and the
    // vega line Σ q·vega·(σ_end − σ_start) is exactly 0 (pnlAttribution.ts).
    // Before the fix, a lazy bar after a roll read the expired options' end vols.
    const c = DEALER_CASES[3];
    const h = new DealerHarness(c, 40, 'sticky-moneyness');
    const vega = h.rec.get('pnl_vega');
    const opts = h.rec.get('dealer_options');
    let lazyBars = 0;
    let prevExact = 0;
    for (let k = 0; k < 40; k++) {
      h.step();
      const lazy = k > 0 && h.dealer.exactValuations === prevExact;
      prevExact = h.dealer.exactValuations;
      if (!lazy) continue;
      lazyBars++;
      expect(vega[k], `lazy bar ${k}, options ${opts[k]}, case ${JSON.stringify(c)}`).toBe(0);
    }
    expect(lazyBars, JSON.stringify(c)).toBeGreaterThan(5);
  });

  it('state size reserves a full book: saving a book that grew by rolls fits the same buffer', () => {
    const c = DEALER_CASES[0];
    const d = makeDealer(c);
    // Capacity is twice the 12 specs (bookFromSpecs headroom): book.maxStateSize
    // (1 + 15·capacity) + 45 scalars + 5 per-option P&L start columns at
    // capacity (the end vols are the book's own column, not saved twice).
    const cap = 24;
    expect(d.stateSize, JSON.stringify(c)).toBe(1 + 15 * cap + 45 + 5 * cap);
  });
});

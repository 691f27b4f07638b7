import { describe, expect, it } from 'vitest';
import { HERDING_COLUMNS, HerdingAgent, type HerdingConfig } from '../../src/behaviour/herding.js';
import { makeStressSignals } from '../../src/sim/stress.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng, SeedTree } from '../../src/core/rng.js';
import { allocBarColumns, makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import type { MarketView } from '../../src/sim/agent.js';
import { buildEngineParts } from '../../src/runner/build.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { OrderQueue } from '../../src/sim/orderQueue.js';
import { Recorder } from '../../src/sim/recorder.js';
import { runSimulation } from '../../src/engine/run.js';
import { CAUSE_CODE, TradeLog } from '../../src/sim/tradeLog.js';
import type { VolSurface } from '../../src/sim/volSurface.js';
import { ScriptedMid, testScenario } from '../engine/helpers.js';
import { Venue } from '../../src/engine/venue.js';

/** A config with every field explicit (the defaults live in the lead's zod schema). */
function config(over: Partial<HerdingConfig> = {}): HerdingConfig {
  return {
    holdingsBase: 1000,
    groups: 4,
    thresholds: { kind: 'fixed', drawdowns: [0.05, 0.1, 0.2, 0.4] },
    sellFraction: 0.3,
    sellOverBars: 1,
    intraBar: false,
    rebuy: null,
    ...over,
  };
}

interface Driven {
  sold: number[];
  bought: number[];
  triggered: number[];
  holdings: number[];
  ledger: Ledger;
  /** Every order the agent sent: [bar, round, signed size, cause]. */
  orders: Array<[number, number, number, number]>;
}

/**
 * A scripted market: bar i's mid at round r is path[i][min(r, last)], a move
 * no order causes (so the drawdown, and which thresholds it crosses, is known
 * in advance). Orders go through the engine's Venue against a market that
 * fills them in full at the current mid. The bar-start
 * drawdown is from the running peak of bar-start mids, as in run.ts.
 */
function drive(agent: HerdingAgent, path: number[][], opts: { ledger?: Ledger; from?: number; peak?: number } = {}): Driven {
  const n = path.length;
  const ledger = opts.ledger ?? new Ledger();
  const rec = new Recorder(n);
  agent.declareColumns(rec);
  const orders = new OrderQueue(4);
  const stress = makeStressSignals();
  const market = new ScriptedMid();
  const view: MarketView & { bar: number; drawdown: number } = {
    bar: 0, time: 0, dtYears: 0, refPrice: 0, realisedVol: 0.5, atmVol: 0.5, stress, drawdown: 0, rate: 0, dividend: 0,
    surface: null as unknown as VolSurface, trades: new TradeLog(),
    mid: () => market.price, depthPerLogPrice: () => Infinity,
  };
  const venue = new Venue(market, ledger, view.trades, [agent]);
  const sent: Array<[number, number, number, number]> = [];
  let peak = opts.peak ?? 0;
  for (let i = opts.from ?? 0; i < n; i++) {
    view.bar = i;
    const mid = path[i][0];
    market.price = mid;
    if (mid > peak) peak = mid;
    view.drawdown = stress.drawdown = (peak - mid) / peak;
    agent.beginBar(view, ledger);
    venue.beginBar(i, view.time);
    for (let r = 0; r < 20; r++) {
      market.price = path[i][Math.min(r, path[i].length - 1)];
      orders.clear();
      agent.act(view, r, orders, ledger);
      if (orders.length === 0 && r >= path[i].length - 1) break;
      for (let k = 0; k < orders.length; k++) sent.push([i, r, orders.size[k], orders.cause[k]]);
      venue.execute(orders, r);
    }
    agent.endBar(view, ledger, rec);
  }
  return {
    sold: Array.from(rec.get('herding_sold_base')),
    bought: Array.from(rec.get('herding_bought_base')),
    triggered: Array.from(rec.get('herding_groups_triggered')),
    holdings: Array.from(rec.get('herding_holdings_base')),
    ledger,
    orders: sent,
  };
}

const bars = (...mids: number[]): number[][] => mids.map((m) => [m]);

describe('HerdingAgent (stylized assumption)', () => {
  it('labels every recorded column as a stylized assumption', () => {
    const rec = new Recorder(1);
    new HerdingAgent(config(), new Rng(1)).declareColumns(rec);
    expect(rec.names()).toEqual(Object.keys(HERDING_COLUMNS));
    for (const [name, note] of Object.entries(HERDING_COLUMNS)) expect(note, name).toMatch(/^STYLIZED ASSUMPTION/);
  });

  it('sells nothing while the drawdown stays below every threshold', () => {
    // Thresholds drawn in [10%, 30%]; the path's deepest drawdown is 9.9% (100 → 90.1).
    const cfg = config({ groups: 50, thresholds: { kind: 'uniform', minDrawdown: 0.1, maxDrawdown: 0.3 }, intraBar: true });
    const a = new HerdingAgent(cfg, new Rng(7));
    const d = drive(a, bars(100, 97, 95, 92, 90.1, 94, 99, 91, 100));
    const info = JSON.stringify({ cfg, d });
    expect(d.orders, info).toEqual([]);
    expect(d.sold.every((x) => x === 0), info).toBe(true);
    expect(d.triggered.every((x) => x === 0), info).toBe(true);
    // Endowed from the counterparties at the first bar: the columns still sum to zero.
    expect(d.ledger.asset[PARTY.holders], info).toBe(1000);
    expect(d.ledger.asset[PARTY.counterparties], info).toBe(-1000);
    expect(d.ledger.assetImbalance(), info).toBe(0);
    expect(a.totals.soldBase, info).toBe(0);
  });

  it('sells exactly the configured fraction of each class whose threshold the drawdown crosses, once', () => {
    // 4 classes of 250; thresholds 5%, 10%, 20%, 40%; each sells 30% = 75 base.
    // Bar drawdowns: 0, 3%, 6% (class 0), 11% (class 1), 4% and 7% (no new
    // class; class 0 does not sell twice without a rebuy), 21% (class 2), 10%.
    const a = new HerdingAgent(config(), new Rng(1));
    const d = drive(a, bars(100, 97, 94, 89, 96, 93, 79, 90));
    const info = JSON.stringify(d);
    expect(d.sold, info).toEqual([0, 0, 75, 75, 0, 0, 75, 0]);
    expect(d.triggered, info).toEqual([0, 0, 1, 2, 2, 2, 3, 3]);
    expect(d.holdings, info).toEqual([1000, 1000, 925, 850, 850, 850, 775, 775]);
    // One market order per selling bar, cause 'herding', in round 0.
    expect(d.orders, info).toEqual([
      [2, 0, -75, CAUSE_CODE.herding],
      [3, 0, -75, CAUSE_CODE.herding],
      [6, 0, -75, CAUSE_CODE.herding],
    ]);
    expect(d.ledger.cash[PARTY.holders], info).toBe(75 * 94 + 75 * 89 + 75 * 79);
    expect(a.totals, info).toEqual({ soldBase: 225, soldQuote: 75 * (94 + 89 + 79), boughtBase: 0, boughtQuote: 0, triggers: 3, rearms: 0 });
    expect([0, 1, 2, 3].map((g) => a.holdingsOf(g)), info).toEqual([175, 175, 175, 250]);
  });

  it('a crossing of several thresholds at once sells all of them in one order', () => {
    // 100 → 75: drawdown 25% crosses 5%, 10% and 20% in the same bar.
    const a = new HerdingAgent(config(), new Rng(1));
    const d = drive(a, bars(100, 75));
    expect(d.orders, JSON.stringify(d)).toEqual([[1, 0, -225, CAUSE_CODE.herding]]);
  });

  it('a drawdown exactly at a threshold counts as crossing it', () => {
    // (100 − 95) / 100 rounds to the same double as the literal 0.05.
    const a = new HerdingAgent(config(), new Rng(1));
    const d = drive(a, bars(100, 95));
    expect(d.sold, JSON.stringify(d)).toEqual([0, 75]);
  });

  it('spreads a sale over sellOverBars equal tranches', () => {
    // Class 0 (250) sells 30% = 75 over 3 bars: 25 per bar from the trigger bar.
    const a = new HerdingAgent(config({ sellOverBars: 3 }), new Rng(1));
    const d = drive(a, bars(100, 94, 94, 94, 94, 94));
    const info = JSON.stringify(d);
    expect(d.sold, info).toEqual([0, 25, 25, 25, 0, 0]);
    expect(a.totals.soldBase, info).toBe(75);
  });

  it('buys back with its proceeds after a recovery, then can sell again', () => {
    // Class 0 (threshold 5%) sells 75 at 94 (proceeds 7050). It re-arms at a
    // drawdown ≤ 0.5 × 5% = 2.5%: at 98 (2%), and spends 7050 over 2 bars:
    // 3525/98 and 3525/99. A second fall to 94 sells 30% of its new holdings.
    const rebuy = { drawdownFractionOfThreshold: 0.5, overBars: 2 };
    const a = new HerdingAgent(config({ rebuy }), new Rng(1));
    const d = drive(a, bars(100, 94, 97, 98, 99, 100, 94));
    const info = JSON.stringify(d);
    const back = 3525 / 98 + 3525 / 99;
    expect(d.sold.slice(0, 6), info).toEqual([0, 75, 0, 0, 0, 0]);
    expect(d.bought[3], info).toBeCloseTo(3525 / 98, 12);
    expect(d.bought[4], info).toBeCloseTo(3525 / 99, 12);
    expect(d.triggered, info).toEqual([0, 1, 1, 0, 0, 0, 1]);
    // Holdings 250 − 75 + back; the second sale is 30% of that (rounding only: 1e-12 relative).
    expect(d.sold[6] / (0.3 * (175 + back)), info).toBeCloseTo(1, 12);
    // All proceeds were spent (fills at the mid here, so cash returns to 0 before the second sale).
    expect(Math.abs(d.ledger.cash[PARTY.holders] - 94 * d.sold[6]), info).toBeLessThan(1e-9);
    expect(a.totals.rearms, info).toBe(1);
    expect(a.totals.triggers, info).toBe(2);
  });

  it('with intraBar, a class the live mid crosses inside the bar sells in that round; without, at the next bar start', () => {
    // Bar 1 opens at 99 (1%) and trades down to 93 (7%) by round 2: class 0 (5%).
    const path = [[100], [99, 97, 93], [93]];
    const fast = drive(new HerdingAgent(config({ intraBar: true }), new Rng(1)), path);
    const slow = drive(new HerdingAgent(config({ intraBar: false }), new Rng(1)), path);
    const info = JSON.stringify({ fast, slow });
    expect(fast.orders, info).toEqual([[1, 2, -75, CAUSE_CODE.herding]]);
    expect(fast.sold, info).toEqual([0, 75, 0]);
    expect(slow.orders, info).toEqual([[2, 0, -75, CAUSE_CODE.herding]]);
    expect(slow.sold, info).toEqual([0, 0, 75]);
  });

  it('draws thresholds from the seeded distribution: within range, sorted, same seed same draws', () => {
    const cfg = config({ groups: 200, thresholds: { kind: 'uniform', minDrawdown: 0.05, maxDrawdown: 0.3 } });
    const seeds = new SeedTree(42);
    const a = Array.from(new HerdingAgent(cfg, seeds.rng('behaviour.herding')).thresholds);
    const b = Array.from(new HerdingAgent(cfg, seeds.rng('behaviour.herding')).thresholds);
    const c = Array.from(new HerdingAgent(cfg, new SeedTree(43).rng('behaviour.herding')).thresholds);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (let g = 0; g < a.length; g++) {
      expect(a[g], `g=${g}`).toBeGreaterThanOrEqual(0.05);
      expect(a[g], `g=${g}`).toBeLessThanOrEqual(0.3);
      if (g > 0) expect(a[g], `g=${g}`).toBeGreaterThanOrEqual(a[g - 1]);
    }
    // 200 uniform draws: the sample mean is within 4 standard errors of 0.175 (σ = 0.25/√12).
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(Math.abs(mean - 0.175), `mean=${mean}`).toBeLessThan((4 * 0.25) / Math.sqrt(12 * 200));
  });

  it('is deterministic: the same seed gives the same sales on a path that crosses drawn thresholds', () => {
    const cfg = config({ groups: 30, thresholds: { kind: 'lognormal', medianDrawdown: 0.1, sigmaLog: 0.5 }, sellOverBars: 3, rebuy: { drawdownFractionOfThreshold: 0.3, overBars: 4 } });
    const path = bars(100, 96, 92, 88, 84, 80, 84, 88, 92, 96, 99, 100, 90, 80, 70, 75);
    const x = drive(new HerdingAgent(cfg, new Rng(9)), path);
    const y = drive(new HerdingAgent(cfg, new Rng(9)), path);
    expect(x.sold.some((s) => s > 0), JSON.stringify(x)).toBe(true);
    expect(x.bought.some((s) => s > 0), JSON.stringify(x)).toBe(true);
    expect(y).toEqual(x);
  });

  it('save/load: a state saved mid-run and loaded into a fresh agent continues identically', () => {
    const cfg = config({ groups: 12, thresholds: { kind: 'uniform', minDrawdown: 0.02, maxDrawdown: 0.25 }, sellOverBars: 6, rebuy: { drawdownFractionOfThreshold: 0.5, overBars: 3 } });
    // At the cut, classes triggered at bars 2-3 are still selling (6 tranches)
    // and classes re-armed at bar 6 (95, drawdown 5%) are still buying back.
    const path = bars(100, 97, 93, 90, 86, 84, 95, 94, 93, 99, 100, 96, 90, 85, 80);
    const cut = 8;
    const whole = drive(new HerdingAgent(cfg, new Rng(3)), path);

    const first = new HerdingAgent(cfg, new Rng(3));
    const head = drive(first, path.slice(0, cut));
    const buf = new Float64Array(first.stateSize + Ledger.stateSize + 3).fill(Number.NaN);
    first.saveState(buf, 3);
    head.ledger.saveState(buf, 3 + first.stateSize);

    // Rolling back: the same agent runs on, then is restored and gives the same tail.
    drive(first, path.slice(0, cut).concat(bars(50, 40)), { ledger: head.ledger, from: cut, peak: 100 });
    const fresh = new HerdingAgent(cfg, new Rng(3));
    for (const agent of [first, fresh]) {
      agent.loadState(buf, 3);
      const ledger = new Ledger();
      ledger.loadState(buf, 3 + agent.stateSize);
      const tail = drive(agent, path, { ledger, from: cut, peak: 100 });
      const info = JSON.stringify({ whole, tail });
      expect(tail.sold.slice(cut), info).toEqual(whole.sold.slice(cut));
      expect(tail.bought.slice(cut), info).toEqual(whole.bought.slice(cut));
      expect(tail.triggered.slice(cut), info).toEqual(whole.triggered.slice(cut));
      expect(tail.holdings.slice(cut), info).toEqual(whole.holdings.slice(cut));
      expect(Array.from(tail.ledger.cash), info).toEqual(Array.from(whole.ledger.cash));
    }
    // Both a sale and a buy-back were in progress at the cut, so the saved state carried both.
    expect(whole.sold[cut] > 0 && whole.bought[cut] > 0, JSON.stringify(whole)).toBe(true);
  });

  it('refuses bad config with the field named', () => {
    const cases: Array<[Partial<HerdingConfig>, string]> = [
      [{ holdingsBase: -1 }, 'behaviour.herding.holdingsBase'],
      [{ groups: 0 }, 'behaviour.herding.groups'],
      [{ groups: 2.5 }, 'behaviour.herding.groups'],
      [{ sellFraction: 0 }, 'behaviour.herding.sellFraction'],
      [{ sellFraction: 1.5 }, 'behaviour.herding.sellFraction'],
      [{ sellOverBars: 0 }, 'behaviour.herding.sellOverBars'],
      [{ thresholds: { kind: 'uniform', minDrawdown: 0, maxDrawdown: 0.2 } }, 'behaviour.herding.thresholds.minDrawdown'],
      [{ thresholds: { kind: 'uniform', minDrawdown: 0.2, maxDrawdown: 0.1 } }, 'behaviour.herding.thresholds.maxDrawdown'],
      [{ thresholds: { kind: 'lognormal', medianDrawdown: 0.1, sigmaLog: -1 } }, 'behaviour.herding.thresholds.sigmaLog'],
      [{ thresholds: { kind: 'fixed', drawdowns: [0.1, 0.2] } }, 'behaviour.herding.thresholds.drawdowns'],
      [{ thresholds: { kind: 'fixed', drawdowns: [0.1, 0.2, Number.NaN, 0.3] } }, 'behaviour.herding.thresholds.drawdowns[2]'],
      [{ rebuy: { drawdownFractionOfThreshold: 1, overBars: 1 } }, 'behaviour.herding.rebuy.drawdownFractionOfThreshold'],
      [{ rebuy: { drawdownFractionOfThreshold: 0.5, overBars: 0 } }, 'behaviour.herding.rebuy.overBars'],
    ];
    for (const [over, field] of cases) {
      let err: unknown;
      try {
        new HerdingAgent(config(over), new Rng(1));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(over)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).location.field, JSON.stringify(over)).toBe(field);
    }
  });
});

/** A crash path of 1-minute bars: flat at 10,000, down 30% linearly, partly back. */
function crashBars(): BarSeries {
  const n = 240;
  const cols = allocBarColumns(n);
  for (let i = 0; i < n; i++) {
    const c = i < 60 ? 10_000 : i < 150 ? 10_000 * (1 - (0.3 * (i - 60)) / 90) : 7_000 + (1500 * (i - 150)) / 90;
    cols.time[i] = Date.UTC(2020, 2, 12) + i * 60_000;
    cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = c;
    cols.volume[i] = 100;
  }
  return makeBarSeries({ symbol: 'TEST', source: 'test', synthetic: true, volumeUnit: 'base' }, cols);
}

describe('HerdingAgent in the engine (stylized assumption)', () => {
  const scenario = testScenario({ market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 2e6 } } });
  const data = { bars: crashBars(), dataSha256: 'x' };
  const run = (cfg: HerdingConfig, seed: number) => {
    const { parts } = buildEngineParts(scenario, data, process.cwd());
    const herd = new HerdingAgent(cfg, new SeedTree(seed).rng('behaviour.herding'));
    let worstCash = 0;
    let worstAsset = 0;
    const r = runSimulation(scenario, data, { ...parts, agents: [...parts.agents, herd] }, {
      onBarEnd: (_i, ledger) => {
        worstCash = Math.max(worstCash, Math.abs(ledger.cashImbalance()));
        worstAsset = Math.max(worstAsset, Math.abs(ledger.assetImbalance()));
      },
    });
    return { r, herd, worstCash, worstAsset };
  };
  const cfg = config({ holdingsBase: 2000, groups: 20, thresholds: { kind: 'uniform', minDrawdown: 0.05, maxDrawdown: 0.25 }, sellOverBars: 5, intraBar: true });

  it('conserves cash and asset, logs its fills as herding, and only lowers the path (it only sells)', () => {
    const { r, herd, worstCash, worstAsset } = run(cfg, 11);
    const rec = r.recorder;
    const hist = rec.get('historical_close');
    const sim = rec.get('simulated_close');
    let logged = 0;
    for (let k = 0; k < r.trades.length; k++) if (r.trades.cause[k] === CAUSE_CODE.herding) logged += -r.trades.size[k];
    const column = rec.get('herding_sold_base').reduce((s, x) => s + x, 0);
    const info = JSON.stringify({ worstCash, worstAsset, logged, column, totals: herd.totals, triggered: herd.groupsTriggered });
    // Every class's threshold (≤ 25%) is crossed by the 30% fall, each sells 30% of 100.
    expect(herd.groupsTriggered, info).toBe(20);
    expect(Math.abs(column - 0.3 * 2000), info).toBeLessThan(1e-9);
    expect(Math.abs(logged - column), info).toBeLessThan(1e-9);
    expect(r.ledger.asset[PARTY.holders], info).toBeCloseTo(2000 - column, 9);
    // Rounding only: 1e-12 of the quote sold, 1e-9 base.
    expect(worstCash, info).toBeLessThanOrEqual(1e-12 * herd.totals.soldQuote);
    expect(worstAsset, info).toBeLessThanOrEqual(1e-9);
    // Sells only push the log-impact down, so no simulated close is above its history,
    // and the low is strictly lower once something was sold.
    for (let i = 0; i < rec.bars; i++) expect(sim[i], `bar ${i}`).toBeLessThanOrEqual(hist[i] * (1 + 1e-12));
    expect(Math.min(...sim), info).toBeLessThan(Math.min(...hist));
  });

  it('is byte-identical for the same seed and differs for another', () => {
    const a = run(cfg, 11).r.recorder;
    const b = run(cfg, 11).r.recorder;
    const c = run(cfg, 12).r.recorder;
    for (const name of ['simulated_close', ...Object.keys(HERDING_COLUMNS)]) expect(Array.from(b.get(name)), name).toEqual(Array.from(a.get(name)));
    expect(Array.from(c.get('herding_sold_base'))).not.toEqual(Array.from(a.get('herding_sold_base')));
  });

  it('with thresholds never crossed the run is the history exactly', () => {
    const { r, herd } = run(config({ holdingsBase: 2000, groups: 5, thresholds: { kind: 'uniform', minDrawdown: 0.31, maxDrawdown: 0.5 } }), 11);
    const hist = r.recorder.get('historical_close');
    expect(Array.from(r.recorder.get('simulated_close'))).toEqual(Array.from(hist));
    expect(herd.totals.soldBase).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { validateScenario } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildEngineParts } from '../../src/runner/build.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { Simulation, type RunData } from '../../src/engine/run.js';
import { ShockSolver } from '../../src/engine/shockSolver.js';
import { ScriptedMid, gbmBars, testScenario } from './helpers.js';
import type { Agent, MarketView } from '../../src/sim/agent.js';
import type { OrderQueue } from '../../src/sim/orderQueue.js';
import { PARTY } from '../../src/sim/ledger.js';
import { CAUSE_CODE } from '../../src/sim/tradeLog.js';
import type { BarMarket, Fill, LiquidityKind, LiquidityModel } from '../../src/market/liquidity.js';

const FIXED_DEPTH = { source: 'fixed', depth1PctQuote: 1e6 } as const;

/**
 * docs/model.md#reading-history, inferred mode: each bar's exogenous return
 * is solved for so that the bar, cascade and all, ends at the historical close.
 */
const ROOT = join(import.meta.dirname, '../..');
const SCENARIOS = join(ROOT, 'data/scenarios');
const defaultRaw = (): Record<string, unknown> => JSON.parse(readFileSync(join(SCENARIOS, 'default.json'), 'utf8')) as Record<string, unknown>;

describe('ShockSolver against closed forms', () => {
  it('solves g(d) = k·d + c for the root −c/k to the tolerance, in a handful of tries', () => {
    for (const [k, c] of [[1, 0.03], [3, -0.02], [40, 0.001], [0.2, -0.05]]) {
      const s = new ShockSolver((d) => k * d + c);
      s.solve(1e-12);
      expect(s.solved).toBe(true);
      expect(Math.abs(Math.expm1(k * s.d + c))).toBeLessThanOrEqual(1e-12);
      expect(s.d).toBeCloseTo(-c / k, 10);
      expect(s.tries).toBeLessThanOrEqual(12);
    }
  });

  it('flags a jump across the target: g = d + 0.01 below 0.005, d + 0.03 above; nearest close is the side nearer the target', () => {
    // g jumps from −0.005 to +0.015 at d = −0.015: 0 is never reached, −0.005 is the nearest.
    const s = new ShockSolver((d) => (d < -0.015 ? d + 0.01 : d + 0.03));
    s.solve(1e-10);
    expect(s.solved).toBe(false);
    expect(s.d).toBeCloseTo(-0.015, 12);
    expect(s.g).toBeCloseTo(-0.005, 12);
    expect(s.tries).toBeLessThan(100);
  });

  it('returns the nearest try, not a bracket end, when g is not monotone past a jump', () => {
    // g jumps from −0.031 to a spike of 0.5 at d = 0.019, then falls back to d − 0.0185 > 0 from d = 0.0195:
    // no root; Brent closes on the jump, whose ends (−0.031, 0.5) are farther than tries on the right branch.
    const g = (d: number): number => (d < 0.019 ? d - 0.05 : d < 0.0195 ? 0.5 : d - 0.0185);
    const s = new ShockSolver(g);
    s.solve(1e-10);
    expect(s.solved).toBe(false);
    expect(s.d).toBeGreaterThanOrEqual(0.0195);
    expect(s.g).toBe(g(s.d));
    expect(Math.abs(s.g)).toBeLessThan(0.031);
  });
});

function inferredData(n: number): RunData {
  const bars = gbmBars({ bars: n, volPerYear: 0.8, seed: 7 });
  return { bars, dataSha256: 'x' };
}

describe('inferred mode with nothing acting', () => {
  it('infers exactly the historical log returns, in one try per bar, with the simulated path equal to the history', () => {
    const scenario = testScenario({ history: { mode: 'inferred' }, market: { depth: FIXED_DEPTH } });
    const data = inferredData(500);
    const sim = new Simulation(scenario, data, { liquidity: new ScriptedMid(), market: buildEngineParts(scenario, data, ROOT).parts.market, agents: [] });
    const r = sim.run();
    const { bars } = data;
    const loop = r.columns.loop;
    const inf = r.columns.inferred;
    expect(inf).not.toBeNull();
    for (let i = 1; i < bars.length; i++) {
      expect(loop.exogenous_return[i]).toBe(Math.log(bars.close[i] / bars.close[i - 1]));
      expect(loop.simulated_close[i]).toBe(bars.close[i]);
      expect(inf?.inferred_tries[i]).toBe(1);
    }
    expect(r.figures.inferredMeanTries).toBe(1);
    expect(r.figures.inferredBarsFlagged).toBe(0);
  });
});

describe('inferred mode on the bundled default scenario', () => {
  it('ends every unflagged bar at the historical close within the tolerance; flagged bars record their gap', () => {
    const scenario = validateScenario({ ...defaultRaw(), history: { mode: 'inferred' } });
    const data = prepareRunData(scenario, SCENARIOS).data;
    const r = runBacktest(scenario, data, SCENARIOS);
    const loop = r.columns.loop;
    const inf = r.columns.inferred;
    if (!inf) throw new Error('no inferred columns');
    let flagged = 0;
    let endogenous = 0;
    for (let i = 0; i < data.bars.length; i++) {
      const miss = loop.simulated_close[i] / data.bars.close[i] - 1;
      if (inf.inferred_unsolved[i] === 0) {
        expect(Math.abs(miss)).toBeLessThanOrEqual(1e-10);
        expect(inf.inferred_gap[i]).toBe(0);
      } else {
        flagged++;
        expect(inf.inferred_gap[i]).toBe(miss);
      }
      endogenous += Math.abs(loop.endogenous_return[i]);
    }
    // The agents did act: the inferred shocks differ from the history.
    expect(endogenous).toBeGreaterThan(0.01);
    expect(r.figures.inferredBarsFlagged).toBe(flagged);
    console.log(`default inferred: ${data.bars.length} bars, mean tries ${(r.figures.inferredMeanTries as number).toFixed(2)}, flagged ${flagged}, max |gap| ${r.figures.inferredMaxAbsGap}`);
  });
});

/**
 * A fixed system with a known critical point: a stop seller who sells `q`
 * base in round 0 of any bar whose mid starts below `trigger`, into a book of
 * depth D base per unit log-price with no memory between bars. The close is
 * ref for ref ≥ trigger and ref·e^(−q/D) below: closes in
 * [trigger·e^(−q/D), trigger) are reached by no shock.
 */
const TRIGGER = 9500;
const Q = 5;
const D = 100;

class StopSeller implements Agent {
  readonly party = PARTY.protocol;
  readonly stateSize = 0;
  declareColumns(): void {}
  beginBar(): void {}
  act(view: MarketView, round: number, orders: OrderQueue): void {
    if (round === 0 && view.mid() < TRIGGER) orders.push(this.party, CAUSE_CODE.liquidation, -Q);
  }
  onFill(): void {}
  endBar(): void {}
  saveState(): void {}
  loadState(): void {}
}

/** Impact q/D in log-price within the bar, gone at the next bar start. */
class MemorylessBook implements LiquidityModel {
  readonly kind: LiquidityKind = 'linear';
  private ref = Number.NaN;
  private j = 0;
  readonly stateSize = 2;
  logImpact(): number {
    return this.j;
  }
  transientLogImpact(): number {
    return this.j;
  }
  startBar(m: BarMarket): void {
    this.ref = m.refPrice;
    this.j = 0;
  }
  mid(): number {
    return this.ref * Math.exp(this.j);
  }
  execute(signedSize: number, out: Fill): void {
    const before = this.mid();
    this.j += signedSize / D;
    out.size = signedSize;
    out.price = before;
    out.midBefore = before;
    out.midAfter = this.mid();
    out.cost = 0;
    out.impactCost = 0;
  }
  depthPerLogPrice(): number {
    return D;
  }
  saveState(buf: Float64Array, o: number): void {
    buf[o] = this.ref;
    buf[o + 1] = this.j;
  }
  loadState(buf: Float64Array, o: number): void {
    this.ref = buf[o];
    this.j = buf[o + 1];
  }
}

describe('inferred mode past a critical point', () => {
  it('flags the bars whose close lies in the unreachable gap, with the nearest close, and fits the others', () => {
    const scenario = testScenario({ history: { mode: 'inferred' }, market: { depth: FIXED_DEPTH } });
    const closes = [10000, 9800, 9600, 9400, 9100, 9000, 8000, 9700];
    const bars = gbmBars({ bars: closes.length, volPerYear: 0.5, seed: 1 });
    const data: RunData = { bars: { ...bars, close: Float64Array.from(closes) }, dataSha256: 'x' };
    const market = buildEngineParts(scenario, data, ROOT).parts.market;
    const r = new Simulation(scenario, data, { liquidity: new MemorylessBook(), market, agents: [new StopSeller()] }).run();
    const inf = r.columns.inferred;
    if (!inf) throw new Error('no inferred columns');
    const sim = r.columns.loop.simulated_close;
    const low = TRIGGER * Math.exp(-Q / D);
    // 9400 is nearer the trigger above, 9100 nearer the knocked-down close below.
    const expected = [null, null, null, TRIGGER, low, null, null, null];
    for (let i = 0; i < closes.length; i++) {
      const e = expected[i];
      if (e === null) {
        expect(inf.inferred_unsolved[i]).toBe(0);
        expect(Math.abs(sim[i] / closes[i] - 1)).toBeLessThanOrEqual(1e-10);
      } else {
        expect(inf.inferred_unsolved[i]).toBe(1);
        expect(sim[i] / e - 1).toBeCloseTo(0, 12);
        expect(inf.inferred_gap[i]).toBeCloseTo(e / closes[i] - 1, 12);
      }
    }
    // 9000 is reached only from below the trigger, with ref = 9000·e^(q/D): bar 4 ended just under the trigger's
    // ref (its close the knocked-down one), so the inferred return is ln(9000·e^(q/D) / trigger).
    expect(r.columns.loop.exogenous_return[5]).toBeCloseTo(Math.log((9000 * Math.exp(Q / D)) / TRIGGER), 9);
    expect(r.figures.inferredBarsFlagged).toBe(2);
    expect(r.figures.inferredMaxAbsGap).toBeCloseTo(TRIGGER / 9400 - 1, 12);

    // Replayed in overlay on the inferred reference prices (`cascade replay`'s first row), the same system
    // retraces the inference bit for bit: the flagged bars keep their nearest closes, not the history.
    const exogenous = inf.inferred_reference;
    const replayed = new Simulation(testScenario({ market: { depth: FIXED_DEPTH } }), { ...data, exogenous }, { liquidity: new MemorylessBook(), market: buildEngineParts(scenario, data, ROOT).parts.market, agents: [new StopSeller()] }).run();
    expect(Array.from(replayed.columns.loop.simulated_close)).toEqual(Array.from(sim));
    expect(Array.from(replayed.columns.loop.exogenous_return)).toEqual(Array.from(r.columns.loop.exogenous_return));
    // Without the stop seller (the design with the agent removed) each close is the exogenous reference itself.
    const bare = new Simulation(testScenario({ market: { depth: FIXED_DEPTH } }), { ...data, exogenous }, { liquidity: new MemorylessBook(), market: buildEngineParts(scenario, data, ROOT).parts.market, agents: [] }).run();
    expect(Array.from(bare.columns.loop.simulated_close)).toEqual(Array.from(exogenous));
  });

  it('refuses an exogenous path in inferred mode and one of the wrong length', () => {
    const scenario = testScenario({ history: { mode: 'inferred' }, market: { depth: FIXED_DEPTH } });
    const data = inferredData(5);
    const market = buildEngineParts(scenario, data, ROOT).parts.market;
    expect(() => new Simulation(scenario, { ...data, exogenous: data.bars.close }, { liquidity: new ScriptedMid(), market, agents: [] })).toThrow(/overlay mode only/);
    const overlay = testScenario({ market: { depth: FIXED_DEPTH } });
    expect(() => new Simulation(overlay, { ...data, exogenous: new Float64Array(3) }, { liquidity: new ScriptedMid(), market, agents: [] })).toThrow(/3 prices for 5 bars/);
  });
});

describe('inferred mode refuses a strategy', () => {
  it('is a ConfigError naming history.mode', () => {
    expect(() => validateScenario({ ...defaultRaw(), history: { mode: 'inferred' }, strategy: { path: 'buy-the-fear' } })).toThrow(ConfigError);
    expect(() => validateScenario({ ...defaultRaw(), history: { mode: 'inferred' }, strategy: { path: 'buy-the-fear' } })).toThrow(/history\.mode/);
  });
});

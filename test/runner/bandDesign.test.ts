/**
 * Which inputs the band moves, and to what: the withdrawal elasticity is
 * halved and raised by half where the liquidity model applies it, and named
 * as skipped where it does not.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import type { Scenario } from '../../src/config/scenario.js';
import { BAND_DESIGN, bandDesign, computeBand } from '../../src/runner/band.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { loadScenarioStrategy } from '../../src/runner/build.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { defaultScenarioRaw, ROOT, runScenario } from '../strategy/helpers.js';

function scenario(edit: (raw: Record<string, unknown>) => void = () => {}): Scenario {
  const raw = defaultScenarioRaw();
  edit(raw);
  return validateScenario(raw);
}

const market = (raw: Record<string, unknown>): Record<string, unknown> => raw.market as Record<string, unknown>;

describe('the band design', () => {
  it('the default scenario: five inputs, the withdrawal elasticity 1 moved to 0.5 and 1.5, nothing else changed', () => {
    const s = scenario();
    expect(s.market.withdrawal.elasticity).toBe(1);
    const { variations, skipped } = bandDesign(s);
    expect(variations.map((v) => v.input)).toEqual(['depth', 'dealer inventory', 'resilience', 'open interest', 'liquidity withdrawal']);
    expect(skipped).toEqual([]);
    const w = variations.find((v) => v.input === 'liquidity withdrawal')!;
    expect([w.low.label, w.high.label]).toEqual(['x0.5', 'x1.5']);
    expect(w.low.scenario.market.withdrawal.elasticity).toBe(0.5);
    expect(w.high.scenario.market.withdrawal.elasticity).toBe(1.5);
    const rest = (c: Scenario): unknown => ({ ...c, market: { ...c.market, withdrawal: { ...c.market.withdrawal, elasticity: 0 } } });
    expect(rest(w.low.scenario)).toEqual(rest(s));
    expect(rest(w.high.scenario)).toEqual(rest(s));
    expect(s.market.withdrawal.elasticity).toBe(1);
    expect(BAND_DESIGN).toContain('liquidity withdrawal x0.5/x1.5');
  });

  it('elasticity 0, or the square-root model: skipped, with why', () => {
    const off = bandDesign(scenario((raw) => void (market(raw).withdrawal = { elasticity: 0 })));
    expect(off.variations.map((v) => v.input)).not.toContain('liquidity withdrawal');
    expect(off.skipped).toEqual([expect.stringMatching(/^liquidity withdrawal \(market\.withdrawal\.elasticity 0, or the square-root model/)]);
    const sqrt = bandDesign(scenario((raw) => void (market(raw).liquidity = { kind: 'sqrt' })));
    expect(sqrt.variations.map((v) => v.input)).not.toContain('liquidity withdrawal');
    expect(sqrt.skipped.some((x) => x.startsWith('liquidity withdrawal'))).toBe(true);
  });
});

describe('the band with a strategy', () => {
  it("reports the strategy's simulated return over the central run and every variation; without a strategy it is absent", async () => {
    const raw = { ...defaultScenarioRaw(), strategy: { path: 'buy-the-fear' }, data: { bars: { source: 'gbm', bars: 400, volPerYear: 1.2, startPrice: 8000, barMinutes: 15 }, warmupBars: 96 } };
    const { scenario, result, data } = await runScenario(raw);
    const strategy = await loadScenarioStrategy(scenario, join(ROOT, 'data/scenarios'));
    const band = computeBand(scenario, data, join(ROOT, 'data/scenarios'), result.figures, undefined, { strategy: strategy! });
    const central = (result.figures.strategy as { simulated: { returnFraction: number } }).simulated.returnFraction;
    const runs = [central, ...Object.values(band.inputs).flatMap((v) => [v.low.strategyReturn!, v.high.strategyReturn!])];
    expect(runs).toHaveLength(11);
    for (const r of runs) expect(Number.isFinite(r)).toBe(true);
    // The strategy trades on this path, so the variations move its return.
    expect(new Set(runs).size).toBeGreaterThan(1);
    expect(band.strategyReturn).toEqual({ low: Math.min(...runs), high: Math.max(...runs) });

    const plain = validateScenario({ ...defaultScenarioRaw(), data: raw.data });
    const plainData = prepareRunData(plain, join(ROOT, 'data/scenarios')).data;
    const plainBand = computeBand(plain, plainData, join(ROOT, 'data/scenarios'), runBacktest(plain, plainData, join(ROOT, 'data/scenarios')).figures);
    expect('strategyReturn' in plainBand).toBe(false);
    for (const v of Object.values(plainBand.inputs)) expect('strategyReturn' in v.low).toBe(false);
  }, 120_000);
});

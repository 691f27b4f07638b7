/**
 * A population sized for one market run on a much thinner one: the build
 * warns when the open interest, sold at once into the linear book, would
 * move the log-price by more than one unit.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { DEFAULT_SCENARIO_PATH, PROJECT_ROOT } from '../../src/config/resolveTarget.js';
import type { Scenario } from '../../src/config/scenario.js';
import { listCrashes } from '../../src/data/catalog.js';
import { buildEngineParts, OPEN_INTEREST_REACH_WARN, openInterestReachWarning } from '../../src/runner/build.js';
import { crashScenario } from '../../src/runner/crashScenario.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { defaultScenarioRaw } from '../strategy/helpers.js';

/** The scenario's open interest over 100 × its depth per 1%, and its build warnings (paths read from `baseDir`). */
function built(scenario: Scenario, baseDir = PROJECT_ROOT): { reach: number; warnings: string[] } {
  const prepared = prepareRunData(scenario, baseDir);
  const { report } = buildEngineParts(scenario, prepared.data, baseDir);
  return { reach: report.protocol!.openInterestQuote / (100 * report.depth1PctQuote), warnings: report.warnings };
}

describe('open interest against the depth', () => {
  it('the message: the reach in units of log-price, the depth, and the price e^-reach of the start', () => {
    expect(openInterestReachWarning(60e6, 5.04e6)).toBeNull();
    const w = openInterestReachWarning(60e6, 73_300)!;
    // 60e6 / (100 * 73,300) = 8.185; e^-8.185 = 2.79e-4 of the start.
    expect(w).toContain('$60.00M of accounts is 8.19 units of log-price at this depth ($73.3k per 1%)');
    expect(w).toContain('to 0.028% of its start');
    expect(openInterestReachWarning(60e6, 60e6 / 100 / 12)).toContain('to 6.1e-6 of its start');
  });

  it('the default scenario sits at the 0.12 units its message quotes, and draws no warning', () => {
    const b = built(validateScenario(defaultScenarioRaw()), dirname(DEFAULT_SCENARIO_PATH));
    expect(b.reach.toFixed(2)).toBe('0.12');
    expect(b.warnings.some((w) => w.startsWith('open interest'))).toBe(false);
  });

  it('its $60M of longs on a $50k-per-1% book (12 units) is warned about', () => {
    const raw = defaultScenarioRaw();
    const thin = validateScenario({ ...raw, market: { ...(raw.market as Record<string, unknown>), depth: { source: 'fixed', depth1PctQuote: 50_000 } } });
    const b = built(thin, dirname(DEFAULT_SCENARIO_PATH));
    expect(b.reach).toBeCloseTo(12, 6);
    expect(b.warnings.filter((w) => w.startsWith('open interest: $60.00M of accounts is 12.0 units'))).toHaveLength(1);
  });

  it('no catalog crash, sized by its own volume, is warned about', () => {
    for (const c of listCrashes()) {
      const b = built(validateScenario(crashScenario(c.name)));
      expect(b.reach, c.name).toBeLessThan(OPEN_INTEREST_REACH_WARN);
      expect(b.warnings.some((w) => w.startsWith('open interest')), c.name).toBe(false);
    }
  });
});

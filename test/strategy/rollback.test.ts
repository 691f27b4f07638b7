import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import { Simulation } from '../../src/engine/run.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { buildEngineParts, loadScenarioStrategy } from '../../src/runner/build.js';
import { ROOT, defaultScenarioRaw } from './helpers.js';
import { join } from 'node:path';

/**
 * A strategy's state is the object its `create` returned: the engine cannot
 * copy it into a buffer, so a run with a strategy cannot try a bar and roll
 * it back. Saving costs nothing; restoring must refuse, naming the strategy,
 * rather than leave the strategy in the future while the market goes back.
 */
describe('a run with a strategy cannot be rolled back', () => {
  it('restore() throws, naming the strategy and why', async () => {
    const baseDir = join(ROOT, 'data/scenarios');
    const scenario = validateScenario({ ...defaultScenarioRaw(), strategy: { path: 'buy-the-fear' } });
    const data = prepareRunData(scenario, baseDir).data;
    const strategy = await loadScenarioStrategy(scenario, baseDir);
    const sim = new Simulation(scenario, data, buildEngineParts(scenario, data, baseDir, strategy ? { strategy } : {}).parts);
    sim.step();
    sim.save();
    sim.step();
    expect(() => sim.restore()).toThrow('strategy buy-the-fear: a run with a strategy cannot be rolled back (its state is not saveable)');
  });
});

import { describe, expect, it } from 'vitest';
import { applyOverrides, scenarioHash, scenarioJsonSchema, validateScenario } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

const minimal = {
  name: 'unit',
  data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12' } },
};

describe('scenario schema', () => {
  it('fills defaults from the schema only', () => {
    const s = validateScenario(minimal);
    expect(s.seed).toBe(1);
    expect(s.engine.maxCascadeRounds).toBe(100);
    expect(s.output.dir).toBe('reports');
    expect(s.data.bars.source === 'synthetic' && s.data.bars.barMinutes).toBe(15);
  });

  it('refuses unknown keys and names their full path', () => {
    expect(() => validateScenario({ ...minimal, engine: { maxCascadeRound: 3 } }, 'x.json')).toThrow(
      /x\.json: unknown key 'engine\.maxCascadeRound'/,
    );
    expect(() => validateScenario({ ...minimal, typo: 1 })).toThrow(/unknown key 'typo'/);
  });

  it('names the path and reason of a bad value', () => {
    try {
      validateScenario({ ...minimal, seed: -3 });
      expect.unreachable('must throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/'seed': .*>=\s*0/);
    }
    expect(() => validateScenario({ ...minimal, data: { bars: { source: 'file' } } })).toThrow(/'data\.bars\.path'/);
  });

  it('applies dotted overrides, parsing JSON values', () => {
    const raw = applyOverrides(minimal, ['seed=7', 'engine.maxCascadeRounds=3', 'description=hello world']);
    const s = validateScenario(raw);
    expect(s.seed).toBe(7);
    expect(s.engine.maxCascadeRounds).toBe(3);
    expect(s.description).toBe('hello world');
    expect(() => applyOverrides(minimal, ['seed'])).toThrow(/path=value/);
    expect(() => applyOverrides(minimal, ['name.x=1'])).toThrow(/not an object/);
  });

  it('hashes content, not key order', () => {
    const a = validateScenario({ name: 'u', seed: 3, data: minimal.data });
    const b = validateScenario({ data: minimal.data, seed: 3, name: 'u' });
    expect(scenarioHash(a)).toBe(scenarioHash(b));
    expect(scenarioHash(validateScenario({ ...minimal, seed: 4 }))).not.toBe(scenarioHash(a));
  });

  it('exports a JSON schema that lists the top-level fields', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'seed', 'data', 'engine', 'output']));
  });
});

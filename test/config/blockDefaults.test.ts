import { describe, expect, it } from 'vitest';
import { applyOverrides, validateScenario } from '../../src/config/load.js';
import { portfolioScenarioSchema } from '../../src/config/portfolioSchema.js';

/** The smallest scenario the schema takes: everything else is left to its defaults. */
const BARE = { name: 'bare', data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12' } } };

const resolved = (sets: string[], raw: object = BARE) => validateScenario(applyOverrides(raw, sets));

describe('--set into a block the scenario leaves out starts from that block’s default', () => {
  it('market.depth: the default is { source: volume }; a field of it is set without naming the source (the README example)', () => {
    const s = resolved(['market.depth.fractionOfHourlyQuoteVolume=0.1']);
    expect(s.market.depth).toEqual({ source: 'volume', fractionOfHourlyQuoteVolume: 0.1, windowHours: 24, followVolume: false });
  });

  it('a block whose default names more than its discriminator keeps it: the LP drawdown threshold keeps its median 0.125 when only logSd is set', () => {
    const s = resolved(['behaviour.liquidityProviders.drawdownThreshold.logSd=0.3']);
    expect(s.behaviour.liquidityProviders.drawdownThreshold).toEqual({ median: 0.125, logSd: 0.3 });
  });

  it('a block the scenario has is set in place, its other keys untouched', () => {
    const raw = { ...BARE, market: { depth: { source: 'fixed', depth1PctQuote: 5e6 } } };
    expect(resolved(['market.depth.depth1PctQuote=7e6'], raw).market.depth).toEqual({ source: 'fixed', depth1PctQuote: 7e6 });
    // The default is a start, not a lock: another branch is chosen by naming it.
    expect(resolved(['market.depth.source=fixed', 'market.depth.depth1PctQuote=7e6']).market.depth).toEqual({ source: 'fixed', depth1PctQuote: 7e6 });
  });

  it('a field the default branch does not have is still refused, by name', () => {
    // market.liquidity defaults to { kind: linear }, which has no levelsPerSide (the book's field).
    expect(() => resolved(['market.liquidity.levelsPerSide=100'])).toThrow(/unknown key 'market\.liquidity\.levelsPerSide'/);
  });

  it('a block without a default of its own is made empty, as before (its fields take their defaults)', () => {
    const s = resolved(['market.withdrawal.elasticity=0.5']);
    expect(s.market.withdrawal).toEqual({ elasticity: 0.5, minScale: 0.05 });
  });
});

describe('--set into a list entry (the multi-asset scenario\'s assets)', () => {
  const TWO = { name: 'two', assets: [{ name: 'A' }, { name: 'B', depth: { source: 'fixed', depth1PctQuote: 1e6 } }], margin: { scanRangePct: [15, 20] }, population: { count: 10 } };
  const set = (sets: string[]) => portfolioScenarioSchema.parse(applyOverrides(TWO, sets, portfolioScenarioSchema));

  it('an entry is entered by its index, and a block it leaves out starts from the entry schema\'s default', () => {
    const s = set(['assets.1.depth.depth1PctQuote=2e6', 'assets.0.depth.fractionOfHourlyQuoteVolume=0.1']);
    expect(s.assets[1].depth).toEqual({ source: 'fixed', depth1PctQuote: 2e6 });
    expect(s.assets[0].depth).toMatchObject({ source: 'volume', fractionOfHourlyQuoteVolume: 0.1 });
    // The raw scenario is not changed in place.
    expect(TWO.assets[1].depth?.depth1PctQuote).toBe(1e6);
  });

  it('a key that is not an index of the list is refused with the list\'s length', () => {
    expect(() => set(['assets.first.depth.depth1PctQuote=1'])).toThrow("'assets' is a list of 2 and 'first' is not one of its indices (the index runs from 0 to 1)");
    expect(() => set(['assets.01.name=x'])).toThrow(/'01' is not one of its indices/);
    expect(() => set(['assets.2=x'])).toThrow(/'2' is not one of its indices/);
  });
});

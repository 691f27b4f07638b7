import { describe, expect, it } from 'vitest';
import { applyOverrides, validateScenario } from '../../src/config/load.js';

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

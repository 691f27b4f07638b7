import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { makeHedgePolicy, tradeToBand, whalleyWilmottHalfWidth } from '../../src/dealer/hedgePolicy.js';
import type { HedgeConfig, HedgeInput } from '../../src/dealer/hedgePolicy.js';
import { hedgeSchema } from '../../src/config/dealerSchema.js';
import { withDefaults } from '../config/defaults.js';

/** A policy's config as a case states it: the schema's defaults fill the rest. */
type HedgeCase = Partial<HedgeConfig> & Pick<HedgeConfig, 'kind'>;
const policy = (cfg: HedgeCase) => makeHedgePolicy(withDefaults(hedgeSchema, cfg));

const BASE: HedgeInput = { netDelta: 0, bookGamma: -0.002, spot: 30000, bar: 0, round: 0, costRate: 0.001, volPerYear: 0.8 };
const at = (x: Partial<HedgeInput>): HedgeInput => ({ ...BASE, ...x });

describe('hedge policies: literal cases', () => {
  // Rows: [config, input overrides, expected trade in base units]
  const rows: Array<[HedgeCase, Partial<HedgeInput>, number]> = [
    [{ kind: 'none' }, { netDelta: 50 }, 0],
    [{ kind: 'every-bar' }, { netDelta: 50 }, -50],
    [{ kind: 'every-bar' }, { netDelta: -3.5, round: 4 }, 3.5],
    [{ kind: 'every-bar', minTradeBase: 0.1 }, { netDelta: 0.05 }, 0],
    [{ kind: 'every-bar', minTradeBase: 0.1 }, { netDelta: -0.2 }, 0.2],
    // Band ±10: inside → nothing; outside → back to the edge (or to zero).
    [{ kind: 'delta-band', halfWidthBase: 10 }, { netDelta: 9.99 }, 0],
    [{ kind: 'delta-band', halfWidthBase: 10 }, { netDelta: -10 }, 0],
    [{ kind: 'delta-band', halfWidthBase: 10 }, { netDelta: 25 }, -15],
    [{ kind: 'delta-band', halfWidthBase: 10 }, { netDelta: -25 }, 15],
    [{ kind: 'delta-band', halfWidthBase: 10, target: 'zero' }, { netDelta: 25 }, -25],
    [{ kind: 'delta-band', halfWidthBase: 10, target: 'zero' }, { netDelta: -10.5 }, 10.5],
    // Every 5 bars: bars 0, 5, 10 trade to zero in every round, others not.
    [{ kind: 'time-interval', everyBars: 5 }, { netDelta: 7, bar: 0 }, -7],
    [{ kind: 'time-interval', everyBars: 5 }, { netDelta: 7, bar: 10, round: 3 }, -7],
    [{ kind: 'time-interval', everyBars: 5 }, { netDelta: 7, bar: 4 }, 0],
    [{ kind: 'time-interval', everyBars: 5, offsetBars: 2 }, { netDelta: 7, bar: 7 }, -7],
    [{ kind: 'time-interval', everyBars: 5, offsetBars: 2 }, { netDelta: 7, bar: 5 }, 0],
    // WW: λ = 0.001, S = 30000, Γ = −0.002, γ = 1e-3/quote → H³ = 3·0.001·30000·4e-6/(2e-3) = 0.18, H = 0.5646.
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3 }, { netDelta: 0.5 }, 0],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3 }, { netDelta: 2 }, Math.cbrt(0.18) - 2],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3 }, { netDelta: -2 }, 2 - Math.cbrt(0.18)],
    // Config cost overrides the round's: λ = 0.008 → H³ = 1.44, H = 1.1292.
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3, costRate: 0.008 }, { netDelta: 1.1 }, 0],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3, costRate: 0.008 }, { netDelta: 3 }, Math.cbrt(1.44) - 3],
    // Γ = 0 closes the band: trade to zero, unless floored.
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3 }, { netDelta: 0.3, bookGamma: 0 }, -0.3],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1e-3, minHalfWidthBase: 1 }, { netDelta: 0.3, bookGamma: 0 }, 0],
  ];
  for (const [cfg, over, expected] of rows) {
    it(`${JSON.stringify(cfg)} at ${JSON.stringify(over)} trades ${expected}`, () => {
      const p = policy(cfg);
      expect(p.kind).toBe(cfg.kind);
      // Closed-form cases: equality up to one rounding of the cube root (1e-12 absolute).
      expect(Math.abs(p.trade(at(over)) - expected)).toBeLessThan(1e-12);
    });
  }
});

describe('Whalley–Wilmott band', () => {
  it('the half-width follows the cube-root law: exponents 1/3 in λ and S, 2/3 in |Γ|, −1/3 in γ', () => {
    const H = (l: number, s: number, g: number, ra: number): number => whalleyWilmottHalfWidth(l, s, g, ra);
    const base = [0.001, 30000, -0.002, 1e-3] as const;
    const exponent = (i: number, factor: number, want: number): void => {
      const args = [...base] as [number, number, number, number];
      args[i] *= factor;
      const p = Math.log(H(...args) / H(...base)) / Math.log(factor);
      // Exact power law: measured exponent equal to the stated one within 1e-12.
      expect(Math.abs(p - want), `argument ${i} × ${factor}: exponent ${p}`).toBeLessThan(1e-12);
    };
    exponent(0, 8, 1 / 3);
    exponent(0, 0.1, 1 / 3);
    exponent(1, 3, 1 / 3);
    exponent(2, 5, 2 / 3);
    exponent(3, 8, -1 / 3);
  });

  it('the band shrinks as γ grows and widens with cost (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-5, max: 0.05, noNaN: true }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.double({ min: 1.01, max: 100, noNaN: true }),
        (cost, ra, k) => {
          const h = whalleyWilmottHalfWidth(cost, 30000, -0.002, ra);
          return whalleyWilmottHalfWidth(cost, 30000, -0.002, ra * k) < h && whalleyWilmottHalfWidth(cost * k, 30000, -0.002, ra) > h;
        },
      ),
      { seed: 17, numRuns: 200 },
    );
  });

  it('trading to the edge leaves |netDelta| = H, and never overshoots', () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (d, h) => {
        const q = tradeToBand(d, h, false);
        const after = d + q;
        if (Math.abs(d) <= h) return q === 0;
        return Math.abs(Math.abs(after) - h) <= 1e-12 * Math.max(1, Math.abs(d)) && d * after >= 0;
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe('hedge config validation', () => {
  // Rows: [config, field named in the error]
  const bad: Array<[unknown, string]> = [
    [{ kind: 'every-bar', minTradeBase: -1 }, 'dealer.hedge.minTradeBase'],
    [{ kind: 'delta-band', halfWidthBase: -1 }, 'dealer.hedge.halfWidthBase'],
    [{ kind: 'delta-band', halfWidthBase: 1, target: 'middle' }, 'dealer.hedge.target'],
    [{ kind: 'time-interval', everyBars: 0 }, 'dealer.hedge.everyBars'],
    [{ kind: 'time-interval', everyBars: 1.5 }, 'dealer.hedge.everyBars'],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 0 }, 'dealer.hedge.riskAversionPerQuote'],
    [{ kind: 'whalley-wilmott', riskAversionPerQuote: 1, costRate: -0.1 }, 'dealer.hedge.costRate'],
    [{ kind: 'gamma-scalp' }, 'dealer.hedge.kind'],
  ];
  for (const [cfg, field] of bad) {
    it(`refuses ${JSON.stringify(cfg)}`, () => {
      try {
        makeHedgePolicy(cfg as HedgeConfig);
        expect.fail('should throw');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).location.field).toBe(field);
      }
    });
  }
});

describe('HedgePolicy contract (every implementation)', () => {
  const configs: HedgeCase[] = [
    { kind: 'none' },
    { kind: 'every-bar' },
    { kind: 'every-bar', minTradeBase: 0.5 },
    { kind: 'delta-band', halfWidthBase: 5 },
    { kind: 'delta-band', halfWidthBase: 5, target: 'zero' },
    { kind: 'time-interval', everyBars: 3 },
    { kind: 'whalley-wilmott', riskAversionPerQuote: 1e-4 },
  ];
  const inputs = fc.record({
    netDelta: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    bookGamma: fc.double({ min: -1, max: 1, noNaN: true }),
    spot: fc.double({ min: 1, max: 1e5, noNaN: true }),
    bar: fc.nat({ max: 10_000 }),
    round: fc.nat({ max: 20 }),
    costRate: fc.double({ min: 0, max: 0.01, noNaN: true }),
    volPerYear: fc.double({ min: 0.01, max: 3, noNaN: true }),
  });
  for (const cfg of configs) {
    it(`${JSON.stringify(cfg)}: trades toward zero, never through it, nothing at zero, deterministic`, () => {
      const p = policy(cfg);
      fc.assert(
        fc.property(inputs, (x) => {
          const q = p.trade(x);
          const after = x.netDelta + q;
          return Number.isFinite(q)
            && q * x.netDelta <= 0
            && Math.abs(after) <= Math.abs(x.netDelta)
            && after * x.netDelta >= 0
            && p.trade({ ...x, netDelta: 0 }) === 0
            && p.trade(x) === q;
        }),
        { seed: 3, numRuns: 300 },
      );
    });
  }
});

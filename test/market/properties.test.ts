/**
 * Metamorphic properties (fast-check) for every model: bigger orders pay a
 * worse average price, a round trip without resilience never makes money,
 * and a thinner book never lowers slippage (docs/model.md#checks-that-pin-the-model).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createLiquidityModel } from '../../src/market/factory.js';
import { makeFill, type LiquidityModel } from '../../src/market/liquidity.js';
import { C0, MIN, MODELS, bar } from './helpers.js';

const RUNS = 150;
/** Relative slack for rounding in exp/log and path averages. */
const EPS = 1e-12;

/** A model after a random history of orders, so properties hold from any state, not just rest. */
function warmed(make: () => LiquidityModel, history: number[], scale = 1): LiquidityModel {
  const m = make();
  m.startBar(bar(C0, 0, scale));
  const f = makeFill();
  for (const q of history) m.execute(q, f);
  m.startBar(bar(C0, MIN, scale));
  return m;
}

const size = fc.double({ min: 1e-3, max: 2000, noNaN: true });
const history = fc.array(fc.double({ min: -400, max: 400, noNaN: true }), { maxLength: 4 });

for (const { name, config } of MODELS) {
  describe(`properties: ${name}`, () => {
    it('average fill price is monotone in size (buys up, sells down)', () => {
      const make = () => createLiquidityModel(config());
      fc.assert(fc.property(history, size, size, fc.boolean(), (hist, a, b, buy) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        const base = warmed(make, hist);
        const buf = new Float64Array(base.stateSize);
        base.saveState(buf, 0);
        const f = makeFill();
        const sign = buy ? 1 : -1;
        base.execute(sign * small, f);
        const pSmall = f.price;
        base.loadState(buf, 0);
        base.execute(sign * large, f);
        const pLarge = f.price;
        const ok = buy ? pLarge >= pSmall * (1 - EPS) : pLarge <= pSmall * (1 + EPS);
        if (!ok) throw new Error(`${name} hist=${JSON.stringify(hist)} small=${small} large=${large} buy=${buy} p=${pSmall},${pLarge}`);
      }), { numRuns: RUNS, seed: 42 });
    });

    it('a round trip with zero resilience loses money (within a bar and across a bar)', () => {
      const make = () => createLiquidityModel(config({ transientHalfLifeMs: Infinity, refillHalfLifeMs: Infinity }));
      fc.assert(fc.property(history, size, fc.boolean(), fc.boolean(), (hist, q, buyFirst, crossBar) => {
        const m = warmed(make, hist);
        const f = makeFill();
        const s = buyFirst ? 1 : -1;
        m.execute(s * q, f);
        const first = f.price;
        if (crossBar) m.startBar(bar(C0, 10 * MIN));
        m.execute(-s * q, f);
        // Cash after opening and closing: buy at `first` then sell at f.price (or the mirror).
        const pnl = s * (f.price - first) * q;
        // Every model charges a positive half-spread (or, in the book, fills at level prices beyond the mid path).
        if (!(pnl < 0)) throw new Error(`${name} hist=${JSON.stringify(hist)} q=${q} buyFirst=${buyFirst} crossBar=${crossBar} pnl=${pnl}`);
      }), { numRuns: RUNS, seed: 7 });
    });

    it('a thinner book never lowers slippage', () => {
      const make = () => createLiquidityModel(config());
      fc.assert(fc.property(history, size, fc.double({ min: 0.05, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 1, noNaN: true }), fc.boolean(),
        (hist, q, s1, s2, buy) => {
          const [thin, thick] = s1 <= s2 ? [s1, s2] : [s2, s1];
          const f = makeFill();
          const sign = buy ? 1 : -1;
          const a = warmed(make, hist, thin);
          a.execute(sign * q, f);
          const slipThin = f.cost / (q * f.midBefore);
          const b = warmed(make, hist, thick);
          b.execute(sign * q, f);
          const slipThick = f.cost / (q * f.midBefore);
          if (!(slipThin >= slipThick * (1 - 1e-9))) {
            throw new Error(`${name} hist=${JSON.stringify(hist)} q=${q} thin=${thin} thick=${thick} slip=${slipThin},${slipThick}`);
          }
        }), { numRuns: RUNS, seed: 3 });
    });
  });
}

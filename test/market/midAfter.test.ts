/**
 * midAfter(q), the pure "mid after an order" query, against the model itself:
 * execute(q) on a copy of the state must end at the mid the query predicted,
 * and the query must leave the state untouched, on every model, in random
 * states (orders both ways, into the book's tail, across bars).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { makeFill } from '../../src/market/liquidity.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import { C0, MIN, MODELS, bar } from './helpers.js';

for (const { name, config } of MODELS) {
  describe(`midAfter: ${name}`, () => {
    it('predicts execute\'s midAfter to 1e-13 relative and changes nothing', () => {
      const model = createLiquidityModel(config());
      const twin = createLiquidityModel(config());
      const query = model.midAfter?.bind(model);
      if (!query) throw new Error(`${name} has no midAfter`);
      const rng = new Rng(11);
      const fill = makeFill();
      const saved = new Float64Array(model.stateSize);
      const after = new Float64Array(model.stateSize);
      let c = C0;
      let worst = 0;
      let checks = 0;
      for (let i = 0; i < 300; i++) {
        c *= Math.exp(0.01 * (rng.uniform() - 0.5));
        model.startBar(bar(c, MIN, 0.5 + rng.uniform(), 0.8));
        for (let r = 0; r < 4; r++) {
          // Sizes from dust to several times the 1% depth (200 base): the book's tail is reached.
          const q = (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(Math.log(1e-6) + rng.uniform() * Math.log(1e9));
          model.saveState(saved, 0);
          const predicted = query(q);
          model.saveState(after, 0);
          for (let k = 0; k < saved.length; k++) if (!Object.is(saved[k], after[k])) throw new Error(`${name}: midAfter changed state slot ${k}`);
          twin.loadState(saved, 0);
          twin.execute(q, fill);
          worst = Math.max(worst, Math.abs(predicted / fill.midAfter - 1));
          checks++;
          model.execute(0.3 * q, fill); // move on to a new state
        }
      }
      expect(checks).toBe(1200);
      expect(worst).toBeLessThan(1e-13);
    });
  });
}

describe('midAfter: the book keeps its last answer only while the book stands still', () => {
  it('the same size asked after an execute, a bar start or a load gets the answer a fresh twin gives', () => {
    const book = MODELS.find((m) => m.name.includes('book'));
    if (!book) throw new Error('no book model in the helpers');
    const model = createLiquidityModel(book.config());
    const twin = createLiquidityModel(book.config());
    const fill = makeFill();
    const q = 40;
    const asked = (): number => model.midAfter!(q);
    const fresh = (): number => {
      const buf = new Float64Array(model.stateSize);
      model.saveState(buf, 0);
      twin.loadState(buf, 0);
      return twin.midAfter!(q);
    };
    model.startBar(bar(C0, MIN, 1, 0.8));
    const first = asked();
    expect(asked()).toBe(first);
    model.execute(-25, fill);
    expect(asked()).not.toBe(first);
    expect(Object.is(asked(), fresh())).toBe(true);
    const afterSale = asked();
    model.startBar(bar(C0 * 0.99, MIN, 0.7, 0.8));
    expect(asked()).not.toBe(afterSale);
    expect(Object.is(asked(), fresh())).toBe(true);
    const saved = new Float64Array(model.stateSize);
    model.saveState(saved, 0);
    const beforeMove = asked();
    model.execute(60, fill);
    expect(asked()).not.toBe(beforeMove);
    model.loadState(saved, 0);
    expect(Object.is(asked(), beforeMove)).toBe(true);
  });
});

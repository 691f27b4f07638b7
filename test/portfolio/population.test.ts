import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPortfolioScenario } from '../../src/portfolio/compare.js';
import { buildPortfolioSetup } from '../../src/portfolio/setup.js';
import type { MultiAccounts } from '../../src/portfolio/accounts.js';

/**
 * population.notionalQuote is per account, so count alone scales the open
 * interest; totalNotionalQuote fixes it, scaling every generated account
 * (legs and collateral alike) after the draw.
 */
const SYNTHETIC = resolve(__dirname, '../../data/scenarios/portfolio-synthetic.json');
const ROOT = resolve(__dirname, '../..');

function accounts(sets: string[]): { acc: MultiAccounts; price: Float64Array } {
  const { setup } = buildPortfolioSetup(loadPortfolioScenario(SYNTHETIC, { set: sets }), ROOT, SYNTHETIC);
  return { acc: setup.accounts, price: Float64Array.from(setup.close, (c) => c[0]) };
}

/** Σ over accounts of its largest leg's notional at the first prices (what the generator draws as `notional`). */
function openInterest(acc: MultiAccounts, price: Float64Array): number {
  let total = 0;
  for (let k = 0; k < acc.count; k++) {
    let largest = 0;
    for (let a = 0, s = k * acc.assets; a < acc.assets; a++, s++) largest = Math.max(largest, Math.abs(acc.spot[s]) * price[a], Math.abs(acc.perp[s]) * price[a]);
    total += largest;
  }
  return total;
}

describe('the generated population\'s size', () => {
  it('without totalNotionalQuote, ten times the accounts hold about ten times the open interest', () => {
    const a = accounts([]);
    const b = accounts(['population.count=20000']);
    const ratio = openInterest(b.acc, b.price) / openInterest(a.acc, a.price);
    expect(ratio).toBeGreaterThan(8);
    expect(ratio).toBeLessThan(12);
  });

  it('with totalNotionalQuote the open interest is that figure whatever the count, and every account keeps its leverage', () => {
    for (const count of [500, 2000, 20000]) {
      const { acc, price } = accounts([`population.count=${count}`, 'population.totalNotionalQuote=40000000']);
      expect(openInterest(acc, price) / 4e7).toBeCloseTo(1, 12);
    }
    const plain = accounts([]);
    const scaled = accounts(['population.totalNotionalQuote=40000000']);
    const f = 4e7 / openInterest(plain.acc, plain.price);
    // The same draw, scaled: same kinds, positions and collateral times f, so the same leverage.
    expect(Array.from(scaled.acc.kind)).toEqual(Array.from(plain.acc.kind));
    for (let s = 0; s < plain.acc.count * plain.acc.assets; s++) {
      for (const col of ['spot', 'debt', 'perp', 'perpMargin'] as const) {
        expect(scaled.acc[col][s]).toBeCloseTo(plain.acc[col][s] * f, 9);
      }
      expect(scaled.acc.entry[s]).toBe(plain.acc.entry[s]);
    }
  });

  it('is refused when not a positive number', () => {
    expect(() => loadPortfolioScenario(SYNTHETIC, { set: ['population.totalNotionalQuote=0'] })).toThrow(/population\.totalNotionalQuote/);
  });
});

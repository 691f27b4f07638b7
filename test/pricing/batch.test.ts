import { describe, expect, it } from 'vitest';
import { black76Batch, bsBatch, bsBatchBook, bsBatchFlat, validateBsBatch } from '../../src/pricing/batch.js';
import { black76, blackScholes } from '../../src/pricing/blackScholes.js';
import type { Greeks } from '../../src/pricing/blackScholes.js';
import { Rng } from '../../src/core/rng.js';

const KEYS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;

/** A book mixing ordinary options with every edge case the kernel branches on. */
function makeBook(n: number, seed: number) {
  const rng = new Rng(seed);
  const type = new Int8Array(n);
  const spot = new Float64Array(n);
  const strike = new Float64Array(n);
  const years = new Float64Array(n);
  const vol = new Float64Array(n);
  const rate = new Float64Array(n);
  const dividend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    type[i] = rng.uniform() < 0.5 ? 1 : -1;
    spot[i] = 50 + 100 * rng.uniform();
    strike[i] = spot[i] * Math.exp(2 * (rng.uniform() - 0.5) * (1 + 3 * rng.uniform()));
    years[i] = Math.exp(-6 + 8 * rng.uniform());
    vol[i] = Math.exp(-5 + 6 * rng.uniform());
    rate[i] = 0.1 * (rng.uniform() - 0.3);
    dividend[i] = 0.05 * rng.uniform();
    switch (i % 17) {
      case 0: years[i] = 0; break; // expired
      case 1: years[i] = -0.1; break; // past expiry
      case 2: vol[i] = 0; break; // zero vol
      case 3: strike[i] = spot[i]; years[i] = 0; break; // expired at the money
      case 4: strike[i] = spot[i] * 1e6; break; // absurdly far OTM call / ITM put
      case 5: strike[i] = spot[i] * 1e-6; break;
      case 6: vol[i] = 8; years[i] = 30; break; // huge total variance
      default: break;
    }
  }
  return { type, spot, strike, years, vol, rate, dividend };
}

function outputs(n: number) {
  return {
    price: new Float64Array(n),
    delta: new Float64Array(n),
    gamma: new Float64Array(n),
    vega: new Float64Array(n),
    theta: new Float64Array(n),
    rho: new Float64Array(n),
    vanna: new Float64Array(n),
    volga: new Float64Array(n),
  };
}

function sameBits(a: number, b: number): boolean {
  return Object.is(a, b);
}

describe('batch kernels equal the scalar API bit for bit', () => {
  const n = 3000;
  const book = makeBook(n, 12345);
  const rowCtx = (i: number) =>
    `i=${i} type=${book.type[i]} S=${book.spot[i]} K=${book.strike[i]} T=${book.years[i]} v=${book.vol[i]} r=${book.rate[i]} q=${book.dividend[i]}`;
  const scalar = (i: number, r: number, q: number): Greeks =>
    blackScholes(book.type[i] > 0 ? 'call' : 'put', book.spot[i], book.strike[i], book.years[i], book.vol[i], r, q);

  it('bsBatch (per-option rates), all eight outputs', () => {
    const out = outputs(n);
    bsBatch(book, book, out);
    for (let i = 0; i < n; i++) {
      const g = scalar(i, book.rate[i], book.dividend[i]);
      for (const k of KEYS) if (!(sameBits(out[k][i], g[k]))) expect.fail(`${k} ${rowCtx(i)}: batch ${out[k][i]} scalar ${g[k]}`);
    }
  });

  it('bsBatchFlat (one rate/dividend), all eight outputs', () => {
    const out = outputs(n);
    bsBatchFlat(book, 0.04, 0.015, out);
    for (let i = 0; i < n; i++) {
      const g = scalar(i, 0.04, 0.015);
      for (const k of KEYS) if (!(sameBits(out[k][i], g[k]))) expect.fail(`${k} ${rowCtx(i)}`);
    }
  });

  it('bsBatchBook (hand-inlined dealer kernel): price, delta, gamma, vega, theta, vanna', () => {
    const out = outputs(n);
    bsBatchBook(book, 0.04, 0.015, out);
    for (let i = 0; i < n; i++) {
      const g = scalar(i, 0.04, 0.015);
      for (const k of ['price', 'delta', 'gamma', 'vega', 'theta', 'vanna'] as const) {
        if (!(sameBits(out[k][i], g[k]))) expect.fail(`${k} ${rowCtx(i)}: batch ${out[k][i]} scalar ${g[k]}`);
      }
    }
    // Without theta/vanna arrays the four written outputs are unchanged.
    const four = { price: new Float64Array(n), delta: new Float64Array(n), gamma: new Float64Array(n), vega: new Float64Array(n) };
    bsBatchBook(book, 0.04, 0.015, four);
    for (let i = 0; i < n; i++) if (!(sameBits(four.price[i], out.price[i]) && sameBits(four.vega[i], out.vega[i]))) expect.fail(rowCtx(i));
  });

  it('bsBatchBook with grouped expiries (discount factors reused while T repeats) still matches', () => {
    const grouped = makeBook(n, 99);
    const expiries = [1 / 365, 7 / 365, 0.25, 1, 2];
    for (let i = 0; i < n; i++) grouped.years[i] = expiries[Math.floor((i * expiries.length) / n)];
    grouped.years[17] = 0; // an expired row inside a group must not disturb the reuse
    const out = outputs(n);
    bsBatchBook(grouped, 0.04, 0.015, out);
    for (let i = 0; i < n; i++) {
      const g = blackScholes(grouped.type[i] > 0 ? 'call' : 'put', grouped.spot[i], grouped.strike[i], grouped.years[i], grouped.vol[i], 0.04, 0.015);
      for (const k of ['price', 'delta', 'gamma', 'vega', 'theta', 'vanna'] as const) {
        if (!sameBits(out[k][i], g[k])) expect.fail(`${k} i=${i} T=${grouped.years[i]}: batch ${out[k][i]} scalar ${g[k]}`);
      }
    }
  });

  it('black76Batch', () => {
    const out = outputs(n);
    black76Batch(book, 0.02, out);
    for (let i = 0; i < n; i++) {
      const g = black76(book.type[i] > 0 ? 'call' : 'put', book.spot[i], book.strike[i], book.years[i], book.vol[i], 0.02);
      for (const k of KEYS) if (!(sameBits(out[k][i], g[k]))) expect.fail(`${k} ${rowCtx(i)}`);
    }
  });

  it('optional outputs that are not given are not written; n limits the range', () => {
    const out = { price: new Float64Array(n + 5), delta: new Float64Array(n + 5), gamma: new Float64Array(n + 5), vega: new Float64Array(n + 5) };
    out.price.fill(-7);
    bsBatchFlat(book, 0.01, 0, out, 10);
    expect(out.price[9]).not.toBe(-7);
    expect(out.price[10]).toBe(-7);
  });

  it('never produces NaN on valid books including the edge rows', () => {
    const out = outputs(n);
    bsBatch(book, book, out);
    for (let i = 0; i < n; i++) for (const k of KEYS) if (!(Number.isFinite(out[k][i]))) expect.fail(`${k} ${rowCtx(i)}`);
  });
});

describe('validation', () => {
  it('validateBsBatch names the first bad option and field', () => {
    const book = makeBook(20, 7);
    expect(() => validateBsBatch(book, book)).not.toThrow();
    book.strike[5] = 0;
    expect(() => validateBsBatch(book, book)).toThrow(/option 5: strike must be positive/);
    book.strike[5] = 100;
    book.type[3] = 0;
    expect(() => validateBsBatch(book)).toThrow(/option 3: type must be \+1 \(call\) or -1 \(put\)/);
    book.type[3] = 1;
    book.vol[2] = Number.NaN;
    expect(() => validateBsBatch(book)).toThrow(/option 2: vol/);
  });

  it('short arrays are rejected before any work', () => {
    const book = makeBook(10, 1);
    const out = outputs(5);
    expect(() => bsBatchFlat(book, 0, 0, out)).toThrow(/shorter than n = 10/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { admitSsviParams } from '../../src/surface/arbitrage.js';
import { calibrateSsvi } from '../../src/surface/calibrate.js';
import { parseChainCsv } from '../../src/surface/chain.js';
import type { ChainQuote } from '../../src/surface/chain.js';
import { SsviSurface } from '../../src/surface/surface.js';
import { FIXTURE_PATH, generateChainCsv, generateQuotes, NOISE_VOL, TRUE_PARAMS, TRUE_SURFACE } from '../fixtures/chain/generate.js';

describe('chain fixture', () => {
  it('is byte-identical to what generate.ts produces (re-create: npx tsx test/fixtures/chain/generate.ts)', () => {
    expect(readFileSync(FIXTURE_PATH, 'utf8')).toBe(generateChainCsv());
  });

  it('parses to 66 quotes over 6 expiries', () => {
    const q = parseChainCsv(readFileSync(FIXTURE_PATH, 'utf8'), FIXTURE_PATH);
    expect(q).toHaveLength(66);
    expect(new Set(q.map((x) => x.years)).size).toBe(6);
  });
});

describe('calibrateSsvi', () => {
  it("recovers known parameters from an exact chain ('fit' θ): |Δρ|,|Δη|,|Δγ| < 1e-6, θ to 1e-7, RMSE < 1e-5 vol points", () => {
    const exact = generateQuotes(0); // same strikes, no noise, iv rounded to 6 decimals (< 5e-7 vol)
    const fit = calibrateSsvi(exact);
    const info = JSON.stringify({ params: fit.params, rmse: fit.rmseVolPoints, it: fit.iterations });
    // iv rounding to 1e-6 perturbs the optimum by O(1e-7) in the parameters
    expect(Math.abs(fit.params.rho - TRUE_PARAMS.rho), info).toBeLessThan(1e-5);
    expect(Math.abs(fit.params.eta - TRUE_PARAMS.eta), info).toBeLessThan(1e-5);
    expect(Math.abs(fit.params.gamma - TRUE_PARAMS.gamma), info).toBeLessThan(1e-5);
    expect(fit.rmseVolPoints, info).toBeLessThan(1e-4);
    const truth = new SsviSurface(TRUE_SURFACE);
    fit.expiries.forEach((T, e) => {
      expect(Math.abs(fit.thetas[e] / truth.thetaAt(T) - 1), `expiry ${T}`).toBeLessThan(1e-6);
    });
  });

  it('recovers parameters to 1e-9 from an unrounded chain with ATM quotes at k = 0 (θ from ATM)', () => {
    const truth = new SsviSurface({ ...TRUE_SURFACE, params: { rho: -0.6, eta: 0.9, gamma: 0.3 } });
    const quotes: ChainQuote[] = [];
    for (const years of [0.05, 0.2, 0.6]) {
      for (const k of [-0.4, -0.2, -0.1, 0, 0.1, 0.25]) {
        quotes.push({ years, strike: 100 * Math.exp(k), iv: truth.impliedVol(100 * Math.exp(k), 100, years) });
      }
    }
    const fit = calibrateSsvi(quotes, { theta: 'atm', forward: 100 });
    const info = JSON.stringify({ params: fit.params, rmse: fit.rmseVolPoints, it: fit.iterations, conv: fit.converged });
    expect(Math.abs(fit.params.rho + 0.6), info).toBeLessThan(1e-9);
    expect(Math.abs(fit.params.eta - 0.9), info).toBeLessThan(1e-9);
    expect(Math.abs(fit.params.gamma - 0.3), info).toBeLessThan(1e-9);
    expect(fit.maxAbsErrorVolPoints, info).toBeLessThan(1e-8);
  });

  it('fits the noisy fixture with RMSE near the noise level and parameters near the truth', () => {
    const quotes = parseChainCsv(readFileSync(FIXTURE_PATH, 'utf8'), FIXTURE_PATH);
    const fit = calibrateSsvi(quotes);
    const noisePts = 100 * NOISE_VOL;
    // Expected RMSE ≈ σ_noise · sqrt((m − p)/m) = 0.5 · sqrt(57/66) ≈ 0.46 vol points (66 quotes, 9 parameters).
    const info = JSON.stringify({ params: fit.params, rmse: fit.rmseVolPoints, max: fit.maxAbsErrorVolPoints });
    expect(fit.rmseVolPoints, info).toBeGreaterThan(0.7 * noisePts * Math.sqrt(57 / 66));
    expect(fit.rmseVolPoints, info).toBeLessThan(1.3 * noisePts);
    expect(fit.maxAbsErrorVolPoints, info).toBeLessThan(4 * noisePts);
    expect(fit.residualsVolPoints).toHaveLength(66);
    // Parameter tolerance: a loose band, several standard errors at half a vol point of noise.
    expect(Math.abs(fit.params.rho - TRUE_PARAMS.rho), info).toBeLessThan(0.05);
    expect(Math.abs(fit.params.eta - TRUE_PARAMS.eta), info).toBeLessThan(0.15);
    expect(Math.abs(fit.params.gamma - TRUE_PARAMS.gamma), info).toBeLessThan(0.08);
    // residuals are model − quote in vol points, per quote in input order
    const s = new SsviSurface(fit.surfaceConfig);
    const q5 = quotes[5];
    expect(fit.residualsVolPoints[5]).toBeCloseTo(100 * (s.impliedVol(q5.strike, q5.forward as number, q5.years) - q5.iv), 9);
  });

  it('stays in the arbitrage-free region when the data come from an arbitrageable smile', () => {
    // η = 6 with γ = 0.5, ρ = −0.8 breaks θφ²(1+|ρ|) ≤ 4 at short expiries (G&J Thm 4.2).
    const quotes: ChainQuote[] = [];
    const theta = (T: number) => 0.5 * T;
    for (const years of [0.02, 0.1, 0.5]) {
      const th = theta(years);
      const phi = 6 / Math.sqrt(th * (1 + th));
      for (const k of [-0.3, -0.15, 0, 0.15, 0.3]) {
        const z = phi * k - 0.8;
        const w = (th / 2) * (1 - 0.8 * phi * k + Math.sqrt(z * z + 0.36));
        quotes.push({ years, strike: 100 * Math.exp(k), forward: 100, iv: Math.sqrt(w / years) });
      }
    }
    const fit = calibrateSsvi(quotes);
    const range = { thetaMin: new SsviSurface(fit.surfaceConfig).thetaAt(1 / 8760), thetaMax: new SsviSurface(fit.surfaceConfig).thetaAt(5) };
    expect(() => admitSsviParams(fit.params, range, { onArbitrage: 'refuse' })).not.toThrow();
    expect(fit.rmseVolPoints).toBeGreaterThan(0.01); // it cannot match the arbitrageable smile exactly
  });

  it('names the quote and field for missing or inconsistent forwards', () => {
    const q: ChainQuote[] = [
      { years: 0.1, strike: 100, forward: 100, iv: 0.5 },
      { years: 0.1, strike: 110, iv: 0.5 },
    ];
    expect(() => calibrateSsvi(q, { file: 'chain.csv' })).toThrow(/chain.csv:2: field 'forward'/);
    expect(() => calibrateSsvi(q, { forward: 101, file: 'chain.csv' })).toThrow(/differs/);
    expect(() => calibrateSsvi(q, { forward: 100 })).not.toThrow();
    try {
      calibrateSsvi([], { file: 'x.csv' });
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
    }
  });

  it("'atm' mode refuses quotes whose ATM variance falls with T (calendar arbitrage)", () => {
    const q: ChainQuote[] = [
      { years: 0.1, strike: 100, iv: 0.8 },
      { years: 0.2, strike: 100, iv: 0.5 },
    ];
    expect(() => calibrateSsvi(q, { theta: 'atm', forward: 100 })).toThrow(/calendar arbitrage/);
  });
});

describe('parseChainCsv errors name file, line and field', () => {
  it.each([
    ['expiry_years,strike,forward\n0.1,100,100\n', 1, 'iv', /missing column 'iv'/],
    ['expiry_years,strike,forward,iv\n0.1,100,100,0.5\n0.1,-5,100,0.5\n', 3, 'strike', /strike must be/],
    ['# c\nexpiry_years,strike,forward,iv\n0.1,100,100,55\n', 3, 'iv', /decimal implied vol/],
    ['expiry_years,strike,forward,iv\n0,100,100,0.5\n', 2, 'expiry_years', /expiry/],
  ])('%j → line %i field %s', (text, line, field, re) => {
    try {
      parseChainCsv(text, 'c.csv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).location).toEqual({ file: 'c.csv', line, field });
      expect((e as DataError).message).toMatch(re);
    }
  });
});

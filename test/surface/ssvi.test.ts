import { describe, expect, it } from 'vitest';
import { durrlemanG, phiPowerLaw, ssviCurvature, ssviSlope, ssviTotalVariance } from '../../src/surface/ssvi.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('SSVI total variance: closed forms', () => {
  // At k = 0: w = θ/2 (1 + sqrt(ρ² + 1 − ρ²)) = θ (G&J 2014 eq. 4.1), whatever φ and ρ.
  const atmCases = [
    { theta: 0.04, phi: 4.9, rho: -0.5 },
    { theta: 1e-6, phi: 900, rho: -0.999 },
    { theta: 2.5, phi: 0.3, rho: 0.7 },
    { theta: 0.3, phi: 1.2, rho: 0 },
    { theta: 0.0123456789, phi: 12.5, rho: -0.95 },
  ];
  it.each(atmCases)('w(0, θ) = θ to 1e-15 relative: %o', (c) => {
    const w = ssviTotalVariance(0, c.theta, c.phi, c.rho);
    expect(relErr(w, c.theta), JSON.stringify({ ...c, w })).toBeLessThanOrEqual(1e-15);
  });

  // Hand computation (40-digit decimal arithmetic, steps kept for review):
  // θ = 0.04, η = 1, γ = 1/2, ρ = −0.5, k = 0.1
  // φ = 1 / (0.2 · sqrt(1.04))              = 4.902903378454600798
  // z = φk + ρ                              = −0.009709662154539920
  // s = sqrt(z² + 0.75)                     = 0.866079833236610645
  // w = 0.02 · (1 − 0.5 · 0.4902903378 + s) = 0.032418693286277612
  it('matches a hand computation at one point (1e-14 relative)', () => {
    const phi = phiPowerLaw(0.04, 1, 0.5);
    expect(relErr(phi, 4.902903378454600798)).toBeLessThan(1e-14);
    const w = ssviTotalVariance(0.1, 0.04, phi, -0.5);
    expect(relErr(w, 0.032418693286277612), `w = ${w}`).toBeLessThan(1e-14);
  });

  it('is symmetric in k when ρ = 0 (bit-for-bit, the formula is even in k)', () => {
    for (const theta of [0.01, 0.2, 1.5]) {
      for (const phi of [0.5, 3, 40]) {
        for (const k of [0.01, 0.3, 2, 17]) {
          expect(ssviTotalVariance(k, theta, phi, 0), JSON.stringify({ theta, phi, k })).toBe(ssviTotalVariance(-k, theta, phi, 0));
        }
      }
    }
  });

  // Asymptotes (G&J 2014 §4; Lee 1994 moment bounds): dw/dk → θφ(1+ρ)/2 as k → +∞ and
  // → −θφ(1−ρ)/2 as k → −∞. The gap at z = φk + ρ is about θφ(1−ρ²)/(4z²), so at |φk| = 1e4
  // the relative error is below 1e-8; measured by a secant of w (not the slope function).
  const wingCases = [
    { theta: 0.04, phi: 4.9, rho: -0.5 },
    { theta: 0.5, phi: 0.8, rho: -0.95 },
    { theta: 0.1, phi: 2, rho: 0.3 },
    { theta: 1, phi: 1, rho: 0 },
  ];
  it.each(wingCases)('wing slopes tend to θφ(1±ρ)/2 (1e-7 relative): %o', (c) => {
    const k = 1e4 / c.phi;
    const callSide = (ssviTotalVariance(2 * k, c.theta, c.phi, c.rho) - ssviTotalVariance(k, c.theta, c.phi, c.rho)) / k;
    const putSide = (ssviTotalVariance(-2 * k, c.theta, c.phi, c.rho) - ssviTotalVariance(-k, c.theta, c.phi, c.rho)) / -k;
    const info = JSON.stringify({ ...c, callSide, putSide });
    expect(relErr(callSide, (c.theta * c.phi * (1 + c.rho)) / 2), info).toBeLessThan(1e-7);
    expect(relErr(putSide, (-c.theta * c.phi * (1 - c.rho)) / 2), info).toBeLessThan(1e-7);
  });

  it('the stable wing branch keeps precision when ρ → −1 (vs 50-digit decimal)', () => {
    // θ = 1, φ = 1, k = 1e6, ρ = the double nearest −0.999999 (= −0.99999899999999997124...).
    // Decimal(50) on that exact double: w = 0.5 (1 + ρk + sqrt((k+ρ)² + 1 − ρ²)) = 0.50000050001487784689.
    // The textbook form in doubles gives 0.5000005000038 (2e-11 off: cancellation of ρk against s).
    const w = ssviTotalVariance(1e6, 1, 1, -0.999999);
    expect(relErr(w, 0.50000050001487784689), `w = ${w}`).toBeLessThan(1e-14);
  });
});

describe('SSVI derivatives agree with central finite differences', () => {
  const cases = [
    { theta: 0.04, phi: 4.9, rho: -0.5 },
    { theta: 0.6, phi: 0.7, rho: -0.9 },
    { theta: 0.2, phi: 2.2, rho: 0.4 },
  ];
  // Central differences: w′ with h = 1e-5 (truncation h²w‴/6 ~ 1e-10, rounding eps·w/h ~ 1e-11),
  // w″ with h = 1e-4 (truncation ~1e-8 relative, rounding eps·w/h² ~ 1e-8).
  it.each(cases)('w′ (tol 1e-9 abs) and w″ (tol 1e-6 relative + 1e-7): %o', (c) => {
    const h = 1e-4;
    const h1 = 1e-5;
    for (const k of [-1.5, -0.4, -0.05, 0, 0.07, 0.5, 2]) {
      const w = (x: number) => ssviTotalVariance(x, c.theta, c.phi, c.rho);
      const fd1 = (w(k + h1) - w(k - h1)) / (2 * h1);
      const fd2 = (w(k + h) - 2 * w(k) + w(k - h)) / (h * h);
      const a1 = ssviSlope(k, c.theta, c.phi, c.rho);
      const a2 = ssviCurvature(k, c.theta, c.phi, c.rho);
      const info = JSON.stringify({ ...c, k, a1, fd1, a2, fd2 });
      expect(Math.abs(a1 - fd1), info).toBeLessThan(1e-9);
      expect(Math.abs(a2 - fd2), info).toBeLessThan(1e-6 * Math.abs(a2) + 1e-7);
    }
  });

  it('Durrleman g is 1 at the money minus the slope term (closed form at k = 0)', () => {
    // At k = 0: g = 1 − w′²/4 (1/θ + 1/4) + w″/2 with w′ = θφρ, w″ = θφ²(1−ρ²)/2.
    const theta = 0.09;
    const phi = 3;
    const rho = -0.6;
    const w1 = theta * phi * rho;
    const w2 = (theta * phi * phi * (1 - rho * rho)) / 2;
    const expected = 1 - ((w1 * w1) / 4) * (1 / theta + 0.25) + w2 / 2;
    expect(relErr(durrlemanG(0, theta, phi, rho), expected)).toBeLessThan(1e-14);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { admitSsviParams, butterflyMaxima, isGloballyAdmissible, maxAdmissibleEta } from '../../src/surface/arbitrage.js';
import { phiPowerLaw } from '../../src/surface/ssvi.js';

// All numbers below are hand-derived from G&J 2014 Theorem 4.2 for the power law with γ = 1/2:
//   A(θ) = θφ(1+|ρ|) = η(1+|ρ|) sqrt(θ/(1+θ))  (max at θmax),
//   B(θ) = θφ²(1+|ρ|) = η²(1+|ρ|)/(1+θ)          (max at θmin).
const RANGE = { thetaMin: 0.01, thetaMax: 1 };

describe('admitSsviParams: refuse', () => {
  it('accepts the global condition on its boundary: γ = 1/2, η(1+|ρ|) = 2 (G&J remark on the power law)', () => {
    const p = { rho: -0.6, eta: 1.25, gamma: 0.5 };
    const r = admitSsviParams(p, RANGE, { onArbitrage: 'refuse' });
    expect(r.condition).toBe('global');
    expect(r.clamps).toEqual([]);
    expect(r.params).toEqual(p);
  });

  it('accepts η = 1.58 on the range: B(0.01) = 1.58²·1.6/1.01 = 3.9547 ≤ 4, A(1) = 1.58·1.6·sqrt(1/2) = 1.787566 < 4', () => {
    const p = { rho: -0.6, eta: 1.58, gamma: 0.5 };
    const r = admitSsviParams(p, RANGE, { onArbitrage: 'refuse' });
    expect(r.condition).toBe('range');
    const mx = butterflyMaxima(p, RANGE);
    expect(mx.b).toBeCloseTo(3.954693, 5);
    expect(mx.a).toBeCloseTo(1.787566, 5);
  });

  it('refuses η = 1.6: B(0.01) = 1.6²·1.6/1.01 = 4.0554 > 4, naming η and the inequality with numbers', () => {
    const p = { rho: -0.6, eta: 1.6, gamma: 0.5 };
    let err: unknown;
    try {
      admitSsviParams(p, RANGE, { onArbitrage: 'refuse' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.location.field).toBe('surface.eta');
    expect(ce.message).toContain('θφ(θ)²(1+|ρ|) ≤ 4');
    expect(ce.message).toContain('4.05545');
    expect(ce.message).toContain('θ = 0.01');
  });

  it('refuses γ = 1, η = 3, ρ = 0.5 on A: θφ = η, so A = 3·1.5 = 4.5 ≥ 4 at every θ', () => {
    expect(() => admitSsviParams({ rho: 0.5, eta: 3, gamma: 1 }, RANGE, { onArbitrage: 'refuse' })).toThrow(/θφ\(θ\)\(1\+\|ρ\|\) < 4.*4\.5/);
  });

  it.each([
    [{ rho: 1, eta: 1, gamma: 0.5 }, 'surface.rho', /\|ρ\| < 1/],
    [{ rho: -0.3, eta: -0.1, gamma: 0.5 }, 'surface.eta', /η ≥ 0/],
    [{ rho: -0.3, eta: 1, gamma: 0 }, 'surface.gamma', /γ > 0/],
    [{ rho: -0.3, eta: 1, gamma: 1.2 }, 'surface.gamma', /γ ≤ 1/],
    [{ rho: Number.NaN, eta: 1, gamma: 0.5 }, 'surface.rho', /finite/],
  ])('refuses domain violation %o at field %s', (p, field, re) => {
    try {
      admitSsviParams(p, RANGE, { onArbitrage: 'refuse' });
      expect.unreachable(`accepted ${JSON.stringify(p)}`);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).location.field).toBe(field);
      expect((e as ConfigError).message).toMatch(re);
    }
  });

  it('γ > 1/2 with a range starting at θ = 0 is refused (B → ∞ as θ → 0)', () => {
    expect(() => admitSsviParams({ rho: -0.3, eta: 0.5, gamma: 0.7 }, { thetaMin: 0, thetaMax: 1 }, { onArbitrage: 'refuse' })).toThrow(/γ > 1\/2/);
  });
});

describe('admitSsviParams: clamp', () => {
  it('moves η to the B boundary and reports from/to: η_max = sqrt(4·1.01/1.6) = 1.58903', () => {
    const r = admitSsviParams({ rho: -0.6, eta: 1.6, gamma: 0.5 }, RANGE, { onArbitrage: 'clamp' });
    expect(r.clamps).toHaveLength(1);
    expect(r.clamps[0].field).toBe('eta');
    expect(r.clamps[0].from).toBe(1.6);
    expect(r.clamps[0].to).toBeCloseTo(Math.sqrt((4 * 1.01) / 1.6), 8);
    const mx = butterflyMaxima(r.params, RANGE);
    expect(mx.b).toBeLessThanOrEqual(4);
    expect(mx.b).toBeGreaterThan(4 - 1e-7);
  });

  it('clamps ρ, γ and η together and the result passes the refuse check', () => {
    const r = admitSsviParams({ rho: -1.2, eta: 5, gamma: 1.5 }, RANGE, { onArbitrage: 'clamp' });
    expect(r.clamps.map((c) => c.field)).toEqual(['rho', 'gamma', 'eta']);
    expect(() => admitSsviParams(r.params, RANGE, { onArbitrage: 'refuse' })).not.toThrow();
  });

  it('maxAdmissibleEta matches a brute-force scan of A and B over the range (γ in both regimes)', () => {
    for (const gamma of [0.1, 0.3, 0.5, 0.75, 1]) {
      for (const rho of [-0.9, -0.2, 0.5]) {
        const range = { thetaMin: 0.002, thetaMax: 3 };
        const eta = maxAdmissibleEta(rho, gamma, range);
        let aMax = 0;
        let bMax = 0;
        // log-spaced scan, 20001 points: an independent check of the closed-form maxima
        for (let i = 0; i <= 20000; i++) {
          const th = range.thetaMin * Math.pow(range.thetaMax / range.thetaMin, i / 20000);
          const phi = phiPowerLaw(th, eta, gamma);
          aMax = Math.max(aMax, th * phi * (1 + Math.abs(rho)));
          bMax = Math.max(bMax, th * phi * phi * (1 + Math.abs(rho)));
        }
        const info = JSON.stringify({ gamma, rho, eta, aMax, bMax });
        expect(aMax, info).toBeLessThan(4);
        expect(bMax, info).toBeLessThanOrEqual(4);
        // one of the two binds, to within the scan resolution and the 1e-9 margin
        expect(Math.max(aMax, bMax), info).toBeGreaterThan(4 * (1 - 1e-6));
      }
    }
  });

  it('global condition ⇒ both inequalities for every θ (scan over 1e-8..1e8)', () => {
    const p = { rho: -0.75, eta: 2 / 1.75, gamma: 0.35 };
    expect(isGloballyAdmissible(p)).toBe(true);
    for (let i = 0; i <= 1600; i++) {
      const th = Math.pow(10, -8 + i / 100);
      const phi = phiPowerLaw(th, p.eta, p.gamma);
      expect(th * phi * 1.75, `θ = ${th}`).toBeLessThan(4);
      expect(th * phi * phi * 1.75, `θ = ${th}`).toBeLessThanOrEqual(4);
    }
  });
});

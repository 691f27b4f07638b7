import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/core/errors.js';
import { depthScale } from '../../src/market/depthWithdrawal.js';

const P = { elasticity: 1.5, minScale: 0.05, stressElasticity: 0 };

describe('depthScale = clamp((σ_ref/σ)^e · (1+stress)^−s, minScale, 1)', () => {
  // Rows: [vol, volRef, stress, params, expected, why]; tolerance 1e-15 relative (one pow).
  const rows: Array<[number, number, number, typeof P, number, string]> = [
    [0.4, 0.4, 0, P, 1, 'calm: vol at reference'],
    [0.2, 0.4, 0, P, 1, 'below reference clamps at 1'],
    [0, 0.4, 0, P, 1, 'no vol yet counts as calm'],
    [0.8, 0.4, 0, P, Math.pow(0.5, 1.5), 'double vol: (1/2)^e'],
    [0.8, 0.4, 0, { ...P, elasticity: 1 }, 0.5, 'elasticity 1 halves depth at double vol'],
    [40, 0.4, 0, P, 0.05, '100x vol clamps at minScale'],
    [0.4, 0.4, 1, { ...P, stressElasticity: 1 }, 0.5, 'stress hook: (1+1)^-1'],
    [0.8, 0.4, 3, { ...P, stressElasticity: 0.5 }, Math.pow(0.5, 1.5) * 0.5, 'vol and stress multiply'],
    [0.8, 0.4, 0, { ...P, elasticity: 0 }, 1, 'elasticity 0 switches withdrawal off'],
  ];
  for (const [vol, ref, stress, p, expected, why] of rows) {
    it(why, () => {
      const got = depthScale(vol, ref, stress, p);
      expect(Math.abs(got - expected), `vol=${vol} ref=${ref} stress=${stress} p=${JSON.stringify(p)} got=${got}`).toBeLessThanOrEqual(1e-15 * expected);
    });
  }

  it('is non-increasing in vol and in stress', () => {
    let prev = 1;
    for (let v = 0.1; v < 10; v *= 1.1) {
      const s = depthScale(v, 0.5, 0.2, { ...P, stressElasticity: 0.7 });
      expect(s, `vol=${v}`).toBeLessThanOrEqual(prev);
      prev = s;
    }
  });

  it('refuses NaN or negative inputs', () => {
    expect(() => depthScale(Number.NaN, 0.4, 0, P)).toThrow(NumericalError);
    expect(() => depthScale(0.4, 0, 0, P)).toThrow(/reference vol/);
    expect(() => depthScale(0.4, 0.4, -1, P)).toThrow(/stress/);
  });
});

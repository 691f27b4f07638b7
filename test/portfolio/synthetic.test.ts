import { describe, expect, it } from 'vitest';
import { SeedTree } from '../../src/core/rng.js';
import { correlationAt, jointSyntheticPath, type JointPathSpec } from '../../src/portfolio/synthetic.js';

const ASSETS = [
  { name: 'BTC', startPrice: 8000, volPerYear: 0.6, crashBeta: 1 },
  { name: 'ETH', startPrice: 200, volPerYear: 0.8, crashBeta: 1.2 },
];

function sampleCorrelation(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function logReturns(c: Float64Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(1, from); i < to; i++) out.push(Math.log(c[i] / c[i - 1]));
  return out;
}

describe('joint synthetic path', () => {
  it('correlation runs linearly from calm to stressed and is clamped outside [0, 1]', () => {
    expect(correlationAt(-1, 0.3, 0.9)).toBe(0.3);
    expect(correlationAt(0.5, 0.3, 0.9)).toBeCloseTo(0.6, 15);
    expect(correlationAt(2, 0.3, 0.9)).toBe(0.9);
  });

  it('is deterministic in the seed and differs across seeds', () => {
    const spec: JointPathSpec = { bars: 100, barMinutes: 60, calmCorrelation: 0.5, stressCorrelation: 0.95, stressDrawdown: 0.2, crashStartBar: 50, crashBars: 5, crashLogMove: -0.3 };
    const a = jointSyntheticPath(ASSETS, spec, new SeedTree(7));
    const b = jointSyntheticPath(ASSETS, spec, new SeedTree(7));
    const c = jointSyntheticPath(ASSETS, spec, new SeedTree(8));
    expect(Array.from(a.series[1].close)).toEqual(Array.from(b.series[1].close));
    expect(a.series[1].close[99]).not.toBe(c.series[1].close[99]);
  });

  it('the sample correlation of returns matches the calm figure before a crash and the stressed one after (procyclical)', () => {
    // 20,000 calm bars, then a crash deep enough to hold stress at 1 for 20,000 more.
    // Tolerance: 4 standard errors of a sample correlation, (1 − ρ²)/sqrt(n).
    const n = 20_000;
    const spec: JointPathSpec = { bars: 2 * n + 10, barMinutes: 60, calmCorrelation: 0.3, stressCorrelation: 0.9, stressDrawdown: 0.05, crashStartBar: n, crashBars: 10, crashLogMove: -3 };
    const p = jointSyntheticPath(ASSETS, spec, new SeedTree(3));
    const [btc, eth] = p.series;
    // Before the crash the index drifts, so stress is not exactly 0: read the correlation the path used.
    let meanCalm = 0;
    for (let i = 1; i < n; i++) meanCalm += p.correlation[i] / (n - 1);
    const calm = sampleCorrelation(logReturns(btc.close, 1, n), logReturns(eth.close, 1, n));
    expect(Math.abs(calm - meanCalm), JSON.stringify({ calm, meanCalm })).toBeLessThan((4 * (1 - meanCalm ** 2)) / Math.sqrt(n));
    const after = n + 10;
    for (let i = after; i < spec.bars; i++) expect(p.correlation[i]).toBe(0.9);
    const stressed = sampleCorrelation(logReturns(btc.close, after, spec.bars), logReturns(eth.close, after, spec.bars));
    expect(Math.abs(stressed - 0.9), JSON.stringify({ stressed })).toBeLessThan((4 * (1 - 0.81)) / Math.sqrt(n));
    expect(stressed).toBeGreaterThan(calm);
  });
});

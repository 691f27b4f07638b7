import { describe, expect, it } from 'vitest';
import { levelSegments } from '../../../src/report/html/contour.js';

/** The critical line by marching squares: exact for a field linear in the grid indices. */
describe('levelSegments', () => {
  it('a linear field f = 0.5·i + 0.25·j: every endpoint lies on 0.5·x + 0.25·y = 1 (to 1e-12), one segment per crossed square', () => {
    const f = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => 0.5 * i + 0.25 * j));
    const segs = levelSegments(f, 1);
    expect(segs.length).toBeGreaterThan(0);
    for (const s of segs) {
      expect(Math.abs(0.5 * s.x1 + 0.25 * s.y1 - 1)).toBeLessThan(1e-12);
      expect(Math.abs(0.5 * s.x2 + 0.25 * s.y2 - 1)).toBeLessThan(1e-12);
    }
    // The line runs from (2, 0) to (0, 4): its x-extent is [0, 2] and y-extent [0, 4].
    const xs = segs.flatMap((s) => [s.x1, s.x2]);
    const ys = segs.flatMap((s) => [s.y1, s.y2]);
    expect(Math.min(...xs)).toBeCloseTo(0, 12);
    expect(Math.max(...xs)).toBeCloseTo(2, 12);
    expect(Math.max(...ys)).toBeCloseTo(4, 12);
  });

  it('hand example: one square, corners 0 / 2 along i, 0 / 2 along j+1: crossing at the edge midpoints', () => {
    // f[0][0]=0, f[1][0]=2, f[1][1]=2, f[0][1]=0: the level 1 is the vertical line x = 0.5.
    const segs = levelSegments([[0, 0], [2, 2]], 1);
    expect(segs).toEqual([{ x1: 0.5, y1: 0, x2: 0.5, y2: 1 }]);
  });

  it('a saddle is split by its centre value; squares with a missing corner are skipped; no crossing, no line', () => {
    // Corners 00 and 11 above (2), 10 and 01 below (0); centre 1 ≥ 1 is above: corners 10 and 01 are cut off.
    const saddle = levelSegments([[2, 0], [0, 2]], 1);
    expect(saddle).toHaveLength(2);
    expect(saddle).toContainEqual({ x1: 0.5, y1: 0, x2: 1, y2: 0.5 });
    expect(saddle).toContainEqual({ x1: 0.5, y1: 1, x2: 0, y2: 0.5 });
    expect(levelSegments([[0, null], [2, 2]], 1)).toEqual([]);
    expect(levelSegments([[2, 3], [4, 5]], 1)).toEqual([]);
  });
});

/**
 * The critical line of a phase diagram: where a field sampled on a grid
 * crosses a level (the summed branching ratio at 1), by marching squares
 * with linear interpolation along each cell edge. Coordinates are grid
 * indices (i along the first axis, j along the second), so the line can be
 * drawn over any two varied inputs, numeric or not. Linear interpolation
 * makes the line exact wherever the field is linear between grid points.
 */

export interface Segment {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** Where level lies on the edge from a (at p) to b (at q), as a point, or undefined when the edge does not cross it. */
function crossing(a: number, b: number, level: number, p: readonly [number, number], q: readonly [number, number]): [number, number] | undefined {
  const da = a - level;
  const db = b - level;
  if ((da < 0 && db < 0) || (da >= 0 && db >= 0)) return undefined;
  const t = da / (da - db);
  return [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
}

/**
 * Segments of the level line of `f` (f[i][j]; null = no value, the squares
 * touching it are skipped). "Above" means ≥ level. A square with all four
 * edges crossed (a saddle) is resolved by the mean of its corners.
 */
export function levelSegments(f: ReadonlyArray<ReadonlyArray<number | null>>, level: number): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i + 1 < f.length; i++) {
    for (let j = 0; j + 1 < f[i].length; j++) {
      const v00 = f[i][j];
      const v10 = f[i + 1][j];
      const v11 = f[i + 1][j + 1];
      const v01 = f[i][j + 1];
      if (v00 === null || v10 === null || v11 === null || v01 === null) continue;
      if (![v00, v10, v11, v01].every(Number.isFinite)) continue;
      // Edges in order around the square: bottom, right, top, left.
      const pts = [
        crossing(v00, v10, level, [i, j], [i + 1, j]),
        crossing(v10, v11, level, [i + 1, j], [i + 1, j + 1]),
        crossing(v11, v01, level, [i + 1, j + 1], [i, j + 1]),
        crossing(v01, v00, level, [i, j + 1], [i, j]),
      ];
      const hit = pts.flatMap((p, k) => (p ? [k] : []));
      const seg = (a: number, b: number): void => {
        const p = pts[a]!;
        const q = pts[b]!;
        out.push({ x1: p[0], y1: p[1], x2: q[0], y2: q[1] });
      };
      if (hit.length === 2) seg(hit[0], hit[1]);
      else if (hit.length === 4) {
        const centreAbove = (v00 + v10 + v11 + v01) / 4 >= level;
        // Corner 00 above and the centre above: the above region joins 00 and 11, so cut corners 10 and 01 off.
        if ((v00 >= level) === centreAbove) {
          seg(0, 1);
          seg(2, 3);
        } else {
          seg(0, 3);
          seg(1, 2);
        }
      }
    }
  }
  return out;
}

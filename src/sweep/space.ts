/**
 * A parameter space and its map from the unit cube. Every search method
 * proposes points u in [0, 1)^d; `decode` turns one into scenario values:
 * a list takes element floor(u·n), a range min + u·(max − min) (on the log
 * scale: min·(max/min)^u), rounded for integer ranges. Working in the cube
 * keeps the methods free of units and scales.
 */
import { ConfigError } from '../core/errors.js';

export type Parameter =
  | { readonly path: string; readonly values: readonly unknown[] }
  | {
      readonly path: string;
      readonly min: number;
      readonly max: number;
      readonly scale: 'linear' | 'log';
      readonly integer: boolean;
      /** Grid points along the range (grid method only). */
      readonly steps?: number | undefined;
    };

/** Decodes one coordinate of the cube into the parameter's value. */
export function decodeOne(p: Parameter, u: number): unknown {
  const x = Math.min(Math.max(u, 0), 1);
  if ('values' in p) return p.values[Math.min(p.values.length - 1, Math.floor(x * p.values.length))];
  const v = p.scale === 'log' ? p.min * Math.pow(p.max / p.min, x) : p.min + x * (p.max - p.min);
  // Clamp: exp/log round-off may step just outside the range at the ends.
  const clamped = Math.min(Math.max(v, p.min), p.max);
  return p.integer ? Math.round(clamped) : clamped;
}

export function decode(params: readonly Parameter[], u: readonly number[]): unknown[] {
  return params.map((p, k) => decodeOne(p, u[k]));
}

/** Grid values of one parameter: its list, or `steps` points from min to max inclusive (spaced on its scale). */
export function gridValues(p: Parameter): unknown[] {
  if ('values' in p) return [...p.values];
  if (p.steps === undefined) throw new ConfigError(`the grid method needs 'steps' on the range parameter ${p.path} (or give it a list of values)`, { field: `parameters.${p.path}` });
  const out: unknown[] = [];
  for (let i = 0; i < p.steps; i++) {
    const v = decodeOne(p, i / (p.steps - 1));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** The cartesian product, first parameter slowest (as `compare --vary`). */
export function gridPoints(params: readonly Parameter[], maxPoints: number): unknown[][] {
  const axes = params.map(gridValues);
  const total = axes.reduce((n, a) => n * a.length, 1);
  if (total > maxPoints) throw new ConfigError(`the grid has ${total} points (${axes.map((a) => a.length).join(' × ')}); the limit is ${maxPoints}`, { field: 'parameters' });
  const out: unknown[][] = [];
  for (let v = 0; v < total; v++) {
    let rest = v;
    const point = new Array<unknown>(axes.length);
    for (let a = axes.length - 1; a >= 0; a--) {
      point[a] = axes[a][rest % axes[a].length];
      rest = Math.floor(rest / axes[a].length);
    }
    out.push(point);
  }
  return out;
}

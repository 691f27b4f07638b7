import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/sim/recorder.js';

describe('Recorder.columns', () => {
  it('declares names in order, returns them keyed, and gives the same column to a second declaration', () => {
    const rec = new Recorder(3);
    const a = rec.columns(['x', 'y'] as const);
    const b = rec.columns(['z', 'x'] as const);
    expect(rec.names()).toEqual(['x', 'y', 'z']);
    expect(b.x).toBe(a.x);
    expect(rec.get('y')).toBe(a.y);
    expect(Array.from(a.y)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    // @ts-expect-error a name the component did not declare does not compile
    expect(a.z).toBeUndefined();
  });
});

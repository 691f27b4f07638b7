/** Canonical text of config values: key order never matters; for cache keys, values JSON would merge stay apart. */
import { describe, expect, it } from 'vitest';
import { exactStringify, stableStringify } from '../../src/core/hash.js';

describe('stableStringify', () => {
  it('sorts keys at every depth, so only content matters', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: 3 } })).toBe(stableStringify({ a: { c: 3, d: [2, { x: 0, y: 1 }] }, b: 1 }));
    expect(stableStringify({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('exactStringify', () => {
  it('keeps apart what JSON writes alike: -0 and 0, NaN, Infinity and null, undefined and absent', () => {
    const texts = [0, -0, NaN, Infinity, -Infinity, null].map((x) => exactStringify({ a: x }));
    expect(new Set(texts).size).toBe(texts.length);
    expect(exactStringify({ a: undefined })).not.toBe(exactStringify({}));
    expect(exactStringify([1, undefined])).not.toBe(exactStringify([1, null]));
  });

  it('writes finite numbers exactly and sorts keys as stableStringify does', () => {
    expect(exactStringify({ b: 0.1 + 0.2, a: 1e-300 })).toBe('{"a":1e-300,"b":0.30000000000000004}');
    expect(exactStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(stableStringify({ a: [{ c: 2, d: 1 }], b: 1 }));
  });
});

import { createHash } from 'node:crypto';

/** Hex sha256 of bytes or a string. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted recursively, so that a config hash depends on
 * content only, not on the order keys were written in.
 */
export function stableStringify(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

/**
 * stableStringify for a cache key: text that differs whenever the values
 * could, so −0, NaN and ±Infinity are spelt out (JSON writes them 0 or
 * null) and an undefined property is kept; other numbers are exact in
 * JSON's shortest round-trip form.
 */
export function exactStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value), (_key, x: unknown) => {
    if (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0))) return `number:${Object.is(x, -0) ? '-0' : String(x)}`;
    return x === undefined ? 'undefined' : x;
  });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

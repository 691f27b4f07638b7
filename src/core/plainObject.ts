/** A JSON-like object (not null, not an array): what a raw scenario's blocks are. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

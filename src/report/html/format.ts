/** Text and number formatting shared by the run and comparison pages. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * A figure as the tables print it: 6 significant digits (integers whole),
 * non-finite numbers by name. The exact value travels in the cell's
 * `data-value` attribute, so a reader (and the test) can check it against
 * summary.json.
 */
export function displayNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(Number(x.toPrecision(6)));
}

/** Series values for the page's data block: 5 significant digits is below a pixel on any chart; NaN is null (a gap). */
export function compactNumber(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  return x === 0 ? 0 : Number(x.toPrecision(5));
}

/**
 * JSON for a <script type="application/json"> block: `<` is escaped so no
 * text inside can close the script element.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

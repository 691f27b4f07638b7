/**
 * Short display of an amount of quote currency for one-line messages:
 * 60.00M, 73.3k, 1.25B, 950. Messages and summaries keep the exact figure;
 * this is for the line a user reads.
 */
export function shortQuote(x: number): string {
  const a = Math.abs(x);
  return a >= 1e9 ? `${(x / 1e9).toFixed(2)}B` : a >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : a >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

/** One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a quote, a comma or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

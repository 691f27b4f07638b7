/**
 * Errors are values with a location (STYLE.md principle 8): the CLI prints
 * them on one line and exits non-zero, so a user sees file, line, field and
 * reason instead of a stack trace.
 */
export interface ErrorLocation {
  /** File the bad input came from. */
  readonly file?: string;
  /** 1-based physical line in that file. */
  readonly line?: number;
  /** Column or field name (CSV header name or dotted config path). */
  readonly field?: string;
}

export class CascadeError extends Error {
  readonly reason: string;
  readonly location: ErrorLocation;

  constructor(reason: string, location: ErrorLocation = {}) {
    super(formatLocated(reason, location));
    this.name = new.target.name;
    this.reason = reason;
    this.location = location;
  }
}

/** Bad input data (CSV files, series). */
export class DataError extends CascadeError {}

/** Bad scenario or sweep configuration. */
export class ConfigError extends CascadeError {}

/** A numerical routine could not produce a defined answer (e.g. price outside no-arbitrage bounds). */
export class NumericalError extends CascadeError {}

export function formatLocated(reason: string, loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.field !== undefined) parts.push(`field '${clip(loc.field)}'`);
  const shown = clipQuoted(reason);
  return parts.length > 0 ? `${parts.join(': ')}: ${shown}` : shown;
}

/** Longest message reason shown whole; past it the reason is clipped like a quoted value. */
const MAX_REASON = 1000;

/**
 * Every message stays one readable line whatever the input: a quoted value
 * (a field, a header, a path) longer than 120 characters is clipped, and so
 * is a reason past MAX_REASON characters or spanning lines.
 */
function clipQuoted(reason: string): string {
  // A quote opens after a non-word character and closes before one, so the
  // prose between two short quoted values ("'x' is ... (or 'default')") is
  // not taken for one long value.
  const quoted = reason.replace(/(?<!\w)'([^']{121,})'(?!\w)/g, (_m, inner: string) => `'${clip(inner)}'`);
  return quoted.length > MAX_REASON || /[\r\n]/.test(quoted) ? clip(quoted, MAX_REASON) : quoted;
}

/**
 * Shortens a text quoted in an error message: a 10,000-character field or a
 * 79 KB header is shown as its start, an ellipsis and its length, so every
 * error stays one readable line.
 */
export function clip(text: string, max = 80): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${text.length} characters)`;
}

/** An internal consistency check; failing one is a bug in cascade-lab, not a user error. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}

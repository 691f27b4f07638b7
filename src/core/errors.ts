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
  if (loc.field !== undefined) parts.push(`field '${loc.field}'`);
  return parts.length > 0 ? `${parts.join(': ')}: ${reason}` : reason;
}

/** An internal consistency check; failing one is a bug in cascade-lab, not a user error. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}

import { DataError, type ErrorLocation } from './errors.js';

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MS_PER_YEAR = 365.25 * MS_PER_DAY;

/** ISO-8601 with an explicit zone (Z or ±hh:mm); a date alone is taken as 00:00Z. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NAIVE_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Parses a timestamp text to epoch ms. A date-time without a zone is refused:
 * guessing a zone silently shifts every bar (PROVENANCE.md converts Israel
 * local time by hand for that reason).
 */
export function parseIsoUtc(text: string, loc: ErrorLocation = {}): number {
  const s = text.trim();
  if (DATE_ONLY.test(s)) {
    const ms = Date.parse(`${s}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new DataError(`invalid date '${text}'`, loc);
    return ms;
  }
  if (ISO_WITH_ZONE.test(s)) {
    const ms = Date.parse(s.replace(' ', 'T'));
    if (Number.isNaN(ms)) throw new DataError(`invalid timestamp '${text}'`, loc);
    return ms;
  }
  if (NAIVE_DATETIME.test(s)) {
    throw new DataError(`timestamp '${text}' has no time zone; write it in UTC with a trailing Z`, loc);
  }
  throw new DataError(`unrecognised timestamp '${text}' (expected ISO-8601 UTC or epoch)`, loc);
}

/** Epoch ms to `YYYY-MM-DDTHH:MM:SSZ` (milliseconds kept only when non-zero). */
export function formatIsoUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Parses durations like `1m`, `15m`, `1h`, `1d`, `500ms` to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)$/.exec(text.trim());
  if (!m) throw new RangeError(`unrecognised duration '${text}' (use e.g. 1m, 15m, 1h, 1d)`);
  const n = Number(m[1]);
  const unit = m[2];
  const scale =
    unit === 'ms' ? 1 : unit === 's' ? MS_PER_SECOND : unit === 'm' || unit === 'min' ? MS_PER_MINUTE
      : unit === 'h' ? MS_PER_HOUR : unit === 'd' ? MS_PER_DAY : 7 * MS_PER_DAY;
  return n * scale;
}

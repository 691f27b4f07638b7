import { clip, DataError, type ErrorLocation } from './errors.js';

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
/**
 * A year on the run clock: 365.25 days (Julian). Every elapsed-time fraction
 * of a year (dtYears, an option's time to expiry, annualised vols) is on this
 * scale.
 */
export const DAYS_PER_YEAR = 365.25;
export const MS_PER_YEAR = DAYS_PER_YEAR * MS_PER_DAY;
export const MINUTES_PER_YEAR = DAYS_PER_YEAR * (MS_PER_DAY / MS_PER_MINUTE);

/**
 * Days in a year when a tenor written in days becomes years (ACT/365): the
 * surface's 30-day ATM reference follows DVOL and VIX, which count 365-day
 * years, and the skew and put-strip tenors and the surface's one-hour floor
 * were written the same way. It differs from DAYS_PER_YEAR by 0.07%: a tenor
 * of N days is N/365 years here but N/365.25 years on the clock. Kept apart
 * rather than merged, because merging would move every output.
 */
export const TENOR_DAYS_PER_YEAR = 365;

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
    checkCalendarDay(s, text, loc);
    const ms = Date.parse(`${s}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new DataError(`invalid date '${clip(text)}'`, loc);
    return ms;
  }
  if (ISO_WITH_ZONE.test(s)) {
    checkCalendarDay(s, text, loc);
    const ms = Date.parse(s.replace(' ', 'T'));
    if (Number.isNaN(ms)) throw new DataError(`invalid timestamp '${clip(text)}'`, loc);
    return ms;
  }
  if (NAIVE_DATETIME.test(s)) {
    throw new DataError(`timestamp '${clip(text)}' has no time zone; write it in UTC with a trailing Z`, loc);
  }
  throw new DataError(`unrecognised timestamp '${clip(text)}' (expected ISO-8601 UTC or epoch)`, loc);
}

/** Days in each month of a common year; February gains one in leap years. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Date.parse rolls a day the month lacks over into the next month
 * (2021-02-29 becomes March 1st); a data file or window with such a date has
 * a typo, so it is refused. `s` starts with YYYY-MM-DD (checked by the caller).
 */
function checkCalendarDay(s: string, text: string, loc: ErrorLocation): void {
  const digit = (i: number): number => s.charCodeAt(i) - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  if (month < 1 || month > 12) throw new DataError(`invalid date '${clip(text)}': there is no month ${month}`, loc);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > days) {
    throw new DataError(`invalid date '${clip(text)}': ${year}-${String(month).padStart(2, '0')} has ${days} days, not ${day}`, loc);
  }
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

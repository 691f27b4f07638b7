import { ConfigError } from '../core/errors.js';
import { barIntervalMs, type BarSeries, type IvSeries } from './bars.js';

export interface JoinIvOptions {
  /**
   * How long after its stamp an IV observation becomes known, ms. Default:
   * the IV series' own median interval, because files stamp a period's
   * CLOSE at the period's START (a daily DVOL/VIX close carries the date at
   * 00:00Z but is only known at the end of that day).
   */
  availableAfterMs?: number;
  /** Extra delay before a known value may be used (data-feed latency), ms. Default 0. */
  lagMs?: number;
  /** Bar length, ms; default the bars' median spacing (needed when there is only one bar). */
  barIntervalMs?: number;
}

/**
 * As-of join of an IV index onto bars, free of look-ahead.
 *
 * Rule: bar i is acted on at its close, `closeMs = bar.time[i] + barInterval`.
 * IV observation j may be used for bar i iff
 *     iv.time[j] + availableAfterMs + lagMs <= closeMs,
 * and the latest such j is taken. Before the first usable observation the
 * result is NaN (never back-filled from the future).
 *
 * Example: daily DVOL stamped 2021-05-19T00:00Z is the close of 19 May; with
 * the default availableAfterMs = 1 day it is first used by the bar that
 * closes at 2021-05-20T00:00Z (the 23:00 hourly bar of 19 May).
 */
export function joinIvAsOf(bars: BarSeries, iv: IvSeries, opts: JoinIvOptions = {}): Float64Array {
  const availableAfterMs = opts.availableAfterMs ?? barIntervalMs(iv);
  const lagMs = opts.lagMs ?? 0;
  const barMs = opts.barIntervalMs ?? barIntervalMs(bars);
  if (!(availableAfterMs >= 0)) {
    throw new ConfigError(`availableAfterMs must be >= 0 (give it explicitly for an IV series of one value), got ${availableAfterMs}`, {
      field: 'availableAfterMs',
    });
  }
  if (!(lagMs >= 0)) throw new ConfigError(`lagMs must be >= 0, got ${lagMs}`, { field: 'lagMs' });
  if (bars.length > 0 && !(barMs > 0)) {
    throw new ConfigError(`bar interval unknown (give barIntervalMs for a series of one bar), got ${barMs}`, { field: 'barIntervalMs' });
  }
  const out = new Float64Array(bars.length);
  const delay = availableAfterMs + lagMs;
  let j = -1;
  for (let i = 0; i < bars.length; i++) {
    const closeMs = bars.time[i] + barMs;
    // Both series are strictly increasing, so the usable prefix only grows.
    while (j + 1 < iv.length && iv.time[j + 1] + delay <= closeMs) j++;
    out[i] = j >= 0 ? iv.value[j] : Number.NaN;
  }
  return out;
}

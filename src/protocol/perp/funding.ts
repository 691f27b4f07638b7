/**
 * Perp funding (docs/model.md#funding): when a funding time is crossed, every
 * long pays rate · mark · size and every short receives rate · mark · size
 * (a negative rate reverses the flow). The rate is read from a settled
 * series (Binance's archive) or formed from the premium of the mark over the
 * index, as Binance does: F = P + clamp(I − P, −c, c), capped at ±cap, with
 * P the mean premium (mark − index)/index sampled every bar of the interval
 * and I the interest part per interval.
 */
import type { FundingSeries } from './fundingSeries.js';

export interface PremiumFundingTerms {
  /** Interest part I per interval, fraction (Binance: 0.0001 per 8 h). */
  readonly interest: number;
  /** Clamp c on I − P, fraction (Binance: 0.0005). */
  readonly clamp: number;
  /** Cap on |F|, fraction (set per contract by the venue). */
  readonly cap: number;
}

/** Binance's funding formula from the interval's mean premium. */
export function premiumFundingRate(meanPremium: number, t: PremiumFundingTerms): number {
  const f = meanPremium + clampTo(t.interest - meanPremium, -t.clamp, t.clamp);
  return clampTo(f, -t.cap, t.cap);
}

function clampTo(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * When funding falls due. Premium mode: at every multiple of the interval
 * since the epoch (00:00, 08:00, 16:00 UTC for 8 h), the first one strictly
 * after the run's first bar; the rate is formed from the premiums sampled
 * since the previous payment. Series mode: at each settlement time of the
 * file inside the run, with its rate (rows before the first bar are history
 * the accounts already paid).
 */
export class FundingClock {
  /** Premium mode: next payment time, epoch ms (NaN before the first bar). */
  next = Number.NaN;
  /** Series mode: index of the next row to pay. */
  cursor = 0;
  premiumSum = 0;
  premiumCount = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly terms: PremiumFundingTerms,
    private readonly series: FundingSeries | null,
  ) {}

  /** Records one bar's premium (mark − index)/index; skipped when undefined. */
  samplePremium(premium: number): void {
    if (!Number.isFinite(premium)) return;
    this.premiumSum += premium;
    this.premiumCount++;
  }

  /**
   * Rate due at a bar starting at `time`, or NaN when none is due; several
   * due at once (a gap in the bars) are summed, each paid once.
   */
  due(time: number, first: boolean): number {
    const s = this.series;
    if (s !== null) {
      if (first) while (this.cursor < s.length && s.time[this.cursor] < time) this.cursor++;
      let rate = Number.NaN;
      while (this.cursor < s.length && s.time[this.cursor] <= time) {
        rate = (Number.isNaN(rate) ? 0 : rate) + s.rate[this.cursor];
        this.cursor++;
      }
      return rate;
    }
    if (first) {
      this.next = (Math.floor(time / this.intervalMs) + 1) * this.intervalMs;
      return Number.NaN;
    }
    if (time < this.next) return Number.NaN;
    let crossed = 0;
    while (time >= this.next) {
      this.next += this.intervalMs;
      crossed++;
    }
    const mean = this.premiumCount > 0 ? this.premiumSum / this.premiumCount : 0;
    this.premiumSum = 0;
    this.premiumCount = 0;
    return crossed * premiumFundingRate(mean, this.terms);
  }
}

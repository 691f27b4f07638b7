/**
 * What the run report needs from inside the run and no output file holds:
 * the vol smile and the dealer's gamma profile at the calmest and the most
 * stressed bar. Stress is the engine's realised vol (`realised_vol`, the
 * driver of the surface and of depth withdrawal): the calmest bar has the
 * lowest, the most stressed the highest (the first such bar on ties).
 *
 * The tracker follows the running minimum and maximum at the end of every
 * bar and, at a new extreme, copies the dealer's option book as the dealer
 * valued it at that bar (strike, kind, quantity, time to expiry and the
 * implied vol it used) into arrays allocated once, and reads the smile off
 * the surface in force. The re-pricing over a spot grid happens once, after
 * the run (`profiles`), holding each option's vol at its strike as the spot
 * moves (sticky strike, as the GEX dashboards draw it).
 */
import { blackScholes } from '../pricing/blackScholes.js';
import type { OptionBook } from '../dealer/book.js';
import type { VolSurface } from '../sim/volSurface.js';

/** Log-moneyness grid of the smile, ln(K/F): 61 points from −0.6 to +0.3. */
const SMILE_K_MIN = -0.6;
const SMILE_K_MAX = 0.3;
const SMILE_POINTS = 61;
/** The smile's tenor: the 30-day slice, the tenor the VIX and DVOL quote. */
export const SMILE_TENOR_DAYS = 30;
/** Spot grid of the gamma profile: 0.5× to 1.5× the bar's spot, 101 points. */
const GRID_LOW = 0.5;
const GRID_HIGH = 1.5;
const GRID_POINTS = 101;

export interface SmileAtBar {
  readonly moneyness: number[];
  /** Implied vol at K/F = moneyness, decimal. */
  readonly vol: number[];
}

export interface GammaProfileAtBar {
  readonly spotGrid: number[];
  /** The book's dollar gamma at each grid spot: Γ·S²/100, quote per 1% move. */
  readonly gammaQuotePer1Pct: number[];
  /** The grid spot nearest the bar's spot where the profile changes sign (linear between grid points); null: no change of sign on the grid. */
  readonly flipSpot: number | null;
  /** Dollar gamma by strike at the bar's spot (summed over expiries), ascending strikes. */
  readonly strikes: number[];
  readonly gammaByStrikeQuotePer1Pct: number[];
}

export interface ProfileAtBar {
  readonly label: 'calmest' | 'most stressed';
  readonly bar: number;
  readonly timeMs: number;
  readonly spot: number;
  readonly realisedVol: number;
  readonly smile: SmileAtBar | null;
  readonly gamma: GammaProfileAtBar | null;
}

export interface StressProfiles {
  readonly stressMeasure: 'realised_vol';
  readonly smileTenorDays: number;
  /** Calmest first, then most stressed; empty when the run has no bars. */
  readonly bars: ProfileAtBar[];
}

/** One captured bar: the book as valued then, and the smile. */
class Snapshot {
  bar = -1;
  timeMs = Number.NaN;
  spot = Number.NaN;
  realisedVol = Number.NaN;
  n = 0;
  readonly strike: Float64Array;
  readonly kind: Int8Array;
  readonly qty: Float64Array;
  readonly years: Float64Array;
  readonly vol: Float64Array;
  readonly smile = new Float64Array(SMILE_POINTS);

  constructor(capacity: number) {
    this.strike = new Float64Array(capacity);
    this.kind = new Int8Array(capacity);
    this.qty = new Float64Array(capacity);
    this.years = new Float64Array(capacity);
    this.vol = new Float64Array(capacity);
  }
}

export class StressProfileTracker {
  private readonly calm: Snapshot;
  private readonly stressed: Snapshot;
  private readonly smileYears = SMILE_TENOR_DAYS / 365.25;

  constructor(
    private readonly realisedVol: Float64Array,
    private readonly simulatedClose: Float64Array,
    private readonly time: Float64Array,
    private readonly surface: VolSurface | null,
    private readonly book: OptionBook | null,
    private readonly rate: number,
    private readonly dividend: number,
  ) {
    const cap = book ? book.capacity : 0;
    this.calm = new Snapshot(cap);
    this.stressed = new Snapshot(cap);
  }

  /** At the end of bar i, after recording. */
  onBarEnd(i: number): void {
    const v = this.realisedVol[i];
    if (Number.isNaN(v)) return;
    if (this.calm.bar < 0 || v < this.calm.realisedVol) this.capture(this.calm, i, v);
    if (this.stressed.bar < 0 || v > this.stressed.realisedVol) this.capture(this.stressed, i, v);
  }

  private capture(s: Snapshot, i: number, v: number): void {
    s.bar = i;
    s.timeMs = this.time[i];
    s.spot = this.simulatedClose[i];
    s.realisedVol = v;
    const b = this.book;
    s.n = b ? b.length : 0;
    if (b) {
      s.strike.set(b.strike.subarray(0, s.n));
      s.kind.set(b.kind.subarray(0, s.n));
      s.qty.set(b.qty.subarray(0, s.n));
      s.years.set(b.years.subarray(0, s.n));
      s.vol.set(b.vol.subarray(0, s.n));
    }
    if (this.surface) {
      for (let p = 0; p < SMILE_POINTS; p++) {
        const k = SMILE_K_MIN + ((SMILE_K_MAX - SMILE_K_MIN) * p) / (SMILE_POINTS - 1);
        s.smile[p] = Math.sqrt(this.surface.totalVariance(k, this.smileYears) / this.smileYears);
      }
    }
  }

  /** The two bars' smiles and re-priced gamma profiles (after the run). */
  profiles(): StressProfiles {
    const bars: ProfileAtBar[] = [];
    for (const [label, s] of [['calmest', this.calm], ['most stressed', this.stressed]] as const) {
      if (s.bar < 0) continue;
      bars.push({
        label,
        bar: s.bar,
        timeMs: s.timeMs,
        spot: s.spot,
        realisedVol: s.realisedVol,
        smile: this.surface ? smileOf(s) : null,
        gamma: this.book && s.n > 0 ? gammaProfile(s, this.rate, this.dividend) : null,
      });
    }
    return { stressMeasure: 'realised_vol', smileTenorDays: SMILE_TENOR_DAYS, bars };
  }
}

function smileOf(s: Snapshot): SmileAtBar {
  const moneyness: number[] = [];
  for (let p = 0; p < SMILE_POINTS; p++) moneyness.push(Math.exp(SMILE_K_MIN + ((SMILE_K_MAX - SMILE_K_MIN) * p) / (SMILE_POINTS - 1)));
  return { moneyness, vol: Array.from(s.smile) };
}

/** Σ qty·Γ_BS(spot) over the live options of the snapshot (expired ones carry no gamma). */
export function bookGammaAt(spot: number, n: number, strike: ArrayLike<number>, kind: ArrayLike<number>, qty: ArrayLike<number>, years: ArrayLike<number>, vol: ArrayLike<number>, rate: number, dividend: number): number {
  let g = 0;
  for (let j = 0; j < n; j++) {
    if (!(years[j] > 0) || !(vol[j] > 0) || qty[j] === 0) continue;
    g += qty[j] * blackScholes(kind[j] === 1 ? 'call' : 'put', spot, strike[j], years[j], vol[j], rate, dividend).gamma;
  }
  return g;
}

/** Where the profile changes sign nearest the centre spot: linear interpolation between grid points; null when it keeps one sign. */
export function flipLevel(grid: readonly number[], values: readonly number[], centre: number): number | null {
  let best: number | null = null;
  for (let p = 0; p + 1 < grid.length; p++) {
    const a = values[p];
    const b = values[p + 1];
    if (a < 0 !== b < 0) {
      const x = grid[p] + ((grid[p + 1] - grid[p]) * a) / (a - b);
      if (best === null || Math.abs(x - centre) < Math.abs(best - centre)) best = x;
    }
  }
  return best;
}

function gammaProfile(s: Snapshot, rate: number, dividend: number): GammaProfileAtBar {
  const spotGrid: number[] = [];
  const dollar: number[] = [];
  for (let p = 0; p < GRID_POINTS; p++) {
    const x = s.spot * (GRID_LOW + ((GRID_HIGH - GRID_LOW) * p) / (GRID_POINTS - 1));
    spotGrid.push(x);
    dollar.push((bookGammaAt(x, s.n, s.strike, s.kind, s.qty, s.years, s.vol, rate, dividend) * x * x) / 100);
  }
  const byStrike = new Map<number, number>();
  for (let j = 0; j < s.n; j++) {
    const g = bookGammaAt(s.spot, 1, [s.strike[j]], [s.kind[j]], [s.qty[j]], [s.years[j]], [s.vol[j]], rate, dividend);
    byStrike.set(s.strike[j], (byStrike.get(s.strike[j]) ?? 0) + (g * s.spot * s.spot) / 100);
  }
  const strikes = [...byStrike.keys()].sort((a, b) => a - b);
  return {
    spotGrid,
    gammaQuotePer1Pct: dollar,
    flipSpot: flipLevel(spotGrid, dollar, s.spot),
    strikes,
    gammaByStrikeQuotePer1Pct: strikes.map((k) => byStrike.get(k) as number),
  };
}

/**
 * Seeded populations of leveraged long accounts
 * (docs/model.md#populations: populations come from a generator (leverage
 * and size distributions, seeded)).
 *
 * Each account is a long opened at some earlier entry price E with leverage
 * L = position value / equity at entry, so it owes Q·E·(1 − 1/L) against Q
 * base units. Its liquidation key is E·(1 − 1/L)/LT:
 * - perp: LT = 1 − mm, giving the isolated-margin long's liquidation price
 *   E·(1 − 1/L)/(1 − mm) (accounts.ts perpAccount);
 * - lending: LT drawn per account, uniform in [thresholdMin, thresholdMax].
 *
 * Draws per account, in this order, from the one Rng passed in:
 * 1. the leverage band, by count weights (below);
 * 2. L uniform in the band's (min, max]; E = startPrice · r with r from the
 *    entry distribution (positions opened earlier at other prices); LT
 *    (lending only); the size.
 * If the account would be liquidatable at the start price (key ≥
 *    startPrice · (1 − minDistance)), step 2 is redrawn with the band kept
 *    ('redraw', the default) or the account is dropped ('drop'). Redrawing
 *    keeps the band mix as configured: the published mix describes positions
 *    that are open, i.e. have survived, so the population is the configured
 *    draw conditioned on being alive. Both counts are in the report.
 *
 * Shares of open interest into account counts. The published leverage mix
 * (Hyperliquid, Dec 2025) is a split of open interest (notional), not of
 * accounts. When the size is drawn in base units or in notional, an
 * account's notional does not depend on its band, so a band's expected
 * share of OI equals its share of accounts and the count weights are the OI
 * shares (exactly in expectation for 'base'; for 'notionalQuote' the OI at
 * the start price is notional·S0/E, and survival tilts E slightly per band).
 * When the size is the margin posted ('marginQuote'), notional = margin · L,
 * so count weights are share_b / E[L | b] = share_b / ((min_b + max_b)/2),
 * normalised. The report gives the realised OI share per band either way.
 */
import type { EntryDistributionConfig, SizeDistributionConfig, VenueConfig } from '../config/protocolSchema.js';
import { lognormalAt, lognormalLogMeanAt, paretoAt, uniformAt } from '../core/distributions.js';
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { quantilesBySelection } from '../core/quantiles.js';
import { AccountBook } from './accounts.js';

export interface LeverageBand {
  /** Leverage is drawn uniform in (min, max]; min >= 1. */
  readonly min: number;
  readonly max: number;
  /** Share of open interest (notional) in this band; shares are normalised to sum 1. */
  readonly share: number;
  readonly label: string;
}

/**
 * Hyperliquid, December 2025: of $7.6B open interest, 36% at up to 3x, 48%
 * at 3-7x, about 15% above 7x (docs/calibration.md#leverage; second-hand).
 * The shares sum to 0.99 and are normalised. The top band's upper end (25x)
 * is our assumption: the source gives none (Hyperliquid allows up to 40x on
 * BTC).
 */
export const HYPERLIQUID_DEC_2025_BANDS: readonly LeverageBand[] = [
  { min: 1, max: 3, share: 0.36, label: '<=3x' },
  { min: 3, max: 7, share: 0.48, label: '3-7x' },
  { min: 7, max: 25, share: 0.15, label: '>7x' },
];

/**
 * Lending default: an assumption, no published distribution was found. A
 * lending account with LT 0.8 is liquidatable at its own entry price from
 * 5x, so the bands stop below that.
 */
export const LENDING_DEFAULT_BANDS: readonly LeverageBand[] = [
  { min: 1, max: 2, share: 0.5, label: '<=2x' },
  { min: 2, max: 3, share: 0.35, label: '2-3x' },
  { min: 3, max: 4.5, share: 0.15, label: '3-4.5x' },
];

/**
 * Perp venue with Hyperliquid's BTC maintenance margin: half the initial
 * margin at the 40x maximum leverage, 1.25% (Hyperliquid docs, "Margining").
 */
/**
 * The venue, size and entry distributions are the schema's
 * (config/protocolSchema.ts, where their defaults live). Venue 'perp':
 * maintenance margin as a fraction of notional, in (0, 1); 'lending': LT drawn
 * uniform in [thresholdMin, thresholdMax] ⊂ (0, 1]. Size 'pareto': `min` is
 * the scale (smallest size), tail index α > 0 with P(X > x) = (min/x)^α.
 */
export type Venue = VenueConfig;
export type SizeDistribution = SizeDistributionConfig;
/** What a drawn size measures: base units held, notional at entry (quote), or margin posted (quote). */
export type SizeUnit = SizeDistribution['unit'];
export type EntryDistribution = EntryDistributionConfig;

export interface PopulationOptions {
  /** Accounts to draw. */
  readonly count: number;
  /** Price at the start of the run, quote per base. */
  readonly startPrice: number;
  readonly venue: Venue;
  readonly size: SizeDistribution;
  /** Default: HYPERLIQUID_DEC_2025_BANDS for perps, LENDING_DEFAULT_BANDS for lending. */
  readonly leverage?: readonly LeverageBand[];
  /** Entry price / start price. */
  readonly entry: EntryDistribution;
  /** An account must have key <= startPrice · (1 − minDistance); default 0 (just not liquidatable). */
  readonly minDistance?: number;
  /** Default 'redraw'. */
  readonly bornLiquidatable?: 'redraw' | 'drop';
  /** Redraws allowed per account before the configuration is refused; default 1000. */
  readonly maxRedraws?: number;
  /** Book capacity; default count (room for accounts added later must be asked for). */
  readonly capacity?: number;
}

export interface BandReport {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Configured OI share, normalised. */
  readonly oiShareConfigured: number;
  /** Probability of an account falling in this band. */
  readonly countWeight: number;
  readonly accounts: number;
  /** Σ collateral · startPrice, quote. */
  readonly oiQuote: number;
  readonly oiShare: number;
}

export interface PopulationReport {
  readonly drawn: number;
  readonly accounts: number;
  /** Step-2 redraws because a draw was liquidatable (or too close) at the start price. */
  readonly redraws: number;
  /** Accounts dropped for the same reason (policy 'drop'). */
  readonly dropped: number;
  readonly bands: readonly BandReport[];
  /** Base units. */
  readonly totalCollateral: number;
  /** Quote. */
  readonly totalDebt: number;
  /** Σ collateral · startPrice. */
  readonly oiQuote: number;
  /** Quantiles of the fall to liquidation, 1 − key/startPrice (threshold multiplier 1). */
  readonly distanceQuantiles: readonly { readonly q: number; readonly distance: number }[];
}

export interface Population {
  readonly book: AccountBook;
  readonly report: PopulationReport;
  /** Per account (same index as the book): band index, leverage, entry price. */
  readonly band: Uint8Array;
  readonly leverage: Float64Array;
  readonly entry: Float64Array;
}

const QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

export function generatePopulation(opts: PopulationOptions, rng: Rng): Population {
  const v = validate(opts);
  const { count, startPrice, venue, size, bands, entry } = v;
  const capacity = opts.capacity ?? Math.max(count, 1);
  const book = new AccountBook(capacity);
  const bandOf = new Uint8Array(capacity);
  const levOf = new Float64Array(capacity);
  const entryOf = new Float64Array(capacity);
  const limit = startPrice * (1 - v.minDistance);
  const cum = new Float64Array(bands.length);
  let acc = 0;
  for (let b = 0; b < bands.length; b++) cum[b] = acc += v.countWeights[b];
  cum[bands.length - 1] = 1;

  let redraws = 0;
  let dropped = 0;
  for (let k = 0; k < count; k++) {
    const u = rng.uniform();
    let b = 0;
    while (u >= cum[b]) b++;
    const band = bands[b];
    let placed = false;
    for (let attempt = 0; attempt <= v.maxRedraws; attempt++) {
      // uniformOpen keeps L > min, so L > 1 and the debt is > 0.
      const lev = band.max - (band.max - band.min) * rng.uniformOpen();
      const e = startPrice * drawEntryRatio(entry, rng);
      const lt = venue.kind === 'perp' ? 1 - venue.maintenanceMargin : uniformAt(venue.thresholdMin, venue.thresholdMax, rng.uniform());
      const s = drawSize(size, rng);
      const q = size.unit === 'base' ? s : size.unit === 'notionalQuote' ? s / e : (s * lev) / e;
      const debt = q * e * (1 - 1 / lev);
      const key = debt / (q * lt);
      if (key < limit && debt > 0 && q > 0) {
        const i = book.add(q, debt, lt);
        bandOf[i] = b;
        levOf[i] = lev;
        entryOf[i] = e;
        placed = true;
        break;
      }
      if (v.policy === 'drop') {
        dropped++;
        placed = true;
        break;
      }
      redraws++;
    }
    if (!placed) {
      throw new ConfigError(
        `population: band '${band.label}' gave ${v.maxRedraws + 1} accounts in a row liquidatable at the start price ${startPrice}` +
          ` (min distance ${v.minDistance}); lower its leverage, the maintenance margin or the entry spread`,
        { field: 'leverage' },
      );
    }
  }
  return { book, report: buildReport(book, v, bandOf, redraws, dropped), band: bandOf, leverage: levOf, entry: entryOf };
}

function drawEntryRatio(d: EntryDistribution, rng: Rng): number {
  return d.kind === 'lognormal' ? lognormalLogMeanAt(d.logMean, d.logSd, rng.normal()) : uniformAt(d.min, d.max, rng.uniform());
}

function drawSize(d: SizeDistribution, rng: Rng): number {
  return d.kind === 'lognormal' ? lognormalAt(d.median, d.logSd, rng.normal()) : paretoAt(d.min, d.tailIndex, rng.uniformOpen());
}

interface Validated {
  count: number;
  startPrice: number;
  venue: Venue;
  size: SizeDistribution;
  bands: readonly LeverageBand[];
  countWeights: Float64Array;
  oiShares: Float64Array;
  entry: EntryDistribution;
  minDistance: number;
  policy: 'redraw' | 'drop';
  maxRedraws: number;
}

function bad(field: string, reason: string): never {
  throw new ConfigError(`population: ${reason}`, { field });
}

function finitePos(x: number): boolean {
  return x > 0 && x < Infinity;
}

function validate(o: PopulationOptions): Validated {
  if (!(Number.isInteger(o.count) && o.count >= 0)) bad('count', `count must be a non-negative integer, got ${o.count}`);
  if (!finitePos(o.startPrice)) bad('startPrice', `startPrice must be finite and > 0, got ${o.startPrice}`);
  if (o.capacity !== undefined && !(Number.isInteger(o.capacity) && o.capacity >= o.count && o.capacity > 0)) {
    bad('capacity', `capacity must be an integer >= count ${o.count}, got ${o.capacity}`);
  }
  const venue = o.venue;
  let ltMin: number;
  if (venue.kind === 'perp') {
    if (!(venue.maintenanceMargin > 0 && venue.maintenanceMargin < 1)) bad('venue.maintenanceMargin', `maintenanceMargin must be in (0, 1), got ${venue.maintenanceMargin}`);
    ltMin = 1 - venue.maintenanceMargin;
  } else {
    if (!(venue.thresholdMin > 0 && venue.thresholdMin <= 1)) bad('venue.thresholdMin', `thresholdMin must be in (0, 1], got ${venue.thresholdMin}`);
    if (!(venue.thresholdMax >= venue.thresholdMin && venue.thresholdMax <= 1)) bad('venue.thresholdMax', `thresholdMax must be in [thresholdMin, 1], got ${venue.thresholdMax}`);
    ltMin = venue.thresholdMin;
  }
  const bands = o.leverage ?? (venue.kind === 'perp' ? HYPERLIQUID_DEC_2025_BANDS : LENDING_DEFAULT_BANDS);
  if (bands.length === 0 || bands.length > 255) bad('leverage', `need 1 to 255 leverage bands, got ${bands.length}`);
  // With L >= 1/(1 − LT) the account is liquidatable at its own entry price: it could never have been opened.
  const maxLev = ltMin >= 1 ? Infinity : 1 / (1 - ltMin);
  let shareSum = 0;
  bands.forEach((b, k) => {
    if (!(b.min >= 1 && b.min < Infinity)) bad(`leverage[${k}].min`, `band '${b.label}': min leverage must be >= 1, got ${b.min}`);
    if (!(b.max > b.min && b.max < Infinity)) bad(`leverage[${k}].max`, `band '${b.label}': max leverage must be > min ${b.min}, got ${b.max}`);
    if (!(b.max < maxLev)) {
      bad(`leverage[${k}].max`, `band '${b.label}': leverage ${b.max} is liquidatable at its own entry price with LT ${ltMin} (needs < ${maxLev.toPrecision(6)})`);
    }
    if (!(b.share >= 0 && b.share < Infinity)) bad(`leverage[${k}].share`, `band '${b.label}': share must be >= 0, got ${b.share}`);
    shareSum += b.share;
  });
  if (!(shareSum > 0)) bad('leverage', 'leverage shares sum to 0');
  const oiShares = Float64Array.from(bands, (b) => b.share / shareSum);
  const countWeights = Float64Array.from(bands, (b, k) => (o.size.unit === 'marginQuote' ? oiShares[k] / ((b.min + b.max) / 2) : oiShares[k]));
  const wSum = countWeights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < countWeights.length; k++) countWeights[k] /= wSum;

  const size = o.size;
  if (size.unit !== 'base' && size.unit !== 'notionalQuote' && size.unit !== 'marginQuote') bad('size.unit', `unknown size unit '${String(size.unit)}'`);
  if (size.kind === 'lognormal') {
    if (!finitePos(size.median)) bad('size.median', `median must be finite and > 0, got ${size.median}`);
    if (!(size.logSd >= 0 && size.logSd < Infinity)) bad('size.logSd', `logSd must be >= 0, got ${size.logSd}`);
  } else if (size.kind === 'pareto') {
    if (!finitePos(size.min)) bad('size.min', `min must be finite and > 0, got ${size.min}`);
    if (!finitePos(size.tailIndex)) bad('size.tailIndex', `tailIndex must be finite and > 0, got ${size.tailIndex}`);
  } else bad('size.kind', `unknown size distribution '${String((size as { kind: unknown }).kind)}'`);

  const entry = o.entry;
  if (entry.kind === 'lognormal') {
    if (!(Math.abs(entry.logMean) < Infinity)) bad('entry.logMean', `logMean must be finite, got ${entry.logMean}`);
    if (!(entry.logSd >= 0 && entry.logSd < Infinity)) bad('entry.logSd', `logSd must be >= 0, got ${entry.logSd}`);
  } else if (entry.kind === 'uniform') {
    if (!finitePos(entry.min)) bad('entry.min', `min ratio must be finite and > 0, got ${entry.min}`);
    if (!(entry.max >= entry.min && entry.max < Infinity)) bad('entry.max', `max ratio must be >= min ${entry.min}, got ${entry.max}`);
  } else bad('entry.kind', `unknown entry distribution '${String((entry as { kind: unknown }).kind)}'`);

  const minDistance = o.minDistance ?? 0;
  if (!(minDistance >= 0 && minDistance < 1)) bad('minDistance', `minDistance must be in [0, 1), got ${minDistance}`);
  const policy = o.bornLiquidatable ?? 'redraw';
  if (policy !== 'redraw' && policy !== 'drop') bad('bornLiquidatable', `must be 'redraw' or 'drop', got '${String(policy)}'`);
  const maxRedraws = o.maxRedraws ?? 1000;
  if (!(Number.isInteger(maxRedraws) && maxRedraws >= 0)) bad('maxRedraws', `maxRedraws must be a non-negative integer, got ${maxRedraws}`);
  return { count: o.count, startPrice: o.startPrice, venue, size, bands, countWeights, oiShares, entry, minDistance, policy, maxRedraws };
}

function buildReport(book: AccountBook, v: Validated, bandOf: Uint8Array, redraws: number, dropped: number): PopulationReport {
  const n = book.length;
  const nb = v.bands.length;
  const counts = new Float64Array(nb);
  const oi = new Float64Array(nb);
  const dist = new Float64Array(n);
  let oiTotal = 0;
  for (let i = 0; i < n; i++) {
    const b = bandOf[i];
    const value = book.collateral[i] * v.startPrice;
    counts[b]++;
    oi[b] += value;
    oiTotal += value;
    dist[i] = 1 - book.key(i) / v.startPrice;
  }
  const bands: BandReport[] = v.bands.map((b, k) => ({
    label: b.label,
    min: b.min,
    max: b.max,
    oiShareConfigured: v.oiShares[k],
    countWeight: v.countWeights[k],
    accounts: counts[k],
    oiQuote: oi[k],
    oiShare: oiTotal > 0 ? oi[k] / oiTotal : 0,
  }));
  return {
    drawn: v.count,
    accounts: n,
    redraws,
    dropped,
    bands,
    totalCollateral: book.totalCollateral(),
    totalDebt: book.totalDebt(),
    oiQuote: oiTotal,
    // By selection, not a sort of every account: the same values (src/core/quantiles.ts), a few passes over them.
    distanceQuantiles: Array.from(quantilesBySelection(dist, QUANTILES), (distance, k) => ({ q: QUANTILES[k], distance })),
  };
}

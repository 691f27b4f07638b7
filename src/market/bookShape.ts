import { ConfigError, DataError } from '../core/errors.js';
import type { BookShape } from './book.js';
import { BPS, type BookLevelsConfig, type LiteralBook } from './config.js';
import type { L2Snapshot } from './l2Snapshot.js';

/** The 1% depth convention: 0.01 in log-price, as in the linear model's D = depth1Pct / (0.01 · price). */
const ONE_PCT_LOG = 0.01;
/** Slack so a level written at exactly 100 bps counts as within 1% despite rounding. */
const WITHIN_SLACK = 1 + 1e-9;

/**
 * A regular grid: level k (1-based) at (halfSpread + (k−1) · spacing) bps.
 * Each level stands for the log span from the previous level (from the mid,
 * for the first) to its own offset, with density ∝ (offset / first
 * offset)^exponent over it; so the first level, whose span is only the
 * half-spread, holds halfSpread / spacing of a full level. Densities are
 * normalised so that the depth spread over the spans within 1% of mid sums to
 * depth1PctQuote per side (quote units, converted to base at the first bar's
 * price): a flat grid then has exactly the linear model's depth per unit
 * log-price, depth1PctQuote / 0.01, from the touch outwards.
 */
export function gridShape(cfg: Extract<BookLevelsConfig, { source: 'grid' }>, path = 'levels'): BookShape {
  const n = cfg.levelsPerSide;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`must be an integer >= 1, got ${n}`, { field: `${path}.levelsPerSide` });
  if (!(cfg.levelSpacingBps > 0) || !Number.isFinite(cfg.levelSpacingBps)) throw new ConfigError(`must be finite and > 0, got ${cfg.levelSpacingBps}`, { field: `${path}.levelSpacingBps` });
  if (!(cfg.halfSpreadBps > 0) || !Number.isFinite(cfg.halfSpreadBps)) throw new ConfigError(`must be finite and > 0, got ${cfg.halfSpreadBps}`, { field: `${path}.halfSpreadBps` });
  if (!(cfg.profileExponent >= 0) || !Number.isFinite(cfg.profileExponent)) {
    throw new ConfigError(`must be finite and >= 0, got ${cfg.profileExponent}`, { field: `${path}.profileExponent` });
  }
  if (!(cfg.depth1PctQuote > 0) || !Number.isFinite(cfg.depth1PctQuote)) throw new ConfigError(`must be finite and > 0, got ${cfg.depth1PctQuote}`, { field: `${path}.depth1PctQuote` });
  const off = new Float64Array(n);
  const w = new Float64Array(n);
  let within = 0;
  for (let k = 0; k < n; k++) {
    off[k] = (cfg.halfSpreadBps + k * cfg.levelSpacingBps) * BPS;
    const prev = k === 0 ? 0 : off[k - 1];
    const span = off[k] - prev;
    w[k] = Math.pow(off[k] / off[0], cfg.profileExponent) * (span / (cfg.levelSpacingBps * BPS));
    const inside = Math.min(off[k], ONE_PCT_LOG) - prev;
    if (inside > 0) within += (w[k] * inside) / span;
  }
  if (within === 0) throw new ConfigError(`no level lies within 1% of mid (first level at ${cfg.halfSpreadBps} bps)`, { field: `${path}.halfSpreadBps` });
  const scale = cfg.depth1PctQuote / within;
  for (let k = 0; k < n; k++) w[k] *= scale;
  return { bidOffsets: off, bidTargets: w, askOffsets: off.slice(), askTargets: w.slice(), targetUnit: 'quote' };
}

/**
 * A literal book (`[price, size]` pairs) as offsets from its mid:
 * ln(mid / price) for bids, ln(price / mid) for asks; sizes are base units.
 */
export function literalShape(book: LiteralBook, path = 'levels'): BookShape {
  const side = (name: 'bids' | 'asks'): { prices: Float64Array; size: Float64Array; best: number } => {
    const levels = book[name];
    if (!Array.isArray(levels) || levels.length === 0) throw new ConfigError('needs at least one [price, size] level', { field: `${path}.${name}` });
    const sorted = levels.map((l, i) => {
      const [price, size] = l;
      if (!(price > 0) || !Number.isFinite(price)) throw new ConfigError(`price must be finite and > 0, got ${price}`, { field: `${path}.${name}[${i}][0]` });
      if (!(size > 0) || !Number.isFinite(size)) throw new ConfigError(`size must be finite and > 0, got ${size}`, { field: `${path}.${name}[${i}][1]` });
      return [price, size, i] as const;
    });
    sorted.sort((a, b) => (name === 'bids' ? b[0] - a[0] : a[0] - b[0]));
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k][0] === sorted[k - 1][0]) throw new ConfigError(`price ${sorted[k][0]} appears twice`, { field: `${path}.${name}[${sorted[k][2]}][0]` });
    }
    return { prices: Float64Array.from(sorted, (s) => s[0]), size: Float64Array.from(sorted, (s) => s[1]), best: sorted[0][0] };
  };
  const b = side('bids');
  const a = side('asks');
  if (!(b.best < a.best)) throw new ConfigError(`crossed book: best bid ${b.best} >= best ask ${a.best}`, { field: path });
  const mid = book.mid ?? 0.5 * (b.best + a.best);
  if (!(mid > b.best && mid < a.best)) throw new ConfigError(`mid ${mid} must lie strictly between best bid ${b.best} and best ask ${a.best}`, { field: `${path}.mid` });
  const bidOffsets = b.prices.map((p) => Math.log(mid / p));
  const askOffsets = a.prices.map((p) => Math.log(p / mid));
  return { bidOffsets, bidTargets: b.size, askOffsets, askTargets: a.size, targetUnit: 'base' };
}

/**
 * A snapshot's shape; with depth1PctQuote each side is rescaled so that its
 * depth within 1% (log) of mid, valued at the snapshot mid, equals that quote
 * amount, and targets become quote amounts (converted at the first bar's price).
 */
export function snapshotShape(snap: L2Snapshot, depth1PctQuote?: number, path = 'levels'): BookShape {
  const raw = literalShape(snap, path);
  if (depth1PctQuote === undefined) return raw;
  if (!(depth1PctQuote > 0) || !Number.isFinite(depth1PctQuote)) throw new ConfigError(`must be finite and > 0, got ${depth1PctQuote}`, { field: `${path}.depth1PctQuote` });
  const rescale = (off: Float64Array, size: Float64Array, name: string): Float64Array => {
    let within = 0;
    for (let k = 0; k < off.length; k++) if (off[k] <= ONE_PCT_LOG * WITHIN_SLACK) within += size[k] * snap.mid;
    if (within === 0) throw new DataError(`no ${name} level within 1% of mid ${snap.mid}, cannot rescale to depth1PctQuote`, { file: snap.file, field: 'price' });
    return Float64Array.from(size, (s) => (s * snap.mid * depth1PctQuote) / within);
  };
  return {
    bidOffsets: raw.bidOffsets,
    bidTargets: rescale(raw.bidOffsets, raw.bidTargets, 'bid'),
    askOffsets: raw.askOffsets,
    askTargets: rescale(raw.askOffsets, raw.askTargets, 'ask'),
    targetUnit: 'quote',
  };
}

/**
 * Population generator: determinism, the leverage mix within sampling
 * tolerance, nobody liquidatable at the start, the perp formula per account,
 * and refused configurations.
 */
import { entrySchema, venueSchema } from '../../src/config/protocolSchema.js';
import { withDefaults } from '../config/defaults.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { perpLiquidationPrice } from '../../src/protocol/accounts.js';
import { quantileSorted } from '../../src/core/quantiles.js';
import { generatePopulation, HYPERLIQUID_DEC_2025_BANDS, type PopulationOptions } from '../../src/protocol/population.js';

/** The schema's default venues and entry spread. */
const PERP_VENUE = withDefaults(venueSchema, { kind: 'perp' });
const LENDING_VENUE = withDefaults(venueSchema, { kind: 'lending' });
const ENTRY = withDefaults(entrySchema, { kind: 'lognormal' });
const S0 = 60_000;
const PERP: PopulationOptions = {
  count: 20_000,
  startPrice: S0,
  venue: PERP_VENUE,
  entry: ENTRY,
  size: { kind: 'lognormal', median: 0.2, logSd: 1, unit: 'base' },
};

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('population: determinism', () => {
  it('the same seed gives byte-identical accounts and reports; another seed does not', () => {
    const opts = { ...PERP, count: 3000 };
    const a = generatePopulation(opts, new Rng(5));
    const b = generatePopulation(opts, new Rng(5));
    const c = generatePopulation(opts, new Rng(6));
    for (const k of ['collateral', 'debt', 'threshold', 'open'] as const) {
      expect(bytes(a.book[k]).equals(bytes(b.book[k])), k).toBe(true);
    }
    expect(bytes(a.entry).equals(bytes(b.entry))).toBe(true);
    expect(JSON.stringify(a.report)).toBe(JSON.stringify(b.report));
    expect(bytes(a.book.debt).equals(bytes(c.book.debt))).toBe(false);
  });
});

/**
 * Realised share of each band, with its standard error: counts are
 * binomial; an OI share is a ratio estimator Σx·1_b / Σx whose standard
 * error (delta method) is sqrt(Σ (x_i (1_b(i) − s))²) / Σx.
 */
function shares(pop: ReturnType<typeof generatePopulation>, startPrice: number) {
  const n = pop.book.length;
  const nb = pop.report.bands.length;
  const count = new Float64Array(nb);
  const oi = new Float64Array(nb);
  let total = 0;
  for (let i = 0; i < n; i++) {
    count[pop.band[i]]++;
    const x = pop.book.collateral[i] * startPrice;
    oi[pop.band[i]] += x;
    total += x;
  }
  return pop.report.bands.map((b, k) => {
    const s = oi[k] / total;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const x = pop.book.collateral[i] * startPrice;
      v += (x * ((pop.band[i] === k ? 1 : 0) - s)) ** 2;
    }
    const p = b.countWeight;
    return { label: b.label, countShare: count[k] / n, countSe: Math.sqrt((p * (1 - p)) / n), oiShare: s, oiSe: Math.sqrt(v) / total, configured: b.oiShareConfigured };
  });
}

describe('population: leverage mix (Hyperliquid Dec 2025 by default)', () => {
  it('normalises 36/48/15 to shares summing to 1', () => {
    const pop = generatePopulation({ ...PERP, count: 10 }, new Rng(1));
    const sum = HYPERLIQUID_DEC_2025_BANDS.reduce((a, b) => a + b.share, 0);
    expect(pop.report.bands.map((b) => b.oiShareConfigured)).toEqual(HYPERLIQUID_DEC_2025_BANDS.map((b) => b.share / sum));
  });

  it('base-unit sizes: count shares and OI shares within 4 standard errors of the configured mix', () => {
    const pop = generatePopulation(PERP, new Rng(11));
    for (const s of shares(pop, S0)) {
      const ctx = JSON.stringify(s);
      expect(Math.abs(s.countShare - s.configured), ctx).toBeLessThan(4 * s.countSe);
      expect(Math.abs(s.oiShare - s.configured), ctx).toBeLessThan(4 * s.oiSe);
    }
    // The report's own figures agree with the recount.
    const rep = pop.report.bands;
    const mine = shares(pop, S0);
    rep.forEach((b, k) => expect(b.oiShare).toBeCloseTo(mine[k].oiShare, 12));
  });

  it('margin sizes: bands are reweighted by 1/E[L] so OI shares still match (entries kept clear of liquidation so nothing is redrawn)', () => {
    // Entries 0.90-0.95 of S0: the highest key is 0.95·S0·(1 − 1/25)/0.9875 < S0, so survival does not tilt the entries.
    const pop = generatePopulation(
      { ...PERP, size: { kind: 'lognormal', median: 1000, logSd: 0.5, unit: 'marginQuote' }, entry: { kind: 'uniform', min: 0.9, max: 0.95 } },
      new Rng(12),
    );
    expect(pop.report.redraws).toBe(0);
    // Count weights ∝ share / midpoint leverage: 0.36/2, 0.48/5, 0.15/16, normalised.
    const raw = [0.36 / 2, 0.48 / 5, 0.15 / 16];
    const z = raw.reduce((a, b) => a + b, 0);
    pop.report.bands.forEach((b, k) => expect(b.countWeight, b.label).toBeCloseTo(raw[k] / z, 12));
    for (const s of shares(pop, S0)) expect(Math.abs(s.oiShare - s.configured), JSON.stringify(s)).toBeLessThan(4 * s.oiSe);
  });
});

describe('population: accounts and the start price', () => {
  it('nobody is liquidatable at the start, and each key is the perp formula of its own draw (1e-12 relative)', () => {
    const pop = generatePopulation(PERP, new Rng(21));
    const mm = 0.0125;
    expect(pop.report.accounts).toBe(PERP.count);
    // With entries spread ±10% and up to 25x, many raw draws start liquidatable: the redraws are counted.
    expect(pop.report.redraws).toBeGreaterThan(100);
    for (let i = 0; i < pop.book.length; i++) {
      const key = pop.book.key(i);
      if (!(key < S0)) throw new Error(`account ${i} liquidatable at start: key ${key}, entry ${pop.entry[i]}, L ${pop.leverage[i]}`);
      const want = perpLiquidationPrice(pop.entry[i], pop.leverage[i], mm);
      if (Math.abs(key / want - 1) > 1e-12) throw new Error(`account ${i}: key ${key} vs formula ${want}`);
      const b = HYPERLIQUID_DEC_2025_BANDS[pop.band[i]];
      if (!(pop.leverage[i] > b.min && pop.leverage[i] <= b.max)) throw new Error(`account ${i}: leverage ${pop.leverage[i]} outside band ${b.label}`);
      if (pop.book.threshold[i] !== 1 - mm) throw new Error(`account ${i}: LT ${pop.book.threshold[i]}`);
    }
  });

  it("minDistance keeps every account that far from liquidation; 'drop' drops instead of redrawing and says how many", () => {
    const redraw = generatePopulation({ ...PERP, count: 5000, minDistance: 0.05 }, new Rng(31));
    for (let i = 0; i < redraw.book.length; i++) expect(redraw.book.key(i)).toBeLessThanOrEqual(S0 * 0.95);
    expect(redraw.report.distanceQuantiles[0].distance).toBeGreaterThanOrEqual(0.05);
    const drop = generatePopulation({ ...PERP, count: 5000, minDistance: 0.05, bornLiquidatable: 'drop' }, new Rng(31));
    expect(drop.report.redraws).toBe(0);
    expect(drop.report.dropped).toBeGreaterThan(0);
    expect(drop.report.accounts + drop.report.dropped).toBe(5000);
    expect(drop.book.length).toBe(drop.report.accounts);
  });

  it('lending: LT drawn in [0.80, 0.85], the key is E(1 − 1/L)/LT, totals and quantiles agree with a recount', () => {
    const pop = generatePopulation(
      { count: 4000, startPrice: 2000, venue: LENDING_VENUE, size: { kind: 'pareto', min: 1, tailIndex: 1.5, unit: 'notionalQuote' }, entry: ENTRY },
      new Rng(41),
    );
    const keys = new Float64Array(pop.book.length);
    let c = 0;
    for (let i = 0; i < pop.book.length; i++) {
      const lt = pop.book.threshold[i];
      expect(lt >= 0.8 && lt <= 0.85, `LT ${lt}`).toBe(true);
      const want = (pop.entry[i] * (1 - 1 / pop.leverage[i])) / lt;
      expect(Math.abs(pop.book.key(i) / want - 1)).toBeLessThan(1e-12);
      // notional at entry = size >= the Pareto minimum 1.
      expect(pop.book.collateral[i] * pop.entry[i]).toBeGreaterThanOrEqual(1 - 1e-12);
      keys[i] = 1 - pop.book.key(i) / 2000;
      c += pop.book.collateral[i];
    }
    expect(pop.report.totalCollateral).toBeCloseTo(c, 6);
    keys.sort();
    for (const { q, distance } of pop.report.distanceQuantiles) expect(distance).toBeCloseTo(quantileSorted(keys, q), 12);
    // Quantiles are increasing and every distance is in (0, 1].
    const d = pop.report.distanceQuantiles.map((x) => x.distance);
    for (let k = 1; k < d.length; k++) expect(d[k]).toBeGreaterThanOrEqual(d[k - 1]);
    expect(d[0]).toBeGreaterThan(0);
  });

  it('quantileSorted is type 7: literal cases', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    expect([quantileSorted(s, 0), quantileSorted(s, 0.5), quantileSorted(s, 1), quantileSorted(s, 0.25)]).toEqual([1, 2.5, 4, 1.75]);
  });
});

describe('population: refused configurations name the field', () => {
  const CASES: { name: string; opts: PopulationOptions; field: string; reason: string }[] = [
    {
      name: 'lending band that is liquidatable at its own entry',
      opts: { ...PERP, venue: LENDING_VENUE, leverage: [{ min: 1, max: 6, share: 1, label: 'x' }] },
      field: 'leverage[0].max',
      reason: 'liquidatable at its own entry price',
    },
    { name: 'maintenance margin as percent', opts: { ...PERP, venue: { kind: 'perp', maintenanceMargin: 5 } }, field: 'venue.maintenanceMargin', reason: 'must be in (0, 1)' },
    { name: 'negative count', opts: { ...PERP, count: -1 }, field: 'count', reason: 'non-negative integer' },
    { name: 'zero shares', opts: { ...PERP, leverage: [{ min: 1, max: 2, share: 0, label: 'a' }] }, field: 'leverage', reason: 'sum to 0' },
    { name: 'leverage below 1', opts: { ...PERP, leverage: [{ min: 0.5, max: 2, share: 1, label: 'a' }] }, field: 'leverage[0].min', reason: '>= 1' },
    { name: 'bad size', opts: { ...PERP, size: { kind: 'pareto', min: 1, tailIndex: 0, unit: 'base' } }, field: 'size.tailIndex', reason: '> 0' },
    {
      name: 'a band that can never survive the start price',
      // Every entry is 20-30% above the start: a 20x long there is liquidated far above S0.
      opts: { ...PERP, count: 10, entry: { kind: 'uniform', min: 1.2, max: 1.3 }, leverage: [{ min: 15, max: 20, share: 1, label: 'hi' }], maxRedraws: 50 },
      field: 'leverage',
      reason: "band 'hi' gave 51 accounts in a row liquidatable",
    },
  ];
  it.each(CASES)('$name', (c) => {
    let err: unknown;
    try {
      generatePopulation(c.opts, new Rng(1));
    } catch (e) {
      err = e;
    }
    const ctx = JSON.stringify(c);
    expect(err, ctx).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).location.field, ctx).toBe(c.field);
    expect((err as ConfigError).reason, ctx).toContain(c.reason);
  });
});

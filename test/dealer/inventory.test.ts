import { inventoryBlockSchema } from '../../src/config/dealerSchema.js';
import type { CustomerCrashPutsConfig, YieldVaultPutsConfig } from '../../src/dealer/inventory.js';
import { withDefaults } from '../config/defaults.js';
import { describe, expect, it } from 'vitest';
import { CascadeError, ConfigError, DataError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { CALL, OptionBook, PUT } from '../../src/dealer/book.js';
import {
  bookFromSpecs, customerCrashPuts, loadBookCsv, logUniformStrip, logUniformStripSpotGamma, makeRollFlows,
  parseBookCsv, rollReplacement, settleAndRoll, yieldVaultWeeklyPuts,
} from '../../src/dealer/inventory.js';
import type { LogUniformStripConfig } from '../../src/dealer/inventory.js';
import { makeBookGreeks, valueBook } from '../../src/dealer/valuation.js';
import { blackScholes } from '../../src/pricing/blackScholes.js';
import { DAY_MS, flatSurface, skewedSurface, START_MS, YEAR_MS } from './helpers.js';

const START = { spot0: 30000, startMs: START_MS };
const FIX = new URL('../fixtures/books/', import.meta.url).pathname;

/** Runs fn and returns the CascadeError it throws (fails the test otherwise). */
function located(fn: () => unknown): CascadeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CascadeError);
    return e as CascadeError;
  }
  throw new Error('expected a CascadeError');
}

/** Inventory configs as a case states them: the schema's defaults fill the rest. */
function crashPuts(over: Omit<Partial<CustomerCrashPutsConfig>, 'kind'>): CustomerCrashPutsConfig {
  return withDefaults(inventoryBlockSchema, { kind: 'customer-crash-puts', ...over }) as CustomerCrashPutsConfig;
}
function vaultPuts(over: Omit<Partial<YieldVaultPutsConfig>, 'kind'>): YieldVaultPutsConfig {
  return withDefaults(inventoryBlockSchema, { kind: 'yield-vault-puts', ...over }) as YieldVaultPutsConfig;
}

describe('customerCrashPuts', () => {
  const cfg = crashPuts({ totalQtyBase: 1000, moneynessMin: 0.6, moneynessMax: 0.95, strikes: 8, tenorsDays: [7, 14, 30, 60, 90] });

  it('the dealer is short puts totalling −totalQtyBase on the stated grid', () => {
    const specs = customerCrashPuts(cfg, START);
    expect(specs).toHaveLength(40);
    expect(specs.every((s) => s.kind === PUT && s.qty < 0)).toBe(true);
    expect(Math.abs(specs.reduce((a, s) => a + s.qty, 0) + 1000)).toBeLessThan(1e-9);
    const strikes = [...new Set(specs.map((s) => s.strike))];
    expect(strikes).toHaveLength(8);
    expect(strikes[0]).toBeCloseTo(0.6 * 30000, 9);
    expect(strikes[7]).toBeCloseTo(0.95 * 30000, 9);
    // Linear spacing in moneyness: (0.95 − 0.6)/7 = 0.05 → 1500 quote apart.
    for (let i = 1; i < 8; i++) expect(strikes[i] - strikes[i - 1]).toBeCloseTo(1500, 8);
    expect([...new Set(specs.map((s) => (s.expiryMs - START_MS) / DAY_MS))]).toEqual([7, 14, 30, 60, 90]);
    // Roll data recorded.
    expect(specs[0].tenorMs).toBe(7 * DAY_MS);
    expect(specs[0].moneyness).toBeCloseTo(0.6, 15);
    // Equal weighting: 1000/40 = 25 each.
    expect(specs.every((s) => Math.abs(s.qty + 25) < 1e-12)).toBe(true);
    // A short-put book is short gamma.
    const g = valueBook(bookFromSpecs(specs), 30000, START_MS, skewedSurface(), 0, 0, makeBookGreeks());
    expect(g.gamma).toBeLessThan(0);
    expect(g.delta).toBeGreaterThan(0);
  });

  it("'short-dated' weighting is ∝ 1/tenor within each strike", () => {
    const specs = customerCrashPuts({ ...cfg, weighting: 'short-dated' }, START);
    // First strike's row: tenors 7 and 14 days → quantities in ratio 2.
    expect(specs[0].qty / specs[1].qty).toBeCloseTo(2, 12);
    expect(specs[0].qty / specs[4].qty).toBeCloseTo(90 / 7, 12);
    expect(Math.abs(specs.reduce((a, s) => a + s.qty, 0) + 1000)).toBeLessThan(1e-9);
  });

  it("'random' weighting is deterministic with the seed and needs an Rng", () => {
    const a = customerCrashPuts({ ...cfg, weighting: 'random' }, START, new Rng(42));
    const b = customerCrashPuts({ ...cfg, weighting: 'random' }, START, new Rng(42));
    const c = customerCrashPuts({ ...cfg, weighting: 'random' }, START, new Rng(43));
    expect(a).toEqual(b);
    expect(a.map((s) => s.qty)).not.toEqual(c.map((s) => s.qty));
    expect(a.every((s) => s.qty < 0)).toBe(true);
    expect(Math.abs(a.reduce((x, s) => x + s.qty, 0) + 1000)).toBeLessThan(1e-9);
    expect(located(() => customerCrashPuts({ ...cfg, weighting: 'random' }, START)).location.field).toBe('dealer.inventory.customerCrashPuts.weighting');
  });

  it('bad config names the field', () => {
    expect(located(() => customerCrashPuts({ ...cfg, totalQtyBase: -1 }, START)).location.field).toMatch(/totalQtyBase$/);
    expect(located(() => customerCrashPuts({ ...cfg, moneynessMax: 0.5 }, START)).location.field).toMatch(/moneynessMax$/);
    expect(located(() => customerCrashPuts({ ...cfg, tenorsDays: [7, 0] }, START)).location.field).toMatch(/tenorsDays\[1\]$/);
    expect(located(() => customerCrashPuts({ ...cfg, strikes: 2.5 }, START))).toBeInstanceOf(ConfigError);
  });
});

describe('yieldVaultWeeklyPuts', () => {
  it('the dealer is LONG the vault\'s weekly OTM put by default (long gamma)', () => {
    const [p] = yieldVaultWeeklyPuts(vaultPuts({ notionalBase: 500, otmPct: 10 }), START);
    expect(p.kind).toBe(PUT);
    expect(p.qty).toBe(500);
    expect(p.strike).toBeCloseTo(27000, 9);
    expect(p.expiryMs).toBe(START_MS + 7 * DAY_MS);
    const g = valueBook(bookFromSpecs([p]), 30000, START_MS, skewedSurface(), 0, 0, makeBookGreeks());
    expect(g.gamma).toBeGreaterThan(0);
  });

  it("dealerSide 'short' flips the sign; tenor override", () => {
    const [p] = yieldVaultWeeklyPuts({ notionalBase: 500, otmPct: 5, tenorDays: 14, dealerSide: 'short' }, START);
    expect(p.qty).toBe(-500);
    expect(p.strike).toBeCloseTo(28500, 9);
    expect(p.expiryMs).toBe(START_MS + 14 * DAY_MS);
    expect(located(() => yieldVaultWeeklyPuts(vaultPuts({ notionalBase: 500, otmPct: 100 }), START)).location.field).toMatch(/otmPct$/);
  });
});

describe('logUniformStrip', () => {
  const cfg: LogUniformStripConfig = { qtyPerStrike: 2, strikeMin: 5000, strikeMax: 150000, count: 120, tenorDays: 30, kind: 'put', side: 'short' };

  it('strikes form a geometric grid with equal quantity and the dealer side as asked', () => {
    const specs = logUniformStrip(cfg, START);
    expect(specs).toHaveLength(120);
    expect(specs[0].strike).toBe(5000);
    expect(specs[119].strike).toBe(150000);
    const ratio = specs[1].strike / specs[0].strike;
    for (let i = 1; i < 120; i++) expect(specs[i].strike / specs[i - 1].strike).toBeCloseTo(ratio, 12);
    expect(specs.every((s) => s.qty === -2 && s.kind === PUT)).toBe(true);
    expect(logUniformStrip({ ...cfg, side: 'long', kind: 'call' }, START).every((s) => s.qty === 2 && s.kind === CALL)).toBe(true);
  });

  it('S·Γ_book is flat in S away from the grid edges and equals −q e^{−qT}/h', () => {
    // Flat vol 80%, 30 days: σ√T = 0.229; log spacing h = ln(30)/119 = 0.0286 ≪ σ√T, so the strike sum is the
    // integral (Poisson summation error ~ 2·exp(−2π²(σ√T/h)²), negligible). Spot range [15000, 60000] keeps
    // ≥ 4 σ√T between spot and either grid edge (Gaussian tail beyond 4σ: 3e-5). Stated bound: 0.1%.
    const q = 0.0;
    const book = bookFromSpecs(logUniformStrip(cfg, START));
    const level = logUniformStripSpotGamma(cfg, q, (30 * DAY_MS) / YEAR_MS);
    expect(level).toBeCloseTo(-2 / (Math.log(30) / 119), 9);
    const g = makeBookGreeks();
    let lo = Infinity, hi = -Infinity;
    for (let S = 15000; S <= 60000; S *= 1.02) {
      const sg = S * valueBook(book, S, START_MS, flatSurface(0.8), 0.0, q, g).gamma;
      lo = Math.min(lo, sg);
      hi = Math.max(hi, sg);
      expect(Math.abs(sg / level - 1), `S=${S} S·Γ=${sg} level=${level}`).toBeLessThan(1e-3);
    }
    expect((hi - lo) / Math.abs(level), `range ${lo}..${hi}`).toBeLessThan(1e-3);
    // Outside the grid the property fails (a control that the test can fail): at S = strikeMin the strip is half there.
    const edge = 5000 * valueBook(book, 5000, START_MS, flatSurface(0.8), 0.0, q, g).gamma;
    expect(Math.abs(edge / level - 1)).toBeGreaterThan(0.3);
  });

  it('with a dividend yield the level carries e^{−qT}', () => {
    const q = 0.05;
    const T = (30 * DAY_MS) / YEAR_MS;
    const book = bookFromSpecs(logUniformStrip(cfg, START));
    const sg = 30000 * valueBook(book, 30000, START_MS, flatSurface(0.8), 0.02, q, makeBookGreeks()).gamma;
    expect(Math.abs(sg / logUniformStripSpotGamma(cfg, q, T) - 1)).toBeLessThan(1e-3);
  });
});

describe('loadBookCsv', () => {
  it('loads a book with ISO-8601 UTC expiries and signed dealer quantities', () => {
    const specs = loadBookCsv(`${FIX}deribit-style.csv`, START_MS, 30000);
    expect(specs).toEqual([
      { strike: 24000, expiryMs: Date.UTC(2020, 2, 27, 8), kind: PUT, qty: -25, tenorMs: Date.UTC(2020, 2, 27, 8) - START_MS, moneyness: 0.8 },
      { strike: 27000, expiryMs: Date.UTC(2020, 2, 20, 8), kind: PUT, qty: -10.5, tenorMs: Date.UTC(2020, 2, 20, 8) - START_MS, moneyness: 0.9 },
      { strike: 36000, expiryMs: Date.UTC(2020, 5, 26), kind: CALL, qty: 4, tenorMs: Date.UTC(2020, 5, 26) - START_MS, moneyness: 1.2 },
    ]);
    const re = loadBookCsv(`${FIX}reordered.csv`, START_MS);
    expect(re).toHaveLength(1);
    expect(re[0]).toMatchObject({ strike: 20000, kind: PUT, qty: -3 });
    expect(Number.isNaN(re[0].moneyness)).toBe(true);
  });

  it('errors name file, line, field and reason', () => {
    const e1 = located(() => loadBookCsv(`${FIX}bad-type.csv`, START_MS));
    expect(e1).toBeInstanceOf(DataError);
    expect(e1.location).toEqual({ file: `${FIX}bad-type.csv`, line: 3, field: 'type' });
    expect(e1.message).toMatch(/straddle/);
    const e2 = located(() => loadBookCsv(`${FIX}bad-expiry-no-zone.csv`, START_MS));
    expect(e2.location).toMatchObject({ line: 2, field: 'expiry' });
    expect(e2.message).toMatch(/time zone/);
    // Rows: [csv text, line, field, reason pattern]
    const cases: Array<[string, number, string, RegExp]> = [
      ['strike,expiry,type\n1,2020-04-01T00:00:00Z,put\n', 1, 'qty', /missing column/],
      ['strike,expiry,type,qty,extra\n', 1, 'extra', /unknown column/],
      ['strike,expiry,type,qty\n-5,2020-04-01T00:00:00Z,put,1\n', 2, 'strike', /> 0/],
      ['strike,expiry,type,qty\nabc,2020-04-01T00:00:00Z,put,1\n', 2, 'strike', /not a number/],
      ['strike,expiry,type,qty\n100,2020-03-01T00:00:00Z,put,1\n', 2, 'expiry', /not after the run start/],
      ['strike,expiry,type,qty\n100,2020-04-01T00:00:00Z,put,0\n', 2, 'qty', /non-zero/],
      ['strike,expiry,type,qty\n100,2020-04-01T00:00:00Z,put,1\n100,2020-04-01T00:00:00Z,put,1,9\n', 3, '', /column count/],
    ];
    for (const [text, line, field, why] of cases) {
      const e = located(() => parseBookCsv(text, 'book.csv', START_MS));
      expect(e.location.file, text).toBe('book.csv');
      expect(e.location.line, text).toBe(line);
      if (field !== '') expect(e.location.field, text).toBe(field);
      expect(e.reason, text).toMatch(why);
    }
    expect(located(() => loadBookCsv(`${FIX}no-such-file.csv`, START_MS)).message).toMatch(/cannot read/);
  });
});

describe('rolling', () => {
  it('rollReplacement: same kind, qty and tenor, strike at the same moneyness of the current spot', () => {
    const r = rollReplacement({ kind: PUT, qty: -7, tenorMs: 7 * DAY_MS, moneyness: 0.9 }, 20000, START_MS + 7 * DAY_MS);
    expect(r).toEqual({ strike: 18000, expiryMs: START_MS + 14 * DAY_MS, kind: PUT, qty: -7, tenorMs: 7 * DAY_MS, moneyness: 0.9 });
    expect(rollReplacement({ kind: PUT, qty: -7, tenorMs: NaN, moneyness: 0.9 }, 20000, START_MS)).toBeUndefined();
    expect(rollReplacement({ kind: PUT, qty: -7, tenorMs: 1, moneyness: undefined }, 20000, START_MS)).toBeUndefined();
  });

  it('settleAndRoll settles at intrinsic and sells replacements at the surface price', () => {
    const specs = customerCrashPuts(crashPuts({ totalQtyBase: 100, moneynessMin: 0.8, moneynessMax: 0.9, strikes: 2, tenorsDays: [7, 30] }), START);
    const book = bookFromSpecs(specs, 0);
    const staging = new OptionBook(book.capacity);
    const surface = skewedSurface(1.2);
    const now = START_MS + 7 * DAY_MS;
    const spot = 22000; // a crash: K = 24000 (0.8) and 27000 (0.9) weekly puts finish in the money
    const r = 0.01, q = 0;
    const flows = settleAndRoll(book, staging, now, spot, 'same-moneyness', surface, r, q, makeRollFlows());
    // The 7-day puts: −25 each at K = 24000 and 27000 → −25·2000 − 25·5000.
    expect(flows.settlementCash).toBeCloseTo(-25 * 2000 - 25 * 5000, 6);
    expect(flows.expired).toBe(2);
    expect(flows.rolled).toBe(2);
    expect(book.length).toBe(4);
    // Survivors first (30-day), then replacements at 0.8·22000 and 0.9·22000 expiring a week later.
    expect(Array.from(book.strike.subarray(0, 4))).toEqual([24000, 27000, 0.8 * 22000, 0.9 * 22000]);
    expect(book.expiryMs[2]).toBe(now + 7 * DAY_MS);
    expect(book.qty[2]).toBe(-25);
    // Premium: independent re-pricing with the scalar API at the surface vol of each replacement's forward.
    const T = 7 / 365.25;
    let premium = 0;
    for (const K of [0.8 * 22000, 0.9 * 22000]) {
      const vol = surface.impliedVol(K, spot * Math.exp(r * T), T);
      premium += 25 * blackScholes('put', spot, K, T, vol, r, q).price;
    }
    expect(Math.abs(flows.premiumCash - premium) / premium).toBeLessThan(1e-12);
    expect(flows.premiumCash).toBeGreaterThan(0); // the short dealer is paid
    expect(flows.newValue + flows.premiumCash).toBe(0);
    // 'none' policy: settle only.
    const flows2 = settleAndRoll(book, staging, now + 7 * DAY_MS, spot, 'none', surface, r, q, makeRollFlows());
    expect(flows2.expired).toBe(2);
    expect(flows2.rolled).toBe(0);
    expect(book.length).toBe(2);
  });
});

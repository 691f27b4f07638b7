/**
 * The population cache hands a run the same accounts a fresh draw gives, as
 * a book of its own: bit for bit the same arrays and totals, whichever of
 * its three paths served it (first sight, second sight, kept), and whole
 * sweep trials give the same record each time.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { entrySchema, venueSchema } from '../../src/config/protocolSchema.js';
import { Rng } from '../../src/core/rng.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { generatePopulation, type PopulationOptions } from '../../src/protocol/population.js';
import { clearPopulationCache, generatedBook, keptPopulations } from '../../src/runner/populationCache.js';
import { buildContext, makeTrial } from '../../src/sweep/plan.js';
import { loadSweepFile } from '../../src/sweep/sweepSchema.js';
import { runTrial } from '../../src/sweep/trial.js';
import { withDefaults } from '../config/defaults.js';

const OPTS: PopulationOptions = {
  count: 5000,
  startPrice: 60_000,
  venue: withDefaults(venueSchema, { kind: 'perp' }),
  size: { kind: 'lognormal', median: 0.1, logSd: 1, unit: 'base' },
  entry: withDefaults(entrySchema, { kind: 'lognormal' }),
};

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameBook(a: AccountBook, b: AccountBook): void {
  expect(a.capacity).toBe(b.capacity);
  expect(a.length).toBe(b.length);
  expect(a.openCount).toBe(b.openCount);
  expect(bytes(a.collateral).equals(bytes(b.collateral))).toBe(true);
  expect(bytes(a.debt).equals(bytes(b.debt))).toBe(true);
  expect(bytes(a.threshold).equals(bytes(b.threshold))).toBe(true);
  expect(bytes(a.open).equals(bytes(b.open))).toBe(true);
  expect(Object.is(a.totalCollateral(), b.totalCollateral())).toBe(true);
  expect(Object.is(a.totalDebt(), b.totalDebt())).toBe(true);
}

afterEach(() => clearPopulationCache());

describe('AccountBook.copy', () => {
  it('equals the book bit for bit and shares no memory with it', () => {
    const book = generatePopulation(OPTS, new Rng(3)).book;
    book.modify(7, book.collateral[7] * 0.5, book.debt[7] * 0.25);
    book.close(11);
    const c = book.copy();
    expectSameBook(c, book);
    const before = Buffer.from(bytes(book.collateral));
    c.modify(0, c.collateral[0] * 0.5, c.debt[0] * 0.5);
    c.close(1);
    expect(bytes(book.collateral).equals(before)).toBe(true);
    expect(book.open[1]).toBe(1);
    expect(book.openCount).toBe(c.openCount + 1);
    expect(book.totalDebt()).not.toBe(c.totalDebt());
  });

  it('is refused inside a journalled bar', () => {
    const book = generatePopulation({ ...OPTS, count: 10 }, new Rng(3)).book;
    book.beginJournal();
    expect(() => book.copy()).toThrow(/journalled/);
  });
});

describe('generatedBook', () => {
  it('keeps a population the second time its key comes, and serves copies equal to a fresh draw', () => {
    const fresh = generatePopulation(OPTS, new Rng(9)).book;
    const first = generatedBook(OPTS, new Rng(9));
    expect(keptPopulations()).toBe(0); // seen once: a single run pays no copy
    const second = generatedBook(OPTS, new Rng(9));
    expect(keptPopulations()).toBe(1);
    // The run that got the second book spends it; the kept one is untouched.
    second.book.modify(0, second.book.collateral[0] * 0.5, second.book.debt[0] * 0.5);
    second.book.close(2);
    const third = generatedBook(OPTS, new Rng(9));
    const fourth = generatedBook(OPTS, new Rng(9));
    for (const g of [first, third, fourth]) expectSameBook(g.book, fresh);
    expect(third.book).not.toBe(fourth.book);
    expect(third.accounts).toBe(fresh.length);
    expect(third.redraws).toBe(first.redraws);
  });

  it('tells apart the inputs of the draw: the RNG state, the start price, a distribution parameter', () => {
    for (let k = 0; k < 2; k++) generatedBook(OPTS, new Rng(9));
    const other = generatedBook(OPTS, new Rng(10));
    expect(bytes(other.book.collateral).equals(bytes(generatePopulation(OPTS, new Rng(10)).book.collateral))).toBe(true);
    const moved = { ...OPTS, startPrice: 60_001 };
    for (let k = 0; k < 3; k++) expectSameBook(generatedBook(moved, new Rng(9)).book, generatePopulation(moved, new Rng(9)).book);
    const wider = { ...OPTS, entry: { ...OPTS.entry, logSd: 0.2 } } as PopulationOptions;
    for (let k = 0; k < 3; k++) expectSameBook(generatedBook(wider, new Rng(9)).book, generatePopulation(wider, new Rng(9)).book);
  });

  it('keeps a population scaled to its open interest as scaled, apart from the unscaled one and other totals', () => {
    const first = generatedBook(OPTS, new Rng(9), 40e6).book;
    const oi = (b: AccountBook): number => b.totalCollateral() * OPTS.startPrice;
    expect(Math.abs(oi(first) / 40e6 - 1)).toBeLessThan(1e-12);
    for (let k = 0; k < 3; k++) expectSameBook(generatedBook(OPTS, new Rng(9), 40e6).book, first);
    expect(keptPopulations()).toBe(1);
    const other = generatedBook(OPTS, new Rng(9), 20e6).book;
    expect(Math.abs(oi(other) / 20e6 - 1)).toBeLessThan(1e-12);
    expectSameBook(generatedBook(OPTS, new Rng(9)).book, generatePopulation(OPTS, new Rng(9)).book);
  });

  it('holds at most four populations, dropping the least recently used', () => {
    const opts = (k: number): PopulationOptions => ({ ...OPTS, count: 100, startPrice: 60_000 + k });
    for (let k = 0; k < 6; k++) for (let r = 0; r < 2; r++) generatedBook(opts(k), new Rng(1));
    expect(keptPopulations()).toBe(4);
    for (let k = 0; k < 6; k++) expectSameBook(generatedBook(opts(k), new Rng(1)).book, generatePopulation(opts(k), new Rng(1)).book);
  });
});

describe('sweep trials', () => {
  it('give the same record on first sight, second sight and from the kept population', async () => {
    const ctx = buildContext(loadSweepFile(resolve('test/fixtures/sweep/small.yaml')));
    const paths = ['protocol.insuranceFundQuote', 'protocol.liquidation.penaltyPct'];
    const spec = makeTrial(ctx, 0, paths, [500_000, 8], 1);
    const records = [];
    for (let k = 0; k < 3; k++) records.push(await runTrial(spec));
    expect(keptPopulations()).toBe(1);
    expect(records[0].status).toBe('ok');
    expect(JSON.stringify(records[1])).toBe(JSON.stringify(records[0]));
    expect(JSON.stringify(records[2])).toBe(JSON.stringify(records[0]));
    // A trial that varies the fund on the same population is served from the kept one.
    const other = await runTrial(makeTrial(ctx, 1, paths, [0, 8], 1));
    clearPopulationCache();
    expect(JSON.stringify(await runTrial(makeTrial(ctx, 1, paths, [0, 8], 1)))).toBe(JSON.stringify(other));
  });
});

/**
 * Generated account populations kept between runs of one process. A sweep
 * or a compare runs many variants on the same population (the seed, the
 * start price and the population block unchanged while a fund size or a
 * penalty varies), and drawing 200,000 accounts costs more than the run on
 * them (about a third of a sweep trial's time on the sweep bench). The
 * draw is a pure function of its options and the RNG's state, so a book
 * drawn once can be handed out again as a copy: every account, total and
 * compensation term equal bit for bit, the outputs byte for byte.
 *
 * A population is kept only when its key comes a second time: a single run
 * (`cascade run`) pays neither a copy nor the memory. The cache holds at
 * most MAX_ENTRIES books and MAX_ACCOUNTS accounts in all, dropping the
 * least recently used first.
 */
import { exactStringify } from '../core/hash.js';
import type { Rng } from '../core/rng.js';
import { AccountBook } from '../protocol/accounts.js';
import { generatePopulation, type PopulationOptions } from '../protocol/population.js';

const MAX_ENTRIES = 4;
const MAX_ACCOUNTS = 4_000_000;
/** Keys seen once and not kept: enough to notice a sweep's windows coming round again. */
const MAX_SEEN = 64;

interface Kept {
  readonly book: AccountBook;
  readonly redraws: number;
}

const kept = new Map<string, Kept>();
const seen = new Set<string>();

export interface GeneratedBook {
  /** The run's own book: no other run holds it. */
  readonly book: AccountBook;
  readonly accounts: number;
  readonly redraws: number;
}

/**
 * generatePopulation's book for these options and this RNG state, scaled
 * to `totalNotionalQuote` when given (the RNG is not advanced on a hit:
 * nothing draws from it after). The scaled book is the one kept, so a hit
 * costs one copy either way.
 */
export function generatedBook(opts: PopulationOptions, rng: Rng, totalNotionalQuote?: number): GeneratedBook {
  const key = keyOf(opts, rng, totalNotionalQuote);
  const hit = kept.get(key);
  if (hit !== undefined) {
    // Most recently used last, so eviction takes the first.
    kept.delete(key);
    kept.set(key, hit);
    return { book: hit.book.copy(), accounts: hit.book.length, redraws: hit.redraws };
  }
  const pop = generatePopulation(opts, rng);
  const out = {
    book: totalNotionalQuote === undefined ? pop.book : scaledTo(pop.book, totalNotionalQuote, opts.startPrice),
    accounts: pop.report.accounts,
    redraws: pop.report.redraws,
  };
  if (!seen.has(key)) {
    if (seen.size >= MAX_SEEN) seen.delete(seen.values().next().value as string);
    seen.add(key);
    return out;
  }
  if (out.book.length <= MAX_ACCOUNTS) {
    let total = out.book.length;
    for (const k of kept.values()) total += k.book.length;
    for (const [k, v] of kept) {
      if (kept.size < MAX_ENTRIES && total <= MAX_ACCOUNTS) break;
      kept.delete(k);
      total -= v.book.length;
    }
    kept.set(key, { book: out.book.copy(), redraws: out.redraws });
  }
  return out;
}

/** Populations kept now (tests). */
export function keptPopulations(): number {
  return kept.size;
}

/** Drops every kept population (tests). */
export function clearPopulationCache(): void {
  kept.clear();
  seen.clear();
}

/**
 * Every position scaled by one factor so that the open interest at the
 * start price is `totalNotionalQuote`: the ladder's shape (distances to
 * liquidation) is unchanged, only its size in quote is set.
 */
function scaledTo(book: AccountBook, totalNotionalQuote: number, startPrice: number): AccountBook {
  const f = totalNotionalQuote / (book.totalCollateral() * startPrice);
  const scaled = new AccountBook(book.length);
  for (let i = 0; i < book.length; i++) {
    if (book.open[i] === 1) scaled.add(book.collateral[i] * f, book.debt[i] * f, book.threshold[i]);
  }
  return scaled;
}

/** The options, the RNG state and the scale, as text that differs whenever the book could. */
function keyOf(opts: PopulationOptions, rng: Rng, totalNotionalQuote: number | undefined): string {
  return exactStringify([opts, Array.from(rng.state), totalNotionalQuote]);
}

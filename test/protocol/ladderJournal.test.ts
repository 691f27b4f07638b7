import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { Ladder, ladderGridAround } from '../../src/protocol/ladder.js';

function population(n: number, seed: number): AccountBook {
  const rng = new Rng(seed);
  const book = new AccountBook(n + 16);
  for (let i = 0; i < n; i++) {
    const c = 0.5 + rng.uniform();
    book.add(c, c * 100 * (0.3 + 0.6 * rng.uniform()), 0.8 + 0.1 * rng.uniform());
  }
  return book;
}

describe('Ladder journal: first touch only', () => {
  it('records each bucket slot and account once however often it is written, and rolls back bit for bit', () => {
    const ladder = Ladder.fromBook(population(2000, 1), ladderGridAround(100));
    const book = ladder.book;
    const store0 = Float64Array.from(ladder.bucketStore);
    const firstPass: number[] = [];
    ladder.beginJournal();
    // The same 20 accounts re-filed 50 times each, back and forth between two keys.
    for (let rep = 0; rep < 50; rep++) {
      for (let i = 0; i < 20; i++) {
        const c = book.collateral[i];
        ladder.modify(i, c, book.debt[i] * (rep % 2 === 0 ? 0.9 : 1 / 0.9));
      }
      if (rep === 0) firstPass.push(ladder.journalEntries);
    }
    // After the first pass every slot the later passes write was seen already (or lies on the
    // Fenwick paths of the same buckets): 49 more passes add almost nothing.
    const afterFirst = firstPass[0];
    const entries = ladder.journalEntries;
    expect(entries).toBeLessThan(afterFirst * 2);
    ladder.rollback();
    const store1 = ladder.bucketStore;
    for (let k = 0; k < store0.length; k++) if (!Object.is(store0[k], store1[k])) throw new Error(`slot ${k}: ${store0[k]} -> ${store1[k]}`);
    ladder.validate();
  });

  it('a second journal after a commit records afresh (epochs): rollback returns to the commit, not to the first journal', () => {
    const ladder = Ladder.fromBook(population(500, 2), ladderGridAround(100));
    const book = ladder.book;
    ladder.beginJournal();
    ladder.modify(3, book.collateral[3], book.debt[3] * 0.5);
    ladder.commitJournal();
    const mid = Float64Array.from(ladder.bucketStore);
    const key = ladder.keyOf(3);
    ladder.beginJournal();
    ladder.modify(3, book.collateral[3], book.debt[3] * 1.5);
    ladder.close(4);
    ladder.rollback();
    expect(ladder.keyOf(3)).toBe(key);
    expect(ladder.has(4)).toBe(true);
    expect(Array.from(ladder.bucketStore)).toEqual(Array.from(mid));
    ladder.validate();
  });
});

/**
 * The ladder's two tiers (a heap near the top, unordered bucket lists
 * below) against an independent reference: a plain sort of the filed
 * accounts by (key descending, index ascending). Every pop must be the
 * reference's first, whatever mix of re-keys (up across the hot floor,
 * down below it), closes, inserts and rollbacks came before.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { Ladder, ladderGridAround } from '../../src/protocol/ladder.js';

function referenceTop(ladder: Ladder): number {
  const book = ladder.book;
  let best = -1;
  let bestKey = -Infinity;
  for (let i = 0; i < book.length; i++) {
    if (!ladder.has(i)) continue;
    const key = book.debt[i] / book.collateral[i] / book.threshold[i];
    if (key > bestKey || (key === bestKey && i < best)) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

describe('Ladder tiers', () => {
  it('pops in (key, index) order through random re-keys across the hot floor, closes, inserts and rollbacks', () => {
    const rng = new Rng(21);
    const book = new AccountBook(3000);
    for (let i = 0; i < 1500; i++) {
      const c = 0.5 + rng.uniform();
      // Keys on a coarse grid too, so equal keys (ties broken by index) occur.
      const k = rng.uniform() < 0.2 ? 50 + Math.floor(rng.uniform() * 4) : 30 + 60 * rng.uniform();
      book.add(c, c * k * 0.9, 0.9);
    }
    const ladder = Ladder.fromBook(book, ladderGridAround(100, { bucketBps: 10 }));
    let pops = 0;
    for (let step = 0; step < 400; step++) {
      const journal = step % 7 === 0;
      if (journal) ladder.beginJournal();
      for (let op = 0; op < 10; op++) {
        const u = rng.uniform();
        const i = Math.floor(rng.uniform() * book.length);
        if (u < 0.3) {
          const top = ladder.top();
          expect(top).toBe(referenceTop(ladder));
          if (top >= 0) {
            // A liquidation: lower the key (often below the floor), or raise it (back into the heap).
            ladder.modify(top, book.collateral[top], book.debt[top] * (rng.uniform() < 0.8 ? 0.5 : 1.3));
            pops++;
          }
        } else if (u < 0.6 && ladder.has(i)) {
          ladder.modify(i, book.collateral[i], book.debt[i] * (0.5 + rng.uniform()));
        } else if (u < 0.7 && ladder.has(i)) {
          ladder.close(i);
        } else if (u < 0.8 && book.length < book.capacity) {
          const c = 0.5 + rng.uniform();
          ladder.add(c, c * (30 + 60 * rng.uniform()) * 0.9, 0.9);
        }
      }
      if (journal) {
        if (rng.uniform() < 0.5) ladder.rollback();
        else ladder.commitJournal();
      }
      expect(ladder.top()).toBe(referenceTop(ladder));
      if (step % 50 === 0) ladder.validate();
    }
    ladder.validate();
    expect(pops).toBeGreaterThan(500);
  });

  it('emptied and refilled: popTop drains in order, then new accounts are found at once', () => {
    const book = new AccountBook(100);
    for (let i = 0; i < 40; i++) book.add(1, 10 + i, 0.9);
    const ladder = Ladder.fromBook(book, ladderGridAround(100));
    let last = Infinity;
    for (let n = 0; n < 40; n++) {
      const key = ladder.topKey();
      expect(key).toBeLessThanOrEqual(last);
      last = key;
      ladder.popTop();
    }
    expect(ladder.topKey()).toBe(-Infinity);
    expect(ladder.openCount).toBe(0);
    const a = ladder.add(1, 5, 0.9);
    const b = ladder.add(1, 500, 0.9);
    expect(ladder.top()).toBe(b);
    ladder.popTop();
    expect(ladder.top()).toBe(a);
    ladder.validate();
  });
});

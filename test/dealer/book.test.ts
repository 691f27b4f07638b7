import { describe, expect, it } from 'vitest';
import { CALL, OptionBook, PUT } from '../../src/dealer/book.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 2, 12);

/** Three puts and a call; two expire at T0 + 1 day. */
function sampleBook(capacity = 6): OptionBook {
  const b = new OptionBook(capacity);
  b.add(5000, T0 + DAY, PUT, -10, 7 * DAY, 0.8); // expires, ITM at 4000: payoff 1000
  b.add(6000, T0 + 7 * DAY, PUT, -5, 7 * DAY, 0.95);
  b.add(3000, T0 + DAY, PUT, -2, 7 * DAY, 0.5); // expires, OTM at 4000: payoff 0
  b.add(7000, T0 + 30 * DAY, CALL, 3, 30 * DAY, 1.1);
  return b;
}

describe('OptionBook', () => {
  it('add fills the columns and respects the capacity', () => {
    const b = sampleBook(4);
    expect(b.length).toBe(4);
    expect(b.capacity).toBe(4);
    expect(Array.from(b.strike)).toEqual([5000, 6000, 3000, 7000]);
    expect(Array.from(b.kind)).toEqual([-1, -1, -1, 1]);
    expect(b.netQty()).toBe(-14);
    expect(() => b.add(1, T0, PUT, 1)).toThrow(/full/);
  });

  it('add refuses bad inputs with the field named', () => {
    const b = new OptionBook(2);
    expect(() => b.add(0, T0, PUT, 1)).toThrow(/strike/);
    expect(() => b.add(100, NaN, PUT, 1)).toThrow(/expiryMs/);
    expect(() => b.add(100, T0, 0, 1)).toThrow(/kind/);
    expect(() => b.add(100, T0, CALL, Infinity)).toThrow(/qty/);
    expect(b.length).toBe(0);
  });

  it('removeExpired settles at intrinsic, calls back per option and compacts in order', () => {
    const b = sampleBook();
    // Mark outputs so we can see they travel with their option when compacted.
    for (let i = 0; i < b.length; i++) b.price[i] = 100 + i;
    const settled: Array<[number, number, number]> = [];
    const settleSpot = 4000;
    const cash = b.removeExpired(T0 + DAY, settleSpot, (book, i, payoff) => {
      settled.push([book.strike[i], book.qty[i], payoff]);
    });
    // Put K=5000 at S=4000 pays 1000 per unit; dealer short 10 → −10000. Put K=3000 pays 0.
    expect(settled).toEqual([[5000, -10, 1000], [3000, -2, 0]]);
    expect(cash).toBe(-10000);
    expect(b.length).toBe(2);
    expect(Array.from(b.strike.subarray(0, 2))).toEqual([6000, 7000]);
    expect(Array.from(b.qty.subarray(0, 2))).toEqual([-5, 3]);
    expect(Array.from(b.price.subarray(0, 2))).toEqual([101, 103]);
    expect(Array.from(b.tenorMs.subarray(0, 2))).toEqual([7 * DAY, 30 * DAY]);
    // Nothing else is due yet.
    expect(b.removeExpired(T0 + DAY, settleSpot)).toBe(0);
    expect(b.length).toBe(2);
    // Call K=7000 at 8000 pays 1000, long 3 → +3000; put K=6000 OTM at 8000.
    expect(b.removeExpired(T0 + 365 * DAY, 8000)).toBe(3000);
    expect(b.length).toBe(0);
  });

  it('an option expiring exactly at nowMs is settled (expiry <= now)', () => {
    const b = new OptionBook(1);
    b.add(100, T0, CALL, 1);
    expect(b.removeExpired(T0 - 1, 150)).toBe(0);
    expect(b.length).toBe(1);
    expect(b.removeExpired(T0, 150)).toBe(50);
    expect(b.length).toBe(0);
  });

  it('saveState/loadState round-trips the book (a bar can be rolled back)', () => {
    const b = sampleBook();
    for (let i = 0; i < b.length; i++) {
      b.vol[i] = 0.5 + i / 10;
      b.delta[i] = -0.1 * i;
      b.volga[i] = i;
    }
    const buf = new Float64Array(b.maxStateSize());
    const written = b.saveState(buf);
    expect(written).toBe(b.stateSize());
    const before = JSON.stringify(Object.fromEntries(
      ['strike', 'expiryMs', 'kind', 'qty', 'tenorMs', 'moneyness', 'vol', 'delta', 'volga'].map((k) => [k, Array.from((b as unknown as Record<string, Float64Array>)[k].subarray(0, b.length))]),
    ));
    // Try a bar: expiries and a new sale, then roll back.
    b.removeExpired(T0 + DAY, 4000);
    b.add(1234, T0 + 2 * DAY, CALL, 9);
    b.vol[0] = 99;
    b.loadState(buf);
    expect(b.length).toBe(4);
    const after = JSON.stringify(Object.fromEntries(
      ['strike', 'expiryMs', 'kind', 'qty', 'tenorMs', 'moneyness', 'vol', 'delta', 'volga'].map((k) => [k, Array.from((b as unknown as Record<string, Float64Array>)[k].subarray(0, b.length))]),
    ));
    expect(after).toBe(before);
    // Into a fresh book of the same capacity as well.
    const c = new OptionBook(6);
    c.loadState(buf);
    expect(Array.from(c.strike.subarray(0, 4))).toEqual([5000, 6000, 3000, 7000]);
    expect(() => new OptionBook(2).loadState(buf)).toThrow(/capacity/);
    expect(() => b.saveState(new Float64Array(3))).toThrow(/shorter/);
  });
});

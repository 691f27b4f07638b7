import { describe, expect, it } from 'vitest';
import { roundTripPnl } from '../../src/metrics/roundTrips.js';

describe('roundTripPnl on literal fills (hand-computed)', () => {
  it('buy 2 @ 100, sell 1 @ 110, sell 1 @ 90: one trip, −200 + 110 + 90 = 0', () => {
    expect(Array.from(roundTripPnl([2, -1, -1], [100, 110, 90], 50))).toEqual([0]);
  });

  it('two trips, the second open at the end and marked at 95', () => {
    // Trip 1: buy 1 @ 100, sell 1 @ 104 → +4. Trip 2: buy 3 @ 98, open, marked 3 · 95 → −294 + 285 = −9.
    expect(Array.from(roundTripPnl([1, -1, 3], [100, 104, 98], 95))).toEqual([4, -9]);
  });

  it('a fill through zero is split at its price: long 2 @ 10, sell 5 @ 12, buy 3 @ 11', () => {
    // Trip 1: −20 + 2·12 = +4. Trip 2 opens short 3 @ 12 (+36) and closes buying 3 @ 11 (−33): +3.
    expect(Array.from(roundTripPnl([2, -5, 3], [10, 12, 11], 0))).toEqual([4, 3]);
  });

  it('no fills, zero sizes: no trips; mismatched lengths throw', () => {
    expect(roundTripPnl([], [], 1).length).toBe(0);
    expect(roundTripPnl([0], [5], 1).length).toBe(0);
    expect(() => roundTripPnl([1], [], 1)).toThrow(RangeError);
  });
});

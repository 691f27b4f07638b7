import { describe, expect, it } from 'vitest';
import { TradeLog } from '../../src/sim/tradeLog.js';

describe('TradeLog.reserve', () => {
  it('makes room up front without losing fills already logged, and the log still grows past it', () => {
    const t = new TradeLog();
    for (let k = 0; k < 10; k++) t.push(k, k, 0, 0, k + 0.5, 100 + k, 1, 2, 0.1);
    t.reserve(5000);
    const room = t.time.length;
    expect(room).toBeGreaterThanOrEqual(5000);
    for (let k = 10; k < 5000; k++) t.push(k, k, 0, 0, k + 0.5, 100 + k, 1, 2, 0.1);
    expect(t.time.length).toBe(room); // no copy while inside the reserve
    for (let k = 5000; k < room + 1; k++) t.push(k, k, 0, 0, k + 0.5, 100 + k, 1, 2, 0.1);
    expect(t.length).toBe(room + 1);
    for (const k of [0, 9, 10, 4999, room]) {
      expect(t.size[k]).toBe(k + 0.5);
      expect(t.price[k]).toBe(100 + k);
      expect(t.party[k]).toBe(-1);
    }
  });
});

/**
 * Exchange liquidation prints (src/data/liquidationPrints.ts): both layouts
 * read from hand-made fixtures, binned on bars with the totals worked by
 * hand, and every bad input named by file, line and field.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { binPrints, loadLiquidationPrints, parseLiquidationPrints } from '../../src/data/liquidationPrints.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'liquidations');
const T = Date.UTC(2025, 9, 10, 21, 0); // 2025-10-10 21:00 UTC = 1760130000000
const MIN = 60_000;

describe('liquidation prints', () => {
  it('reads the generic layout: long/sell are longs liquidated, short/buy shorts', () => {
    const p = loadLiquidationPrints(join(DIR, 'generic.csv'));
    expect(p.layout).toBe('generic');
    expect(Array.from(p.side)).toEqual([1, 1, -1, -1]);
    expect(Array.from(p.time)).toEqual([T + 10_000, T + 10_000, T + 90_000, T + 180_000]);
    expect(Array.from(p.size)).toEqual([0.5, 1, 0.2, 0.1]);
  });

  it('reads Binance liquidationSnapshot at the average fill price and filled size, the order values when nothing filled', () => {
    const p = loadLiquidationPrints(join(DIR, 'binance-force-order.csv'));
    expect(p.layout).toBe('binance-force-order');
    expect(Array.from(p.price)).toEqual([110000, 108000, 111500]);
    expect(Array.from(p.size)).toEqual([0.5, 2, 0.2]);
    expect(Array.from(p.side)).toEqual([1, 1, -1]);
  });

  it('bins prints on bars: [start, next start), the last bar one spacing long', () => {
    const p = loadLiquidationPrints(join(DIR, 'generic.csv'));
    const bars = Float64Array.from([T, T + MIN, T + 2 * MIN]); // the 21:03:00 print is past the last bar's end
    const b = binPrints(p, bars);
    // Bar 0: 0.5·110000 + 1·109900 = 164900 of longs; bar 1: 0.2·111000 = 22200 of shorts.
    expect(Array.from(b.longQuote)).toEqual([164_900, 0, 0]);
    expect(Array.from(b.shortQuote)).toEqual([0, 22_200, 0]);
    expect(Array.from(b.count)).toEqual([2, 1, 0]);
    expect(b.outside).toBe(1);
  });

  const BAD: ReadonlyArray<[string, string, RegExp]> = [
    ['a missing column', 'time,side,price\n2025-10-10T21:00:00Z,long,1\n', /f\.csv:1: field 'size': missing column 'size'/],
    ['an unknown side', 'time,side,price,size\n2025-10-10T21:00:00Z,up,1,1\n', /f\.csv:2: field 'side': side 'up' is not long\/sell or short\/buy/],
    ['a zero price', 'time,side,price,size\n2025-10-10T21:00:00Z,long,0,1\n', /f\.csv:2: field 'price': price must be > 0/],
    ['a negative size', 'time,side,price,size\n2025-10-10T21:00:00Z,long,1,-2\n', /f\.csv:2: field 'size': size must be > 0/],
    ['a non-number', 'time,side,price,size\n2025-10-10T21:00:00Z,long,abc,1\n', /f\.csv:2: field 'price': not a number/],
    ['time going back', 'time,side,price,size\n2025-10-10T21:00:00Z,long,1,1\n2025-10-10T20:00:00Z,long,1,1\n', /f\.csv:3: field 'time': time goes back/],
    ['a truncated last line', 'time,side,price,size\n2025-10-10T21:00:00Z,long,1', /f\.csv:2: field 'size': truncated last line/],
    ['an empty file', '', /f\.csv:1: file is empty/],
  ];
  for (const [name, text, msg] of BAD) {
    it(`refuses ${name} with its file, line and field`, () => {
      let err: unknown;
      try {
        parseLiquidationPrints(text, 'f.csv');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expect(String((err as Error).message)).toMatch(msg);
    });
  }
});

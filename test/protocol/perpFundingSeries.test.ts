/**
 * Funding history in Binance's fundingRate layout: the hand-made fixture is
 * read as written, and bad rows are refused with file, line and field.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { loadFundingSeries, parseFundingSeries } from '../../src/protocol/perp/fundingSeries.js';

describe('funding series', () => {
  it('reads the fixture: times, rates and intervals as written', () => {
    const s = loadFundingSeries(join(import.meta.dirname, '..', 'fixtures', 'perp', 'BTCUSDT-fundingRate-2025-10.csv'));
    expect(s.length).toBe(4);
    expect(s.time[0]).toBe(Date.UTC(2025, 9, 10, 0));
    expect(s.time[3] - s.time[0]).toBe(3 * 8 * 3_600_000);
    expect(Array.from(s.rate)).toEqual([0.0001, 0.00007311, -0.000125, -0.0005]);
    expect(Array.from(s.intervalHours)).toEqual([8, 8, 8, 8]);
  });

  const HEAD = 'calc_time,funding_interval_hours,last_funding_rate\n';
  const BAD: ReadonlyArray<[string, string, RegExp]> = [
    ['a missing rate column', 'calc_time,funding_interval_hours\n1760054400000,8\n', /f\.csv:1: field 'last_funding_rate': missing column/],
    ['a percent written as a fraction', `${HEAD}1760054400000,8,1.5\n`, /f\.csv:2: field 'last_funding_rate': funding rate 1\.5/],
    ['a zero interval', `${HEAD}1760054400000,0,0.0001\n`, /f\.csv:2: field 'funding_interval_hours': funding interval must be > 0/],
    ['a repeated time', `${HEAD}1760054400000,8,0.0001\n1760054400000,8,0.0001\n`, /f\.csv:3/],
    ['a non-number', `${HEAD}1760054400000,8,x\n`, /f\.csv:2: field 'last_funding_rate': not a number/],
  ];
  for (const [name, text, msg] of BAD) {
    it(`refuses ${name}`, () => {
      let err: unknown;
      try {
        parseFundingSeries(text, 'f.csv');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expect(String((err as Error).message)).toMatch(msg);
    });
  }
});

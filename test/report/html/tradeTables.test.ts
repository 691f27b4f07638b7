import { describe, expect, it } from 'vitest';
import { parseRunCsv } from '../../../src/report/html/readRunFolder.js';
import { cascadeEpisodes, episodeIds, notionalByCause } from '../../../src/report/html/tradeTables.js';

/** Episodes and fills by cause on a six-bar story small enough to compute by hand. */
const SERIES = parseRunCsv(
  [
    'timestamp,liquidations,liquidation_volume_quote,cascade_rounds,simulated_close',
    '2024-01-01T00:00:00Z,0,0,0,100',
    '2024-01-01T00:01:00Z,2,100,3,90',
    '2024-01-01T00:02:00Z,3,50,5,80',
    '2024-01-01T00:03:00Z,0,0,0,85',
    '2024-01-01T00:04:00Z,1,400,2,60',
    '2024-01-01T00:05:00Z,0,0,,70',
  ].join('\n'),
  'series.csv',
);
const TRADES = parseRunCsv(
  [
    'timestamp,bar,round,cause,side,size,price,mid_before,mid_after,cost',
    '2024-01-01T00:01:00Z,1,0,hedge,sell,2,100,100,99,0',
    '2024-01-01T00:01:00Z,1,1,liquidation,sell,3,95,99,90,0',
    '2024-01-01T00:02:00Z,2,0,liquidation,sell,1,85,90,80,0',
    '2024-01-01T00:03:00Z,3,0,hedge,sell,1,85,85,84,0',
    '2024-01-01T00:04:00Z,4,0,hedge,sell,4,75,85,70,0',
    '2024-01-01T00:04:00Z,4,1,liquidation,sell,2,65,70,60,0',
  ].join('\n'),
  'trades.csv',
);

describe('cascade episodes', () => {
  it('episode ids: runs of bars with liquidations', () => {
    expect(Array.from(episodeIds(Float64Array.from([0, 2, 3, 0, 1, 0, 1])))).toEqual([-1, 0, 0, -1, 1, -1, 2]);
  });

  it('biggest first; bars, rounds, volume, price move and the cause that moved the mid most', () => {
    const eps = cascadeEpisodes(SERIES, TRADES, 10);
    expect(eps).toHaveLength(2);
    // Bar 4 alone: 400 quote; close 60 against 85 before it; hedge moved the mid log(70/85) = -0.194, liquidation log(60/70) = -0.154.
    expect(eps[0]).toMatchObject({ startBar: 4, bars: 1, rounds: 2, liquidations: 1, liquidationVolumeQuote: 400, topCause: 'hedge' });
    expect(eps[0].priceMove).toBeCloseTo(60 / 85 - 1, 14);
    expect(eps[0].topCauseLogMove).toBeCloseTo(Math.log(70 / 85), 14);
    // Bars 1–2: 150 quote, 5 liquidations, at most 5 rounds; 80 against 100; liquidation log(80/99) beats hedge log(99/100).
    expect(eps[1]).toMatchObject({ startBar: 1, bars: 2, rounds: 5, liquidations: 5, liquidationVolumeQuote: 150, topCause: 'liquidation' });
    expect(eps[1].priceMove).toBeCloseTo(-0.2, 14);
    expect(eps[1].topCauseLogMove).toBeCloseTo(Math.log(80 / 99), 14);
    expect(cascadeEpisodes(SERIES, TRADES, 1)).toHaveLength(1);
  });

  it('quote notional per bar by cause', () => {
    const by = notionalByCause(TRADES, 6);
    expect([...by.keys()].sort()).toEqual(['hedge', 'liquidation']);
    expect(Array.from(by.get('hedge')!)).toEqual([0, 200, 0, 85, 300, 0]);
    expect(Array.from(by.get('liquidation')!)).toEqual([0, 285, 85, 0, 130, 0]);
  });

  it('a malformed run CSV is refused with its line and field', () => {
    expect(() => parseRunCsv('timestamp,x\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,abc\n', 'f.csv')).toThrow(/f\.csv:3.*'x'.*not a number/);
    expect(() => parseRunCsv('timestamp,x\n2024-01-01T00:00:00Z\n', 'f.csv')).toThrow(/f\.csv:2.*1 fields, the header has 2/);
  });
});

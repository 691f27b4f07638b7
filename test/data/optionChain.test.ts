import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { chainAsOf, forEachChainSnapshot, parseOptionChain, readOptionChain, type ChainRow } from '../../src/data/optionChain.js';
import type { ChainLayout } from '../../src/data/optionChainLayouts.js';

const DIR = join(import.meta.dirname, '../fixtures/optionChain');
const TARDIS = join(DIR, 'tardis.csv');
const DERIBIT = join(DIR, 'deribit.csv');

function rowsOf(path: string, layout: ChainLayout): ChainRow[] {
  const rows: ChainRow[] = [];
  readOptionChain(path, layout, (r) => rows.push(r));
  return rows;
}

function parse(text: string, layout: ChainLayout): ChainRow[] {
  const rows: ChainRow[] = [];
  parseOptionChain(text, 'chain.csv', layout, (r) => rows.push(r));
  return rows;
}

/** What a bad file must say: a DataError naming the file, the line and the field, with the reason. */
function expectError(text: string, layout: ChainLayout, loc: { line: number; field?: string }, reason: RegExp): void {
  let err: unknown;
  try {
    parse(text, layout);
  } catch (e) {
    err = e;
  }
  expect(err, `no error for:\n${text}`).toBeInstanceOf(DataError);
  const e = err as DataError;
  expect(e.location, e.message).toMatchObject({ file: 'chain.csv', ...loc });
  expect(e.reason).toMatch(reason);
}

const T0 = Date.UTC(2020, 2, 12);
const EXP_13MAR = Date.UTC(2020, 2, 13, 8);
const EXP_27MAR = Date.UTC(2020, 2, 27, 8);

describe('option-chain fixtures (hand-made, one per layout)', () => {
  it('tardis: µs times, IVs in vol points to decimals, empty or 0 bid IV is no quote, empty OI is NaN', () => {
    const rows = rowsOf(TARDIS, 'tardis');
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      timeMs: T0 + 5123,
      line: 2,
      instrument: 'BTC-13MAR20-7000-P',
      kind: -1,
      strike: 7000,
      expiryMs: EXP_13MAR,
      forward: 7905.12,
      // Vol points over 100, as the layout documents.
      markIv: 73.5 / 100,
      bidIv: 71.2 / 100,
      askIv: 75.8 / 100,
      openInterest: 120.5,
    });
    expect(rows[1].kind).toBe(1);
    expect(rows[1].bidIv).toBeNaN(); // empty
    expect(rows[3].bidIv).toBeNaN(); // 0
    expect(rows[5].openInterest).toBeNaN();
  });

  it('deribit: strike, expiry (08:00 UTC) and type from the instrument name; ms times', () => {
    const rows = rowsOf(DERIBIT, 'deribit');
    expect(rows).toHaveLength(8);
    expect(rows[2]).toMatchObject({ timeMs: T0, instrument: 'BTC-27MAR20-6000-P', kind: -1, strike: 6000, expiryMs: EXP_27MAR, forward: 7921.4, markIv: 82.7 / 100, openInterest: 310 });
    expect(rows[1]).toMatchObject({ kind: 1, strike: 9000, expiryMs: EXP_13MAR });
  });

  it("deribit: a 'd' in the strike is a decimal point; bid/ask IV columns may be absent", () => {
    const rows = parse('instrument_name,creation_timestamp,underlying_price,mark_iv,open_interest\nAVAX_USDC-29MAY26-8d6-P,1777593600657,9.103,53.72,300\n', 'deribit');
    expect(rows[0]).toMatchObject({ strike: 8.6, kind: -1, expiryMs: Date.UTC(2026, 4, 29, 8), markIv: 53.72 / 100, openInterest: 300 });
    expect(rows[0].bidIv).toBeNaN();
    expect(rows[0].askIv).toBeNaN();
  });
});

const DERIBIT_HEAD = 'instrument_name,creation_timestamp,underlying_price,mark_iv,bid_iv,ask_iv,open_interest';
const TARDIS_TEXT = readFileSync(TARDIS, 'utf8');

describe('bad option-chain input: a located error, never a dropped or reordered row', () => {
  it('a missing column names the column and the layout', () => {
    expectError('instrument_name,creation_timestamp,mark_iv,open_interest\nBTC-27MAR20-6000-P,1583971200000,80,1\n', 'deribit', { line: 1, field: 'underlying_price' }, /missing column 'underlying_price'.*deribit layout/);
    expectError(TARDIS_TEXT.replace('strike_price', 'strike'), 'tardis', { line: 1, field: 'strike_price' }, /missing column 'strike_price'/);
  });

  it('a non-numeric IV', () => {
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1583971200000,7900,eighty,,,1\n`, 'deribit', { line: 2, field: 'mark_iv' }, /not a number: 'eighty'/);
    expectError(TARDIS_TEXT.replace(',71.2,', ',n/a,'), 'tardis', { line: 2, field: 'bid_iv' }, /not a number: 'n\/a'/);
  });

  it('an IV written as a decimal where vol points are expected is not caught, but a negative or absurd one is', () => {
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1583971200000,7900,-5,,,1\n`, 'deribit', { line: 2, field: 'mark_iv' }, /vol points in \(0, 1000\)/);
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1583971200000,7900,8000,,,1\n`, 'deribit', { line: 2, field: 'mark_iv' }, /vol points in \(0, 1000\)/);
  });

  it('an expiry at or before the row time', () => {
    // 27 March 2020 08:00 UTC is 1585296000000 ms; the row is a minute later.
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1585296060000,7900,80,,,1\n`, 'deribit', { line: 2, field: 'instrument_name' }, /expiry 2020-03-27T08:00:00.000Z is not after the row's time/);
    const lines = TARDIS_TEXT.split('\n');
    lines[3] = lines[3].replace('1585296000000000', '1583971200000000');
    expectError(lines.join('\n'), 'tardis', { line: 4, field: 'expiration' }, /is not after the row's time/);
  });

  it('rows out of time order name both lines', () => {
    const lines = TARDIS_TEXT.trim().split('\n');
    [lines[5], lines[6]] = [lines[6], lines[5]];
    expectError(lines.join('\n'), 'tardis', { line: 7, field: 'timestamp' }, /time order: this row's time 2020-03-12T01:00:00.123Z is before 2020-03-12T01:30:00.123Z on line 6/);
  });

  it('a cut line, a bad type, a bad instrument name, a negative open interest, a zero forward', () => {
    const lines = TARDIS_TEXT.trim().split('\n');
    expectError([...lines.slice(0, 3), lines[3].slice(0, 60)].join('\n'), 'tardis', { line: 4 }, /expected 24 cells as in the header, got/);
    expectError(TARDIS_TEXT.replace(',put,7000,', ',P,7000,'), 'tardis', { line: 2, field: 'type' }, /'call' or 'put', got 'P'/);
    expectError(`${DERIBIT_HEAD}\nBTC-PERPETUAL,1583971200000,7900,80,,,1\n`, 'deribit', { line: 2, field: 'instrument_name' }, /not a Deribit option name/);
    expectError(`${DERIBIT_HEAD}\nBTC-30FEB20-6000-P,1580000000000,7900,80,,,1\n`, 'deribit', { line: 2, field: 'instrument_name' }, /day 30 does not exist in FEB 2020/);
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1583971200000,7900,80,,,-3\n`, 'deribit', { line: 2, field: 'open_interest' }, /open interest must be >= 0/);
    expectError(`${DERIBIT_HEAD}\nBTC-27MAR20-6000-P,1583971200000,0,80,,,3\n`, 'deribit', { line: 2, field: 'underlying_price' }, /must be > 0/);
  });

  it('an empty file and a header-only file', () => {
    expect(() => parse('', 'tardis')).toThrow(/file is empty/);
    expect(parse(`${DERIBIT_HEAD}\n`, 'deribit')).toEqual([]);
  });
});

describe('the chain as known at a time', () => {
  const read = (onRow: (r: ChainRow) => void): void => void readOptionChain(TARDIS, 'tardis', onRow);

  it('snapshots on an hourly grid hold each option at its last row at or before the grid time', () => {
    const snaps: { t: number; rows: readonly ChainRow[] }[] = [];
    forEachChainSnapshot(read, 3_600_000, (t, rows) => snaps.push({ t, rows }));
    // Rows at 00:00:05 and 00:00:09 belong to the 01:00 snapshot (after 00:00), the 01:00:00.123 row to 02:00, the 01:30 row to 02:00 too.
    expect(snaps.map((s) => new Date(s.t).toISOString())).toEqual(['2020-03-12T01:00:00.000Z', '2020-03-12T02:00:00.000Z']);
    expect(snaps[0].rows.map((r) => r.line)).toEqual([2, 3, 4, 5]);
    // The 02:00 snapshot: the 7000 put and the 6000 put replaced by their later rows; the 6000 put keeps its last known open interest (its row has none).
    const s1 = snaps[1].rows;
    expect(s1.map((r) => r.line)).toEqual([6, 3, 7, 5]);
    expect(s1.find((r) => r.instrument === 'BTC-27MAR20-6000-P')?.openInterest).toBe(310);
  });

  it('chainAsOf reads later rows (and checks them) but never uses them', () => {
    const at = T0 + 3_600_000 + 200; // just after the 01:00:00.123 row
    const { rows } = chainAsOf(read, at);
    expect(rows.find((r) => r.instrument === 'BTC-13MAR20-7000-P')?.openInterest).toBe(140);
    expect(rows.find((r) => r.instrument === 'BTC-27MAR20-6000-P')?.markIv).toBe(82.7 / 100); // its 01:30 row is later
    // A bad row after the time still fails the read: a file is checked whole.
    const bad = TARDIS_TEXT.replace(',103.0,', ',x,');
    expect(() => chainAsOf((f) => void parseOptionChain(bad, 'chain.csv', 'tardis', f), at)).toThrow(/chain\.csv:7: field 'mark_iv': not a number/);
  });

  it('an option that expired before the time is not live', () => {
    const { rows } = chainAsOf(read, EXP_13MAR + 1);
    expect(rows.map((r) => r.instrument)).toEqual(['BTC-27MAR20-6000-P', 'BTC-27MAR20-8000-C']);
  });
});

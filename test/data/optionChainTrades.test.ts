import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { parseOptionChain, type ChainRow } from '../../src/data/optionChain.js';
import { requireOpenInterest } from '../../src/data/optionChainLayouts.js';
import { surfaceSchema } from '../../src/config/surfaceSchema.js';
import { bookFromChain } from '../../src/dealer/bookFromChain.js';

/**
 * The `deribit-trades` chain layout: Deribit's option trades as `cascade
 * data fetch` writes them, each trade a quote of its option at its time.
 */

const HEADER = 'timestamp,instrument_name,price,iv,index_price,amount,direction,trade_id';
// 2020-03-12T00:00:00Z and 60 s later, in ms as Deribit gives them.
const OK = [HEADER, '1583971200000,BTC-27MAR20-5000-P,0.0125,85.33,7901.5,1.5,sell,60000001', '1583971260000,BTC-27MAR20-9000-C,0.021,79.1,7899.2,0.3,buy,60000002'];

const rowsOf = (lines: readonly string[]): ChainRow[] => {
  const rows: ChainRow[] = [];
  parseOptionChain(`${lines.join('\n')}\n`, 'trades.csv', 'deribit-trades', (r) => rows.push(r));
  return rows;
};

describe('layout deribit-trades', () => {
  it('reads a trade as a quote: iv in vol points to a decimal mark, the index as the forward, strike/expiry/type from the name, no bid, ask or open interest', () => {
    const rows = rowsOf(OK);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      timeMs: Date.UTC(2020, 2, 12, 0, 0),
      line: 2,
      instrument: 'BTC-27MAR20-5000-P',
      kind: -1,
      strike: 5000,
      expiryMs: Date.UTC(2020, 2, 27, 8),
      forward: 7901.5,
      markIv: 0.8533,
      bidIv: NaN,
      askIv: NaN,
      openInterest: NaN,
    });
    expect(rows[1]).toMatchObject({ kind: 1, strike: 9000, markIv: 79.1 / 100, forward: 7899.2 });
  });

  it.each([
    ['a missing iv column', [HEADER.replace(',iv,', ','), '1583971200000,BTC-27MAR20-5000-P,0.0125,7901.5,1.5,sell,60000001'], 1, 'iv', "missing column 'iv' (the deribit-trades layout needs timestamp, instrument_name, index_price, iv)"],
    ['a missing index_price column', [HEADER.replace(',index_price', ''), '1583971200000,BTC-27MAR20-5000-P,0.0125,85.33,1.5,sell,60000001'], 1, 'index_price', "missing column 'index_price'"],
    ['a non-numeric iv', [OK[0], OK[1].replace(',85.33,', ',n/a,')], 2, 'iv', "not a number: 'n/a'"],
    ['an iv given as a decimal fraction of 0', [OK[0], OK[1].replace(',85.33,', ',0,')], 2, 'iv', "implied vol must be in vol points in (0, 1000), got '0'"],
    ['a trade earlier than the one before', [OK[0], OK[2], OK[1]], 3, 'timestamp', 'rows must be in time order: this row\'s time 2020-03-12T00:00:00.000Z is before 2020-03-12T00:01:00.000Z on line 2'],
    ['a name that is not an option', [OK[0], OK[1].replace('BTC-27MAR20-5000-P', 'BTC-PERPETUAL')], 2, 'instrument_name', "'BTC-PERPETUAL' is not a Deribit option name"],
    ['a zero index price', [OK[0], OK[1].replace(',7901.5,', ',0,')], 2, 'index_price', "must be > 0, got '0'"],
  ])('%s is refused with file, line and field', (_what, lines, line, field, reason) => {
    let err: unknown;
    try {
      rowsOf(lines);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).location).toEqual({ file: 'trades.csv', line, field });
    expect((err as DataError).message).toContain(`trades.csv:${line}: field '${field}': ${reason}`);
  });

  it('surface.chain accepts the layout (the surface is fitted to the trades per snapshot)', () => {
    expect(surfaceSchema.parse({ chain: { path: 'BTC-option-trades.csv', layout: 'deribit-trades' } }).chain).toMatchObject({ layout: 'deribit-trades', iv: 'mark' });
  });

  it('cannot seed the dealer\'s book: trades carry no open interest, and the refusal says so before the file is read', () => {
    expect(() => requireOpenInterest('deribit-trades', 'trades.csv')).toThrow(
      "trades.csv: field 'layout': the 'deribit-trades' layout has no open interest (trades say what changed hands, not what is outstanding), so it cannot seed the dealer's book",
    );
    expect(() => requireOpenInterest('deribit', 'chain.csv')).not.toThrow();
    expect(() => requireOpenInterest('tardis', 'chain.csv')).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'cascade-trades-layout-'));
    try {
      const path = join(dir, 'trades.csv');
      writeFileSync(path, `${OK.join('\n')}\n`);
      expect(() => bookFromChain(path, 'deribit-trades', Date.UTC(2020, 2, 12, 1), { side: 'short', fraction: 0.5 })).toThrow("field 'layout': the 'deribit-trades' layout has no open interest");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

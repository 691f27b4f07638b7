/**
 * The two option-chain CSV layouts cascade-lab reads, as column maps. Both
 * carry one row per option per update; docs/data.md#option-chains cites
 * where each layout is published.
 *
 * - 'tardis': Tardis.dev's `options_chain` dataset (exchange, symbol,
 *   timestamp, local_timestamp, type, strike_price, expiration,
 *   open_interest, ..., bid_iv, ..., ask_iv, mark_price, mark_iv,
 *   underlying_index, underlying_price, greeks). Times are microseconds
 *   since the epoch; implied vols are in vol points (55.9 = 0.559);
 *   `underlying_price` is the price the venue computed the IVs against
 *   (Deribit: the expiry's future, or a synthetic one).
 * - 'deribit': rows of Deribit's `public/get_book_summary_by_currency`
 *   (kind=option) written out as CSV, one poll after another:
 *   instrument_name, creation_timestamp (ms), underlying_price, mark_iv,
 *   open_interest, and bid_iv/ask_iv when the recorder kept them. Strike,
 *   expiry and type are read from the instrument name
 *   (`BTC-27MAR20-5000-P`; a 'd' in the strike is a decimal point,
 *   `AVAX_USDC-29MAY26-8d6-P`), and Deribit options expire at 08:00 UTC.
 * - 'deribit-trades': Deribit's option trades as `cascade data fetch`
 *   writes them (timestamp in ms, instrument_name, price, iv in vol points,
 *   index_price, amount, direction, trade_id). Each trade is a quote of its
 *   option at its time: its IV is the mark, and the index price stands for
 *   the forward (a trade carries no future price; the basis of the expiry's
 *   future to the index is not in the file). Trades say nothing of open
 *   interest, so this layout cannot seed the dealer's book.
 */
import { DataError } from '../core/errors.js';

export type ChainLayout = 'tardis' | 'deribit' | 'deribit-trades';
export const CHAIN_LAYOUTS: readonly ChainLayout[] = ['tardis', 'deribit', 'deribit-trades'];

/** Header names a layout reads; `optional` may be absent from the header (or empty in a row). */
export interface ChainColumns {
  readonly time: string;
  readonly instrument: string;
  readonly forward: string;
  readonly markIv: string;
  readonly bidIv: string;
  readonly askIv: string;
  readonly openInterest: string;
  /** Only in layouts that give them as columns (tardis); else parsed from the instrument name. */
  readonly type?: string;
  readonly strike?: string;
  readonly expiry?: string;
  readonly optional: readonly string[];
}

export const CHAIN_COLUMNS: Record<ChainLayout, ChainColumns> = {
  tardis: {
    time: 'timestamp',
    instrument: 'symbol',
    forward: 'underlying_price',
    markIv: 'mark_iv',
    bidIv: 'bid_iv',
    askIv: 'ask_iv',
    openInterest: 'open_interest',
    type: 'type',
    strike: 'strike_price',
    expiry: 'expiration',
    optional: [],
  },
  deribit: {
    time: 'creation_timestamp',
    instrument: 'instrument_name',
    forward: 'underlying_price',
    markIv: 'mark_iv',
    bidIv: 'bid_iv',
    askIv: 'ask_iv',
    openInterest: 'open_interest',
    optional: ['bid_iv', 'ask_iv'],
  },
  'deribit-trades': {
    time: 'timestamp',
    instrument: 'instrument_name',
    forward: 'index_price',
    markIv: 'iv',
    bidIv: 'bid_iv',
    askIv: 'ask_iv',
    openInterest: 'open_interest',
    optional: ['bid_iv', 'ask_iv', 'open_interest'],
  },
};

/** Layouts whose rows carry open interest, which seeding the dealer's book from a chain needs. */
export const CHAIN_LAYOUTS_WITH_OPEN_INTEREST: readonly ChainLayout[] = ['tardis', 'deribit'];

/** Refuses a layout without open interest where the dealer's book is to be seeded from the chain. */
export function requireOpenInterest(layout: ChainLayout, file: string): void {
  if (CHAIN_LAYOUTS_WITH_OPEN_INTEREST.includes(layout)) return;
  throw new DataError(
    `the '${layout}' layout has no open interest (trades say what changed hands, not what is outstanding), so it cannot seed the dealer's book; use it for the surface (surface.chain) and seed the book from a '${CHAIN_LAYOUTS_WITH_OPEN_INTEREST.join("' or '")}' chain`,
    { file, field: 'layout' },
  );
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DERIBIT_NAME = /^([A-Z0-9_]+)-(\d{1,2})([A-Z]{3})(\d{2})-(\d+(?:[.d]\d+)?)-([CP])$/;
/** Deribit's options settle at 08:00 UTC on the expiry date. */
const DERIBIT_EXPIRY_HOUR = 8;

export interface ParsedInstrument {
  strike: number;
  expiryMs: number;
  kind: 1 | -1;
}

/** Strike, expiry and type from a Deribit option name; a located error when the name is not one. */
export function parseDeribitInstrument(name: string, file: string, line: number, field: string, out: ParsedInstrument): void {
  const m = DERIBIT_NAME.exec(name);
  const bad = (why: string): never => {
    throw new DataError(`'${name}' is not a Deribit option name like BTC-27MAR20-5000-P: ${why}`, { file, line, field });
  };
  if (m === null) bad('expected UNDERLYING-DDMMMYY-STRIKE-C|P');
  const [, , dd, mon, yy, strikeText, cp] = m as RegExpExecArray;
  const month = MONTHS.indexOf(mon);
  if (month < 0) bad(`unknown month '${mon}'`);
  const day = Number(dd);
  const year = 2000 + Number(yy);
  const expiryMs = Date.UTC(year, month, day, DERIBIT_EXPIRY_HOUR);
  if (new Date(expiryMs).getUTCDate() !== day) bad(`day ${day} does not exist in ${mon} ${year}`);
  const strike = Number(strikeText.replace('d', '.'));
  if (!(strike > 0)) bad('strike must be > 0');
  out.strike = strike;
  out.expiryMs = expiryMs;
  out.kind = cp === 'C' ? 1 : -1;
}

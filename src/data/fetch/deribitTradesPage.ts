import { FetchError } from './sources.js';

/**
 * One page of Deribit's option-trades answer, checked field by field: the
 * publisher gives no checksum, so the shape of every trade is what stands
 * between a bad answer and a silently shorter or wrong series.
 */

export interface DeribitTrade {
  readonly trade_id: string;
  readonly timestamp: number;
  readonly instrument_name: string;
  readonly price: number;
  /** Vol points, as Deribit gives it. */
  readonly iv: number;
  readonly index_price: number;
  readonly amount: number;
  readonly direction: 'buy' | 'sell';
}

export interface TradesPage {
  readonly trades: readonly DeribitTrade[];
  readonly hasMore: boolean;
}

/** The columns of the written CSV, which the `deribit-trades` chain layout reads. */
export const TRADES_CSV_HEADER = 'timestamp,instrument_name,price,iv,index_price,amount,direction,trade_id';

const NUMBER_FIELDS = ['timestamp', 'price', 'iv', 'index_price', 'amount'] as const;

/**
 * Checks one page's JSON and returns its trades: every field the CSV needs,
 * of the right type, in time order inside [startMs, endMs]. A bad page is an
 * error naming the URL and the field, never a silently shorter series.
 */
export function parseTradesPage(text: string, url: string, startMs: number, endMs: number): TradesPage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FetchError(`Deribit's answer is not JSON: '${text.slice(0, 100)}'`, { file: url });
  }
  const result = (json as { result?: unknown } | null)?.result as { trades?: unknown; has_more?: unknown } | undefined;
  if (result === undefined || result === null || typeof result !== 'object') throw new FetchError("Deribit's answer has no result object", { file: url, field: 'result' });
  if (!Array.isArray(result.trades)) throw new FetchError('expected an array of trades', { file: url, field: 'result.trades' });
  if (typeof result.has_more !== 'boolean') throw new FetchError(`expected true or false, got ${JSON.stringify(result.has_more)}`, { file: url, field: 'result.has_more' });
  let last = startMs;
  const trades = result.trades.map((raw: unknown, i: number): DeribitTrade => {
    const t = raw as Record<string, unknown>;
    const field = (name: string): string => `result.trades[${i}].${name}`;
    if (t === null || typeof t !== 'object') throw new FetchError('expected a trade object', { file: url, field: `result.trades[${i}]` });
    for (const f of NUMBER_FIELDS) {
      if (typeof t[f] !== 'number' || !Number.isFinite(t[f])) throw new FetchError(`expected a finite number, got ${JSON.stringify(t[f])}`, { file: url, field: field(f) });
    }
    if (typeof t.instrument_name !== 'string' || t.instrument_name === '') throw new FetchError(`expected an option name, got ${JSON.stringify(t.instrument_name)}`, { file: url, field: field('instrument_name') });
    if (typeof t.trade_id !== 'string' && typeof t.trade_id !== 'number') throw new FetchError(`expected a trade id, got ${JSON.stringify(t.trade_id)}`, { file: url, field: field('trade_id') });
    if (t.direction !== 'buy' && t.direction !== 'sell') throw new FetchError(`expected 'buy' or 'sell', got ${JSON.stringify(t.direction)}`, { file: url, field: field('direction') });
    const ts = t.timestamp as number;
    if (ts < last || ts > endMs) {
      throw new FetchError(`trade time ${ts} is ${ts > endMs ? `after the window's end ${endMs}` : `before ${last} (the page's start or the trade before)`}: the page is not in time order inside its window`, {
        file: url,
        field: field('timestamp'),
      });
    }
    last = ts;
    return {
      trade_id: String(t.trade_id),
      timestamp: ts,
      instrument_name: t.instrument_name,
      price: t.price as number,
      iv: t.iv as number,
      index_price: t.index_price as number,
      amount: t.amount as number,
      direction: t.direction,
    };
  });
  return { trades, hasMore: result.has_more };
}

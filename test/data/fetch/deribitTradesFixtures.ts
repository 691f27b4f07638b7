import type { Route } from './fixtures.js';

/**
 * Deribit's trade query served from a list of trades, as the venue pages
 * it: the trades with start_timestamp <= time <= end_timestamp, oldest
 * first, at most `perPage` of them (fewer than the asked count is allowed),
 * and has_more when the window holds more than were sent.
 */

export interface FixtureTrade {
  trade_id: string;
  timestamp: number;
  instrument_name: string;
  price: number;
  iv: number | string;
  index_price: number;
  amount: number;
  direction: 'buy' | 'sell';
}

export const TRADES_PATH = '/api/v2/public/get_last_trades_by_currency_and_time?';

export function tradesPage(trades: readonly FixtureTrade[], path: string, perPage: number): { trades: FixtureTrade[]; has_more: boolean } {
  const q = new URL(path, 'http://x').searchParams;
  const start = Number(q.get('start_timestamp'));
  const end = Number(q.get('end_timestamp'));
  const inside = trades.filter((t) => t.timestamp >= start && t.timestamp <= end);
  return { trades: inside.slice(0, perPage), has_more: inside.length > perPage };
}

export function tradesRoute(trades: readonly FixtureTrade[], path: string, perPage: number): Route | undefined {
  if (!path.startsWith(TRADES_PATH)) return undefined;
  const result = tradesPage(trades, path, perPage);
  return { body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', result, usIn: 1, usOut: 2, usDiff: 1, testnet: false })) };
}

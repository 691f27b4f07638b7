import type { OrdersLog } from '../strategy/ordersLog.js';
import type { TextSink } from './csvSink.js';
import { formatNumber } from './timeseriesCsv.js';

/** strategy_orders.csv: one row per request, fill and cancel of the strategy (docs/strategies.md#the-orders-log). */
export function writeStrategyOrdersCsv(log: OrdersLog, sink: TextSink): void {
  sink.write('bar,round,order_id,kind,size,price,status,reason\n');
  for (let k = 0; k < log.length; k++) {
    sink.write(
      `${log.bar[k]},${log.round[k]},${log.id[k]},${log.kind[k]},${formatNumber(log.size[k])},${formatNumber(log.price[k])},${log.status[k]},${csvText(log.reason[k])}\n`,
    );
  }
}

/** Quotes a free-text field when it holds a comma, quote or newline (RFC 4180). */
function csvText(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

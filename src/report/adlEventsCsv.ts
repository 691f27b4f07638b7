import type { AdlEvents } from '../protocol/perp/adl.js';
import type { TextSink } from './csvSink.js';
import { formatNumber } from './timeseriesCsv.js';

/**
 * adl_events.csv: one row per auto-deleveraging fill (docs/model.md#auto-deleveraging):
 * the bar's start time, the deleveraged account and its side, the signed
 * size it closed (negative for a short), the bankruptcy price, its place in
 * the round's queue and its score, and the bankrupt long it was closed against.
 */
export function writeAdlEventsCsv(ev: AdlEvents, sink: TextSink): void {
  sink.write('time,bar,account,side,size,price,rank,score,bankrupt_account\n');
  for (let k = 0; k < ev.length; k++) {
    const side = ev.size[k] < 0 ? 'short' : 'long';
    sink.write(
      `${new Date(ev.time[k]).toISOString()},${ev.bar[k]},${ev.account[k]},${side},${formatNumber(ev.size[k])},${formatNumber(ev.price[k])},${ev.rank[k]},${formatNumber(ev.score[k])},${ev.bankrupt[k]}\n`,
    );
  }
}

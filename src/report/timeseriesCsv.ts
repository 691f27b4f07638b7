import { formatIsoUtc } from '../core/time.js';
import { PARTY_NAMES } from '../sim/ledger.js';
import type { Recorder } from '../sim/recorder.js';
import { TRADE_CAUSES, type TradeLog } from '../sim/tradeLog.js';
import { StringSink, type TextSink } from './csvSink.js';

/** Shortest round-trip decimal; NaN (undefined at this bar) becomes an empty field. */
export function formatNumber(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

/**
 * The per-bar record as CSV: `timestamp` (ISO UTC) first, then every column
 * in declaration order; the first `rows` bars (all by default: fewer for a
 * run that stopped early).
 */
export function writeTimeseriesCsv(rec: Recorder, sink: TextSink, rows = rec.bars): void {
  const names = rec.names().filter((n) => n !== 'time');
  const cols = names.map((n) => rec.get(n));
  const time = rec.get('time');
  sink.write(`${['timestamp', ...names].join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    let line = formatIsoUtc(time[i]);
    for (const col of cols) line += `,${formatNumber(col[i])}`;
    sink.write(`${line}\n`);
  }
}

/** The same as one string (small runs and tests). */
export function timeseriesToCsv(rec: Recorder): string {
  const sink = new StringSink();
  writeTimeseriesCsv(rec, sink);
  return sink.toString();
}

/** Every fill: time, bar, round, cause, side, size (base units), price, mid before/after, cost (quote). */
export function writeTradesCsv(log: TradeLog, sink: TextSink, options: { readonly owners?: boolean } = {}): void {
  // The owner column only when asked (a strategy ran): without it the file stays as it was before strategies existed.
  const owners = options.owners === true;
  sink.write(`timestamp,bar,round,cause,side,size,price,mid_before,mid_after,cost${owners ? ',owner' : ''}\n`);
  for (let k = 0; k < log.length; k++) {
    const size = log.size[k];
    const party = log.party[k];
    sink.write(
      `${[
        formatIsoUtc(log.time[k]),
        log.bar[k],
        log.round[k],
        TRADE_CAUSES[log.cause[k]],
        size >= 0 ? 'buy' : 'sell',
        formatNumber(Math.abs(size)),
        formatNumber(log.price[k]),
        formatNumber(log.midBefore[k]),
        formatNumber(log.midAfter[k]),
        formatNumber(log.cost[k]),
      ].join(',')}${owners ? `,${party >= 0 ? PARTY_NAMES[party] : ''}` : ''}\n`,
    );
  }
}

/** The same as one string (small runs and tests). */
export function tradesToCsv(log: TradeLog): string {
  const sink = new StringSink();
  writeTradesCsv(log, sink);
  return sink.toString();
}

/**
 * The report's table work, with arquero (group-bys over the trade log and
 * the bars): fills per bar by cause, and the cascade episodes.
 *
 * An episode is a maximal run of consecutive bars with at least one
 * liquidation. Its price move is the simulated close at its last bar over
 * the close before its first bar, minus 1; the cause that moved the price
 * most is the one whose fills' log mid moves (log mid_after/mid_before)
 * sum to the largest absolute value over the episode's bars.
 */
import * as aq from 'arquero';
import type { CsvColumns } from './readRunFolder.js';

const { op } = aq;

/** Quote notional (size × price) of the fills per bar, one array per cause that traded. */
export function notionalByCause(trades: CsvColumns, bars: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  const bar = trades.numeric.get('bar');
  const cause = trades.text.get('cause');
  const size = trades.numeric.get('size');
  const price = trades.numeric.get('price');
  if (trades.rows === 0 || !bar || !cause || !size || !price) return out;
  const notional = new Float64Array(trades.rows);
  for (let i = 0; i < trades.rows; i++) notional[i] = size[i] * price[i];
  const grouped = aq
    .table({ bar, cause: cause as string[], notional })
    .groupby('bar', 'cause')
    .rollup({ q: op.sum('notional') });
  const gb = grouped.array('bar') as ArrayLike<number>;
  const gc = grouped.array('cause') as ArrayLike<string>;
  const gq = grouped.array('q') as ArrayLike<number>;
  for (let k = 0; k < grouped.numRows(); k++) {
    let col = out.get(gc[k]);
    if (col === undefined) {
      col = new Float64Array(bars);
      out.set(gc[k], col);
    }
    const b = gb[k];
    if (b >= 0 && b < bars) col[b] += gq[k];
  }
  return out;
}

export interface Episode {
  readonly startBar: number;
  readonly bars: number;
  /** Most cascade rounds in one of its bars. */
  readonly rounds: number;
  readonly liquidations: number;
  readonly liquidationVolumeQuote: number;
  /** Simulated close at the last bar over the close before the first, minus 1. */
  readonly priceMove: number;
  /** Cause with the largest summed |log mid move|, or '' when no fill moved the mid. */
  readonly topCause: string;
  readonly topCauseLogMove: number;
}

/** Episode index per bar (-1 outside episodes): runs of bars with liquidations > 0. */
export function episodeIds(liquidations: Float64Array): Int32Array {
  const ids = new Int32Array(liquidations.length).fill(-1);
  let id = -1;
  let inside = false;
  for (let i = 0; i < liquidations.length; i++) {
    const on = liquidations[i] > 0;
    if (on && !inside) id++;
    if (on) ids[i] = id;
    inside = on;
  }
  return ids;
}

/** The `limit` biggest episodes by liquidation volume (ties: earlier first). */
export function cascadeEpisodes(series: CsvColumns, trades: CsvColumns, limit: number): Episode[] {
  const liq = series.numeric.get('liquidations');
  const vol = series.numeric.get('liquidation_volume_quote');
  const rounds = series.numeric.get('cascade_rounds');
  const close = series.numeric.get('simulated_close');
  if (!liq || !vol || !rounds || !close) return [];
  const ids = episodeIds(liq);
  const barIdx = new Float64Array(series.rows);
  for (let i = 0; i < series.rows; i++) barIdx[i] = i;
  const perEpisode = aq
    .table({ bar: barIdx, episode: ids, liq, vol, rounds })
    .filter((d: { episode: number }) => d.episode >= 0)
    .groupby('episode')
    .rollup({ start: op.min('bar'), end: op.max('bar'), bars: op.count(), rounds: op.max('rounds'), liq: op.sum('liq'), vol: op.sum('vol') })
    .orderby(aq.desc('vol'), 'start')
    .slice(0, limit)
    .objects() as Array<{ episode: number; start: number; end: number; bars: number; rounds: number; liq: number; vol: number }>;
  const moves = episodeMovesByCause(trades, ids);
  return perEpisode.map((e) => {
    const before = close[Math.max(0, e.start - 1)];
    const top = moves.get(e.episode);
    return {
      startBar: e.start,
      bars: e.bars,
      rounds: e.rounds,
      liquidations: e.liq,
      liquidationVolumeQuote: e.vol,
      priceMove: close[e.end] / before - 1,
      topCause: top?.cause ?? '',
      topCauseLogMove: top?.move ?? 0,
    };
  });
}

/** Per episode, the cause whose summed log mid move is largest in absolute value. */
function episodeMovesByCause(trades: CsvColumns, ids: Int32Array): Map<number, { cause: string; move: number }> {
  const out = new Map<number, { cause: string; move: number }>();
  const bar = trades.numeric.get('bar');
  const cause = trades.text.get('cause');
  const before = trades.numeric.get('mid_before');
  const after = trades.numeric.get('mid_after');
  if (trades.rows === 0 || !bar || !cause || !before || !after) return out;
  const episode = new Int32Array(trades.rows);
  const move = new Float64Array(trades.rows);
  for (let i = 0; i < trades.rows; i++) {
    const b = bar[i];
    episode[i] = b >= 0 && b < ids.length ? ids[b] : -1;
    move[i] = Math.log(after[i] / before[i]);
  }
  const rows = aq
    .table({ episode, cause: cause as string[], move })
    .filter((d: { episode: number }) => d.episode >= 0)
    .groupby('episode', 'cause')
    .rollup({ move: op.sum('move') })
    .orderby('episode', 'cause')
    .objects() as Array<{ episode: number; cause: string; move: number }>;
  for (const r of rows) {
    const best = out.get(r.episode);
    if (best === undefined || Math.abs(r.move) > Math.abs(best.move)) out.set(r.episode, { cause: r.cause, move: r.move });
  }
  return out;
}

import type { Columns } from '../sim/recorder.js';
import { CAUSE_CODE, type TradeLog } from '../sim/tradeLog.js';

/**
 * A bar's endogenous log move (simulated log return minus the exogenous
 * one) split by who moved the price (docs/model.md#counterfactual-replay).
 *
 * The rule: every fill moved the mid from `midBefore` to `midAfter`, and its
 * log impact ln(midAfter / midBefore) goes to the party that sent it: the
 * dealer's hedges, the protocol's liquidations (direct sales and auction
 * fills), and every other agent (strategy, deleveraging, herding, resale)
 * together. What no fill explains is `recovery`: the book taking back
 * transient impact between the previous bar's close and this bar's first
 * fill, read from the first fill's `midBefore` (the bar's opening mid), not
 * as a remainder, so a gap inside the bar's fills would show as a sum that
 * does not match (test/runner/replayAttribution.test.ts).
 */
export interface EndogenousByCause {
  readonly hedge: Float64Array;
  readonly liquidation: Float64Array;
  readonly other: Float64Array;
  readonly recovery: Float64Array;
}

export function endogenousByCause(
  loop: Columns<'historical_close' | 'simulated_close' | 'exogenous_return'>,
  trades: TradeLog,
  bars: number,
): EndogenousByCause {
  const hedge = new Float64Array(bars);
  const liquidation = new Float64Array(bars);
  const other = new Float64Array(bars);
  const recovery = new Float64Array(bars);
  const sim = loop.simulated_close;
  const exo = loop.exogenous_return;
  const hedgeCode = CAUSE_CODE.hedge;
  const liqCode = CAUSE_CODE.liquidation;
  const auctionCode = CAUSE_CODE.auction;
  let k = 0;
  for (let i = 0; i < bars; i++) {
    // Trades are logged in bar order; none belongs to a bar before i here.
    while (k < trades.length && trades.bar[k] < i) k++;
    const prev = i > 0 ? sim[i - 1] : loop.historical_close[0];
    const opening = k < trades.length && trades.bar[k] === i ? trades.midBefore[k] : sim[i];
    recovery[i] = Math.log(opening / prev) - exo[i];
    for (; k < trades.length && trades.bar[k] === i; k++) {
      const m = Math.log(trades.midAfter[k] / trades.midBefore[k]);
      const c = trades.cause[k];
      if (c === hedgeCode) hedge[i] += m;
      else if (c === liqCode || c === auctionCode) liquidation[i] += m;
      else other[i] += m;
    }
  }
  return { hedge, liquidation, other, recovery };
}

/**
 * Splits the endogenous price move by cause (docs/model.md#impact-by-cause:
 * hedge-driven vs liquidation-driven parts, and the other forced sellers).
 *
 * Each fill moved the mid from midBefore to midAfter; its log impact is
 * ln(midAfter / midBefore). Log impacts of successive fills add up to the
 * log move they caused together, so summing them per cause attributes the
 * instantaneous impact exactly. What the fills do not explain is the decay
 * of transient impact between fills and bars (resilience): callers that pass
 * the run's endogenous log move get it back as `residual`.
 *
 * Liquidations are also split by cascade round: round 0 fills were due at
 * the start of the bar (the exogenous move and earlier bars put the accounts
 * under water), rounds ≥ 1 were triggered inside the bar by the feedback of
 * earlier rounds: first-order vs later-round liquidations.
 *
 * Pure functions over the TradeLog; the per-bar form writes into a caller's
 * array and allocates nothing.
 */
import { CAUSE_CODE, TRADE_CAUSES, type TradeCause, type TradeLog } from '../sim/tradeLog.js';

export const CAUSE_COUNT = TRADE_CAUSES.length;

/**
 * Σ ln(midAfter / midBefore) per cause code over fills [from, to), written
 * into `out` (length ≥ CAUSE_COUNT, zeroed first). For the engine's per-bar
 * columns: `from` = the log length at the bar start.
 */
export function logImpactByCause(trades: TradeLog, from: number, to: number, out: Float64Array): Float64Array {
  if (out.length < CAUSE_COUNT) throw new RangeError(`out needs ${CAUSE_COUNT} slots, has ${out.length}`);
  out.fill(0, 0, CAUSE_COUNT);
  const end = Math.min(to, trades.length);
  for (let k = Math.max(0, from); k < end; k++) {
    out[trades.cause[k]] += Math.log(trades.midAfter[k] / trades.midBefore[k]);
  }
  return out;
}

/** Slots of {@link liquidationRoundSplit}'s output. */
export const ROUND_SPLIT = { firstImpact: 0, laterImpact: 1, firstVolume: 2, laterVolume: 3 } as const;

/**
 * Liquidation fills over [from, to) split by round: log impact and volume
 * (|size|, base units) of round 0 and of rounds ≥ 1, into `out` (length ≥ 4,
 * slots in ROUND_SPLIT).
 */
export function liquidationRoundSplit(trades: TradeLog, from: number, to: number, out: Float64Array): Float64Array {
  if (out.length < 4) throw new RangeError(`out needs 4 slots, has ${out.length}`);
  out.fill(0, 0, 4);
  const code = CAUSE_CODE.liquidation;
  const end = Math.min(to, trades.length);
  for (let k = Math.max(0, from); k < end; k++) {
    if (trades.cause[k] !== code) continue;
    const later = trades.round[k] >= 1 ? 1 : 0;
    out[later] += Math.log(trades.midAfter[k] / trades.midBefore[k]);
    out[2 + later] += Math.abs(trades.size[k]);
  }
  return out;
}

export interface ImpactAttribution {
  /** Σ log impact per cause over the run (negative: pushed the price down). */
  readonly byCause: Readonly<Record<TradeCause, number>>;
  /** Σ over all causes. */
  readonly total: number;
  /**
   * byCause / total: each cause's share of the net log impact. Causes that
   * pushed the other way (buyers: auction bidders, a contrarian strategy)
   * have a negative share; the shares add to 1 (all 0 when total is 0).
   */
  readonly shares: Readonly<Record<TradeCause, number>>;
  /** Endogenous log move − total: decay of transient impact (NaN when no endogenous move was given). */
  readonly residual: number;
  readonly liquidationRounds: {
    readonly firstImpact: number;
    readonly laterImpact: number;
    readonly firstVolume: number;
    readonly laterVolume: number;
  };
}

/**
 * The run's attribution. `endogenousLogMove` is Σ of the recorder's
 * `endogenous_return` over the same bars (or ln(S/C) at the end), if known.
 */
export function attributeImpact(trades: TradeLog, endogenousLogMove = Number.NaN): ImpactAttribution {
  const sums = logImpactByCause(trades, 0, trades.length, new Float64Array(CAUSE_COUNT));
  const rounds = liquidationRoundSplit(trades, 0, trades.length, new Float64Array(4));
  let total = 0;
  for (let c = 0; c < CAUSE_COUNT; c++) total += sums[c];
  const byCause = {} as Record<TradeCause, number>;
  const shares = {} as Record<TradeCause, number>;
  for (let c = 0; c < CAUSE_COUNT; c++) {
    byCause[TRADE_CAUSES[c]] = sums[c];
    shares[TRADE_CAUSES[c]] = total !== 0 ? sums[c] / total : 0;
  }
  return {
    byCause,
    total,
    shares,
    residual: endogenousLogMove - total,
    liquidationRounds: {
      firstImpact: rounds[ROUND_SPLIT.firstImpact],
      laterImpact: rounds[ROUND_SPLIT.laterImpact],
      firstVolume: rounds[ROUND_SPLIT.firstVolume],
      laterVolume: rounds[ROUND_SPLIT.laterVolume],
    },
  };
}

/**
 * Per-bar log impact per cause for the whole run, after the fact: columns[c][i]
 * = Σ log impact of cause c in bar i (columns[c] has one slot per bar, zeroed
 * here). Fills of bars outside the columns are ignored.
 */
export function perBarImpactByCause(trades: TradeLog, columns: readonly Float64Array[]): void {
  if (columns.length < CAUSE_COUNT) throw new RangeError(`need ${CAUSE_COUNT} columns, got ${columns.length}`);
  for (let c = 0; c < CAUSE_COUNT; c++) columns[c].fill(0);
  for (let k = 0; k < trades.length; k++) {
    const col = columns[trades.cause[k]];
    const bar = trades.bar[k];
    if (bar >= 0 && bar < col.length) col[bar] += Math.log(trades.midAfter[k] / trades.midBefore[k]);
  }
}

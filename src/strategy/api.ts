import type { z } from 'zod';

/** The project's zod, for a strategy's parameter schema: `import { defineStrategy, z } from 'cascade-lab/strategy'` works from any folder (docs/strategies.md). */
export { z } from 'zod';

/**
 * The strategy API (docs/strategies.md). A strategy module (strategies/*.ts)
 * default-exports `defineStrategy({...})`. The engine wraps the created
 * strategy as an agent on its own ledger party; the strategy sees only the
 * read-only `StrategyContext` and the `StrategyOrders` it is handed, never an
 * engine object. The same strategy also runs as a naive twin (fills at the
 * historical close, no market model), so nothing here may assume which.
 */

/** Bars up to and including the current one; an index past it throws (no look-ahead). */
export interface BarsSoFar {
  /** Bars known now: current bar index + 1. */
  readonly length: number;
  /** Bar start, epoch ms. */
  time(i: number): number;
  open(i: number): number;
  high(i: number): number;
  low(i: number): number;
  /** Historical close, quote per base. */
  close(i: number): number;
  /** Volume in the bar file's unit; NaN when the file has none. */
  volume(i: number): number;
}

/**
 * Public metrics known at this point. Metrics the engine records only after
 * a bar settles (MLR, branching ratios, skew, the dealer's gamma) are the
 * previous bar's values; NaN when the part that produces them is absent
 * (no protocol, no dealer) or before the first bar has settled.
 */
export interface StrategyMetrics {
  /** Fraction below the running peak of the simulated mid at the bar start, [0, 1). */
  readonly drawdown: number;
  /** Fast realised vol known at the bar start, annualised decimal. */
  readonly realisedVol: number;
  /** The calm vol the stress signals compare against, annualised decimal. */
  readonly calmVol: number;
  /** Forced-selling velocity through the previous bar, quote per minute. */
  readonly liquidationQuotePerMin: number;
  /** Previous bar: market liquidity ratio (liquidatable quote within the band over the book's capacity), decimal. */
  readonly mlr: number;
  /** Previous bar: liquidation branching ratio n/D', dimensionless. */
  readonly liquidationBranchingRatio: number;
  /** Previous bar: the dealer's gamma branching ratio, dimensionless. */
  readonly gammaBranchingRatio: number;
  /** Previous bar: 25-delta risk reversal (call minus put implied vol), vol decimal; negative = puts richer. */
  readonly riskReversal25: number;
  /** Previous bar: the dealer's aggregate gamma, base units per quote. */
  readonly dealerGamma: number;
}

/** Indicators from `technicalindicators`, fed one bar at a time with `nextValue` (never recomputed over history). */
export interface StrategyIndicators {
  /** RSI of closes, 0..100; NaN until `period` bars are seen. */
  readonly rsi: number;
  /** Average true range, quote; NaN until warm. */
  readonly atr: number;
  /** Bollinger bands of closes, quote; NaN until warm. */
  readonly bollingerLower: number;
  readonly bollingerMiddle: number;
  readonly bollingerUpper: number;
  /** MACD line, its signal and histogram, quote; NaN until warm. */
  readonly macd: number;
  readonly macdSignal: number;
  readonly macdHistogram: number;
}

/** The strategy's own book, as the venue has settled it. */
export interface StrategyAccount {
  /** Cash, quote (negative when borrowing under a leverage above 1). */
  readonly cashQuote: number;
  /** Position, base units (+ long). */
  readonly positionBase: number;
  /** cash + position · mid + options at their marks + backstop stake, quote. */
  readonly equityQuote: number;
  /** Resting limit orders still open. */
  readonly openOrders: number;
  /** Options held at their surface marks (long positive, short negative), quote. */
  readonly optionsValueQuote: number;
  /** Σ |quantity| of options held, base units (0: none; a liquidation or expiry empties it). */
  readonly optionsHeldBase: number;
  /** Initial and maintenance margin of the short options, quote (docs/strategies.md#margin). */
  readonly initialMarginQuote: number;
  readonly maintenanceMarginQuote: number;
  /** The stake in the backstop pool at its share price, quote (including any part asked back and not yet paid). */
  readonly backstopQuote: number;
}

export interface StrategyContext {
  /** Index of the current bar. */
  readonly bar: number;
  /** Current bar start, epoch ms. */
  readonly time: number;
  /** Cascade round the callback runs in (−1 in start and stop; 0 in the naive twin, which has no cascade). */
  readonly round: number;
  readonly bars: BarsSoFar;
  /** Live mid, quote per base: moves within the bar as orders execute (the historical close in the naive twin). */
  mid(): number;
  /** Live depth for a small sell, base units per unit log-price (Infinity in the naive twin). */
  depthPerLogPrice(): number;
  /** Black implied vol of the current surface at `strike` (quote) for expiry `expiryMs` (epoch ms), decimal. */
  impliedVol(strike: number, expiryMs: number): number;
  readonly metrics: StrategyMetrics;
  readonly indicators: StrategyIndicators;
  readonly account: StrategyAccount;
}

/** An option order: + buys, − sells `qtyBase` contracts of one base unit each. */
export interface OptionOrder {
  readonly kind: 'put' | 'call';
  /** Strike, quote per base. */
  readonly strike: number;
  /** Expiry, epoch ms. */
  readonly expiryMs: number;
  /** Signed quantity, base units (+ buy, − sell). */
  readonly qtyBase: number;
}

/**
 * What a strategy may ask for. Every request is checked against capital and
 * margin at once: a request it cannot fund is rejected (the method returns −1)
 * and written to strategy_orders.csv with the reason.
 */
export interface StrategyOrders {
  /** Market order of `sizeBase` (+ buy, − sell) through the liquidity model; returns its id or −1. */
  market(sizeBase: number): number;
  /** Resting limit order (+ bid, − ask) at `price`; returns its id or −1. */
  limit(sizeBase: number, price: number): number;
  /** Cancels a resting order; false when it is no longer open. */
  cancel(id: number): boolean;
  /** Cancels every resting order; returns how many were open. */
  cancelAll(): number;
  /** Buys (+) or sells (−) an option at the surface price. */
  option(order: OptionOrder): number;
  /** Puts `quote` into the protocol's backstop pool. */
  depositBackstop(quote: number): number;
  /** Asks for `quote` back from the backstop pool. */
  withdrawBackstop(quote: number): number;
}

/** One fill of the strategy's own order, as it is told of it. */
export interface StrategyFill {
  /** Order id (as returned by `market`/`limit`); −1 for a forced liquidation. */
  readonly orderId: number;
  /** 'market', 'limit' or 'liquidation'. */
  readonly kind: 'market' | 'limit' | 'liquidation';
  /** Signed base units filled. */
  readonly sizeBase: number;
  /** Fill price, quote per base. */
  readonly price: number;
  readonly bar: number;
  readonly round: number;
}

/** The object `create(params)` returns: the strategy's own state lives in it. */
export interface Strategy {
  /** Before the first bar. */
  start(ctx: StrategyContext): void;
  /** Inside each cascade round, after the protocol and the dealer have acted: where forced selling happens. */
  onRound?(ctx: StrategyContext, round: number, orders: StrategyOrders): void;
  /** Once per bar after the bar's rounds settle; market orders sent here execute in the bar's closing round. */
  onBar(ctx: StrategyContext, orders: StrategyOrders): void;
  /** Told of each of its fills. */
  onFill?(fill: StrategyFill, ctx: StrategyContext): void;
  /** After the last bar. */
  stop(ctx: StrategyContext): void;
}

export interface StrategyDefinition<P extends z.ZodObject = z.ZodObject> {
  /** Short id, also the file name under strategies/ (`strategies/<id>.ts`). */
  readonly id: string;
  readonly description: string;
  /** Parameters; every field `.describe()`s its unit and default. */
  readonly params: P;
  create(params: z.output<P>): Strategy;
}

/** Identity function that keeps `create`'s parameter type tied to the schema. */
export function defineStrategy<P extends z.ZodObject>(def: StrategyDefinition<P>): StrategyDefinition<P> {
  return def;
}

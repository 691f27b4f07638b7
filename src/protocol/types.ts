/**
 * Contracts between the protocol's parts (docs/model.md#the-protocol,
 * docs/model.md#defences). The protocol agent (protocolAgent.ts) owns one
 * of each part and drives them inside the engine's cascade rounds; the parts
 * never see each other except through these interfaces.
 *
 * Units: collateral in base units of the asset, debt and cash in quote,
 * prices in quote per base, times in epoch ms.
 *
 * An account is liquidatable when collateral · oracle · LT · m < debt, i.e.
 * when the oracle is below its liquidation price debt / (collateral · LT · m).
 * LT is the account's liquidation threshold (1 − maintenance margin for a
 * perp) and m a protocol-wide threshold multiplier (dynamic thresholds,
 * circuit-breaker margin changes). Because m is common to all accounts, the
 * ladder orders accounts by the key debt / (collateral · LT) once, and the
 * liquidation price of every account is key / m.
 */
import type { Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { Recorder } from '../sim/recorder.js';

/**
 * One liquidation in progress: collateral seized from an account, the debt it
 * must repay, and what selling it has brought so far. Held in a LotBook
 * (struct of arrays, reused slots).
 */
export interface LotView {
  readonly account: Float64Array;
  /** Collateral seized, base units. */
  readonly seizedBase: Float64Array;
  /** Collateral not yet sold, base units. */
  readonly remainingBase: Float64Array;
  /** Debt this lot must repay, quote (the account's debt was reduced by it when the lot opened). */
  readonly debtQuote: Float64Array;
  /** Quote received so far for sold collateral. */
  readonly proceedsQuote: Float64Array;
  /** Oracle price when the lot opened. */
  readonly oracleAtOpen: Float64Array;
  /** Lot open time, epoch ms. */
  readonly openedMs: Float64Array;
}

/** What a mechanism may use: the market view, the ledger, and the protocol's settlement. */
export interface MechanismHost {
  readonly ledger: Ledger;
  /** Bar index, bar start time (ms), cascade round. */
  readonly bar: number;
  readonly time: number;
  readonly round: number;
  /** Live simulated mid. */
  mid(): number;
  /** The protocol's oracle price this round. */
  readonly oracle: number;
  /** Current gas price, gwei (NaN without a gas series). */
  readonly gasGwei: number;
  readonly lots: LotView;
  /**
   * A lot is finished: its collateral is sold (or the mechanism gives up on
   * the rest, which then stays with the protocol party). The protocol pays
   * lenders from the proceeds, takes any shortfall from the insurance fund,
   * then records bad debt; it frees the slot.
   */
  closeLot(lot: number): void;
}

/** Liquidation mechanisms: direct sale, Dutch auction, backstop pool. */
export interface LiquidationMechanism {
  readonly kind: 'direct' | 'dutch' | 'backstop';
  /** Parties (besides 'protocol') whose orders this mechanism sends: e.g. auction bidders reselling. */
  readonly parties: readonly number[];
  declareColumns(rec: Recorder): void;
  /** Once per bar before round 0: auction price steps, bidder arrivals and departures, resale schedules. */
  beginBar(host: MechanismHost): void;
  /**
   * A new lot: its collateral has been moved from 'accounts' to 'protocol' in
   * the ledger. The mechanism decides what happens now (sell at once, put it
   * up for auction, hand it to the pool).
   */
  open(lot: number, host: MechanismHost, orders: OrderQueue): void;
  /** Every round: market orders for lots and resales (cause codes from engine/tradeLog.ts; tag = lot id or −1). */
  act(host: MechanismHost, orders: OrderQueue): void;
  /** A fill of one of this mechanism's orders. */
  onFill(host: MechanismHost, party: number, tag: number, size: number, price: number): void;
  endBar(host: MechanismHost, rec: Recorder): void;
  readonly stateSize: number;
  saveState(buf: Float64Array, offset: number): void;
  loadState(buf: Float64Array, offset: number): void;
}

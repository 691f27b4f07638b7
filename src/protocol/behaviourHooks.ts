/**
 * What the protocol calls of the behaviours it hosts. The behaviour layer
 * implements these (src/behaviour/); the runner wires an implementation in.
 * The protocol never imports a behaviour module, so the folders keep one
 * import direction: behaviour → protocol.
 */
import type { Ledger } from '../sim/ledger.js';
import type { Recorder } from '../sim/recorder.js';
import type { Saveable } from '../sim/saveable.js';
import type { StressSignals } from '../sim/stress.js';
import type { BackstopPoolMechanism } from './mechanisms/backstopPool.js';

/** What one act() call decided; units and quote are this call's only. */
export interface DeleverageRound {
  /** Collateral to sell, base units (the protocol moves it accounts → protocol and sells it). */
  units: number;
  /** Debt cut at the expected price, units · salePrice, quote (settle() corrects it to the fill). */
  repaidQuote: number;
  /** Accounts that acted. */
  accounts: number;
}

export function makeDeleverageRound(): DeleverageRound {
  return { units: 0, repaidQuote: 0, accounts: 0 };
}

/** How one fill was shared out. */
export interface DeleverageSettlement {
  /** Pay protocol → lenders: the proceeds less refundQuote. */
  repaidQuote: number;
  /** Pay protocol → accounts: proceeds above an account's whole remaining debt (the fill beat the expected price). */
  refundQuote: number;
  /**
   * Slippage x·(S − fill) of accounts that were closed between act() and the
   * fill (liquidated in the meantime): their debt was cut by x·S, lenders got
   * x·fill, so lenders bear this (negative: a gain). Zero when the protocol
   * liquidates after act() in the same round, as the wiring below does.
   */
  unsettledQuote: number;
}

export function makeDeleverageSettlement(): DeleverageSettlement {
  return { repaidQuote: 0, refundQuote: 0, unsettledQuote: 0 };
}

/**
 * Pre-emptive deleveraging: accounts that sell collateral themselves before
 * the protocol would liquidate them. Account-sized state is journaled with
 * the ladder's: begin/commit/rollback follow the protocol's save/restore.
 */
export interface PreemptiveDeleveraging extends Saveable {
  /** Decides this round's sales at the oracle and expected sale price; writes `out`. */
  act(oraclePrice: number, salePrice: number, thresholdMultiplier: number, signals: StressSignals, out: DeleverageRound): void;
  /** Collateral decided but not yet sold, base units. */
  readonly pendingUnits: number;
  /** Shares out one fill of `units` sold for `proceedsQuote`; writes `out`. */
  settle(units: number, proceedsQuote: number, out: DeleverageSettlement): void;
  /** An account's collateral or debt changed outside deleveraging (a liquidation). */
  onAccountChanged(account: number): void;
  beginJournal(): void;
  commitJournal(): void;
  rollback(): void;
}

/** Backstop depositors who withdraw under stress (capital flight). */
export interface BackstopCapitalFlight extends Saveable {
  declareColumns(rec: Recorder): void;
  /** After the pool mechanism's beginBar, before the rounds. */
  beginBar(bar: number, timeMs: number, signals: StressSignals, pool: BackstopPoolMechanism, ledger: Ledger, mid: number): void;
  /** After the pool mechanism's endBar. */
  endBar(bar: number, rec: Recorder, pool: BackstopPoolMechanism, ledger: Ledger, mid: number): void;
}

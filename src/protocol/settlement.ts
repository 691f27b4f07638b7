import { ConfigError, invariant } from '../core/errors.js';
import { PARTY, PARTY_NAMES, type Ledger, type PartyName } from '../sim/ledger.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';
import type { LotBook } from './lots.js';

/**
 * Settlement of a finished liquidation lot (docs/model.md#settlement:
 * shortfall goes to the insurance fund, then to bad debt or
 * socialized loss; every unit is accounted).
 *
 * When a lot closes, the protocol party holds its proceeds P in cash (and any
 * unsold collateral). With D the lot's debt:
 *   repaid      = min(P, D)                       protocol → lenders
 *   surplus     = P − repaid, split into
 *     penalty   = min(surplus, D · penaltyCapFractionOfDebt)
 *       keeper  = penalty · keeperShareOfPenalty   protocol → keepers
 *       fund    = penalty − keeper                 protocol → insuranceFund
 *     returned  = surplus − penalty               protocol → accounts (the
 *                 agent credits the account; `out.returnedQuote`)
 *   shortfall   = D − repaid
 *     fundPaid  = min(shortfall, fund balance)     insuranceFund → lenders
 *     residual  = shortfall − fundPaid, then by policy:
 *       'bad-debt':  all of it is bad debt (lenders' claim written off, no cash moves);
 *       'socialize': charged to the configured parties by weight: a party
 *                    other than the lenders pays its share in cash to the
 *                    lenders, capped at its positive cash balance
 *                    (auto-deleveraging of winners); the lenders' own share
 *                    is a haircut (written off, recorded as socialized);
 *                    what the capped parties cannot pay is bad debt.
 *
 * Accounting identity (per lot, hence summed over closed lots):
 *   Σ repaid + Σ fundPaid + Σ socializedPaid + Σ haircut + Σ badDebt = Σ debt.
 * Lenders receive repaid + fundPaid + socializedPaid in cash through the
 * Ledger; haircut + badDebt is the part of their claim written off.
 */

export type LossPolicy = 'bad-debt' | 'socialize';

export interface SettlementConfig {
  /**
   * Share of the realised penalty paid to keepers, in [0, 1]; the rest goes
   * to the insurance fund. Default 0.5 (assumption: Aave pays the whole
   * liquidation bonus to the liquidator, i.e. 1; MakerDAO 2.0 sends the
   * penalty to its surplus buffer and pays keepers a separate tip, i.e. ≈ 0).
   */
  keeperShareOfPenalty: number;
  /**
   * Largest penalty the protocol keeps, as a fraction of the lot's debt, >= 0
   * (Infinity: keep every surplus). Surplus above it goes back to the
   * account, as MakerDAO returns collateral left after the tab is raised.
   * Default Infinity (the ladder seizes only debt · (1 + penalty) of
   * collateral, so the surplus is the penalty by construction).
   */
  penaltyCapFractionOfDebt: number;
  /** What happens to a shortfall the insurance fund cannot pay. Default 'bad-debt'. */
  lossPolicy: LossPolicy;
  /**
   * 'socialize' only: parties that bear the residual, by weight. 'lenders'
   * means a haircut of the lenders' claim. Default ['lenders'] with weight [1].
   */
  socializeParties: readonly PartyName[];
  /** Weights of `socializeParties`, >= 0, not all 0, same length. Default [1]. */
  socializeWeights: readonly number[];
}

export interface InsuranceFundConfig {
  /**
   * Capital in the fund before the run, quote, >= 0. No published default for
   * a generic protocol (MakerDAO's surplus buffer on 12 March 2020 was under
   * 1M DAI against 5.67M DAI of bad debt): expose it and sweep it.
   */
  initialQuote: number;
}

/** Throws a located ConfigError for a settlement config out of range. */
export function checkSettlementConfig(cfg: SettlementConfig, path = 'protocol.settlement'): void {
  const k = cfg.keeperShareOfPenalty;
  if (!(k >= 0 && k <= 1)) throw new ConfigError(`must be in [0, 1], got ${k}`, { field: `${path}.keeperShareOfPenalty` });
  if (!(cfg.penaltyCapFractionOfDebt >= 0)) {
    throw new ConfigError(`must be >= 0 (Infinity for no cap), got ${cfg.penaltyCapFractionOfDebt}`, { field: `${path}.penaltyCapFractionOfDebt` });
  }
  if (cfg.lossPolicy !== 'bad-debt' && cfg.lossPolicy !== 'socialize') {
    throw new ConfigError(`must be 'bad-debt' or 'socialize', got '${String(cfg.lossPolicy)}'`, { field: `${path}.lossPolicy` });
  }
  if (cfg.lossPolicy === 'socialize') {
    if (cfg.socializeParties.length === 0 || cfg.socializeParties.length !== cfg.socializeWeights.length) {
      throw new ConfigError(
        `needs one weight per party (${cfg.socializeParties.length} parties, ${cfg.socializeWeights.length} weights, at least one)`,
        { field: `${path}.socializeWeights` },
      );
    }
    let w = 0;
    cfg.socializeParties.forEach((p, i) => {
      if (!(PARTY_NAMES as readonly string[]).includes(p)) throw new ConfigError(`unknown party '${p}' (expected one of ${PARTY_NAMES.join(', ')})`, { field: `${path}.socializeParties.${i}` });
      if (p === 'protocol' || p === 'insuranceFund') throw new ConfigError(`'${p}' cannot bear socialized loss (it is the payer of the shortfall)`, { field: `${path}.socializeParties.${i}` });
      const wi = cfg.socializeWeights[i];
      if (!(wi >= 0 && Number.isFinite(wi))) throw new ConfigError(`must be finite and >= 0, got ${wi}`, { field: `${path}.socializeWeights.${i}` });
      w += wi;
    });
    if (!(w > 0)) throw new ConfigError('weights must not all be 0', { field: `${path}.socializeWeights` });
  }
}

/** What settling one lot did; a caller-owned object reused across calls. */
export interface SettlementResult {
  lot: number;
  account: number;
  debtQuote: number;
  proceedsQuote: number;
  repaidQuote: number;
  penaltyQuote: number;
  keeperQuote: number;
  fundIncomeQuote: number;
  returnedQuote: number;
  shortfallQuote: number;
  fundPaidQuote: number;
  /** Cash paid to lenders by socializing parties other than the lenders. */
  socializedPaidQuote: number;
  /** The lenders' own share of a socialized loss (written off). */
  haircutQuote: number;
  badDebtQuote: number;
  /** Collateral left unsold at close; it stays with the protocol party. */
  unsoldBase: number;
}

export function makeSettlementResult(): SettlementResult {
  return {
    lot: -1, account: -1, debtQuote: 0, proceedsQuote: 0, repaidQuote: 0, penaltyQuote: 0, keeperQuote: 0, fundIncomeQuote: 0,
    returnedQuote: 0, shortfallQuote: 0, fundPaidQuote: 0, socializedPaidQuote: 0, haircutQuote: 0, badDebtQuote: 0, unsoldBase: 0,
  };
}

/** Indices of the per-bar and total settlement figures; names are the recorded column names. */
export const SETTLE = {
  lotsClosed: 0,
  volumeQuote: 1,
  debtQuote: 2,
  repaidQuote: 3,
  penaltyQuote: 4,
  keeperQuote: 5,
  fundIncomeQuote: 6,
  fundPaidQuote: 7,
  socializedQuote: 8,
  badDebtQuote: 9,
  returnedQuote: 10,
  unsoldBase: 11,
} as const;
const SETTLE_COLUMNS = [
  'liq_lots_closed', 'liq_volume_quote', 'liq_debt_quote', 'liq_repaid_quote', 'liq_penalty_quote', 'liq_keeper_quote',
  'insurance_fund_income_quote', 'insurance_fund_paid_quote', 'socialized_loss_quote', 'bad_debt_quote', 'liq_returned_quote', 'liq_unsold_base',
] as const;
const NSTAT = SETTLE_COLUMNS.length;
const FUND_COLUMNS = [...SETTLE_COLUMNS, 'insurance_fund_quote', 'bad_debt_cum_quote'] as const;
export type FundColumn = (typeof FUND_COLUMNS)[number];

/**
 * The insurance fund: its balance is the cash of ledger party
 * 'insuranceFund', so it cannot drift from what the ledger holds. It also
 * keeps the settlement figures per bar (`bar`, reset by `beginBar`) and for
 * the run (`total`), indexed by SETTLE.
 */
export class InsuranceFund extends Stateful {
  readonly party = PARTY.insuranceFund;
  readonly initialQuote: number;
  readonly bar = new Float64Array(NSTAT);
  readonly total = new Float64Array(NSTAT);
  private endowed = 0;
  /** The recorded columns; null until `declareColumns` (nothing is recorded without them). */
  columns: Columns<FundColumn> | null = null;
  /** The per-bar figures' columns in SETTLE order. */
  private settleCols: Float64Array[] = [];

  constructor(cfg: InsuranceFundConfig, path = 'protocol.insuranceFund') {
    super();
    if (!(cfg.initialQuote >= 0 && Number.isFinite(cfg.initialQuote))) {
      throw new ConfigError(`must be finite and >= 0, got ${cfg.initialQuote}`, { field: `${path}.initialQuote` });
    }
    this.initialQuote = cfg.initialQuote;
  }

  /**
   * Deposits the initial capital, once, before the first bar. It comes from
   * `from` (default the counterparties, i.e. the rest of the market), so the
   * ledger's column sums stay where they were.
   */
  endow(ledger: Ledger, from: number = PARTY.counterparties): void {
    if (this.endowed === 1) return;
    ledger.payCash(from, this.party, this.initialQuote);
    this.endowed = 1;
  }

  balance(ledger: Ledger): number {
    return ledger.cash[this.party];
  }

  record(r: SettlementResult): void {
    addResult(this.bar, r);
    addResult(this.total, r);
  }

  declareColumns(rec: Recorder): void {
    const cols = rec.columns(FUND_COLUMNS);
    this.columns = cols;
    this.settleCols = SETTLE_COLUMNS.map((n) => cols[n]);
  }

  beginBar(): void {
    this.bar.fill(0);
  }

  endBar(bar: number, ledger: Ledger): void {
    for (let k = 0; k < this.settleCols.length; k++) this.settleCols[k][bar] = this.bar[k];
    const c = this.columns;
    if (c === null) return;
    c.insurance_fund_quote[bar] = this.balance(ledger);
    c.bad_debt_cum_quote[bar] = this.total[SETTLE.badDebtQuote];
  }

  protected describeState(): Saveable {
    return stateOf(arrays(this.bar, this.total), ownScalars(this, ['endowed']));
  }

}

function addResult(acc: Float64Array, r: SettlementResult): void {
  acc[SETTLE.lotsClosed] += 1;
  acc[SETTLE.volumeQuote] += r.proceedsQuote;
  acc[SETTLE.debtQuote] += r.debtQuote;
  acc[SETTLE.repaidQuote] += r.repaidQuote;
  acc[SETTLE.penaltyQuote] += r.penaltyQuote;
  acc[SETTLE.keeperQuote] += r.keeperQuote;
  acc[SETTLE.fundIncomeQuote] += r.fundIncomeQuote;
  acc[SETTLE.fundPaidQuote] += r.fundPaidQuote;
  acc[SETTLE.socializedQuote] += r.socializedPaidQuote + r.haircutQuote;
  acc[SETTLE.badDebtQuote] += r.badDebtQuote;
  acc[SETTLE.returnedQuote] += r.returnedQuote;
  acc[SETTLE.unsoldBase] += r.unsoldBase;
}

/**
 * Settles lot `lot` (see the header for the waterfall), records it in the
 * fund's figures, writes the details into `out` and frees the slot. The
 * caller (the protocol agent's `closeLot`) credits `out.returnedQuote` to the
 * account in its own account book; the ledger has already moved the cash.
 */
export function settleLot(lot: number, lots: LotBook, ledger: Ledger, fund: InsuranceFund, cfg: SettlementConfig, out: SettlementResult): void {
  invariant(lots.isOpen(lot), `settleLot of lot ${lot}, which is not open`);
  const debt = lots.debtQuote[lot];
  const proceeds = lots.proceedsQuote[lot];
  invariant(proceeds >= 0, `lot ${lot} has negative proceeds ${proceeds}`);
  const P = PARTY.protocol;
  const L = PARTY.lenders;

  const repaid = Math.min(proceeds, debt);
  ledger.payCash(P, L, repaid);

  const surplus = proceeds - repaid;
  const penalty = Math.min(surplus, debt * cfg.penaltyCapFractionOfDebt);
  const keeper = penalty * cfg.keeperShareOfPenalty;
  const fundIncome = penalty - keeper;
  const returned = surplus - penalty;
  ledger.payCash(P, PARTY.keepers, keeper);
  ledger.payCash(P, fund.party, fundIncome);
  ledger.payCash(P, PARTY.accounts, returned);

  const shortfall = debt - repaid;
  const fundPaid = Math.min(shortfall, Math.max(0, ledger.cash[fund.party]));
  ledger.payCash(fund.party, L, fundPaid);

  const residual = shortfall - fundPaid;
  let socializedPaid = 0;
  let haircut = 0;
  let badDebt = residual;
  if (residual > 0 && cfg.lossPolicy === 'socialize') {
    let wSum = 0;
    for (let k = 0; k < cfg.socializeWeights.length; k++) wSum += cfg.socializeWeights[k];
    let uncovered = 0;
    for (let k = 0; k < cfg.socializeParties.length; k++) {
      const share = (residual * cfg.socializeWeights[k]) / wSum;
      const party = PARTY[cfg.socializeParties[k]];
      if (party === L) {
        haircut += share;
        continue;
      }
      const pay = Math.min(share, Math.max(0, ledger.cash[party]));
      ledger.payCash(party, L, pay);
      socializedPaid += pay;
      uncovered += share - pay;
    }
    badDebt = uncovered;
  }

  out.lot = lot;
  out.account = lots.account[lot];
  out.debtQuote = debt;
  out.proceedsQuote = proceeds;
  out.repaidQuote = repaid;
  out.penaltyQuote = penalty;
  out.keeperQuote = keeper;
  out.fundIncomeQuote = fundIncome;
  out.returnedQuote = returned;
  out.shortfallQuote = shortfall;
  out.fundPaidQuote = fundPaid;
  out.socializedPaidQuote = socializedPaid;
  out.haircutQuote = haircut;
  out.badDebtQuote = badDebt;
  out.unsoldBase = lots.remainingBase[lot];
  fund.record(out);
  lots.free(lot);
}

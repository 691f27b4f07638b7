import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { Recorder } from '../../src/sim/recorder.js';
import { LotBook } from '../../src/protocol/lots.js';
import {
  InsuranceFund, SETTLE, checkSettlementConfig, makeSettlementResult, settleLot,
  type SettlementConfig, type SettlementResult,
} from '../../src/protocol/settlement.js';

const BASE_CFG: SettlementConfig = {
  keeperShareOfPenalty: 0.5,
  penaltyCapFractionOfDebt: Infinity,
  lossPolicy: 'bad-debt',
  socializeParties: ['lenders'],
  socializeWeights: [1],
};

/**
 * One lot whose collateral (SEIZED units) was sold for PROCEEDS quote: the
 * protocol holds the proceeds in cash (bought by the counterparties), as
 * after a direct sale. Returns everything needed to settle and check it.
 */
function soldLot(opts: { debt: number; proceeds: number; fund: number; cfg?: Partial<SettlementConfig>; seized?: number; unsold?: number }) {
  const seized = opts.seized ?? 10;
  const unsold = opts.unsold ?? 0;
  const ledger = new Ledger();
  const lots = new LotBook(8);
  const fund = new InsuranceFund({ initialQuote: opts.fund });
  fund.endow(ledger);
  ledger.moveAsset(PARTY.counterparties, PARTY.accounts, seized);
  const lot = lots.open(7, seized, opts.debt, 100, 0);
  ledger.moveAsset(PARTY.accounts, PARTY.protocol, seized);
  const sold = seized - unsold;
  if (sold > 0) ledger.trade(PARTY.counterparties, PARTY.protocol, sold, opts.proceeds / sold);
  lots.remainingBase[lot] = unsold;
  lots.proceedsQuote[lot] = opts.proceeds;
  const cfg = { ...BASE_CFG, ...opts.cfg };
  const out = makeSettlementResult();
  return { ledger, lots, fund, lot, cfg, out, info: JSON.stringify({ ...opts, cfg }) };
}

/** Σ repaid + fund paid + socialized + bad debt = debt, and lenders' cash is exactly what was paid to them. */
function expectIdentity(r: SettlementResult, ledger: Ledger, info: string): void {
  const lhs = r.repaidQuote + r.fundPaidQuote + r.socializedPaidQuote + r.haircutQuote + r.badDebtQuote;
  // Rounding only: the waterfall is a few additions of quote amounts of order 1e3.
  expect(Math.abs(lhs - r.debtQuote), info).toBeLessThanOrEqual(1e-12 * r.debtQuote);
  expect(Math.abs(ledger.cash[PARTY.lenders] - (r.repaidQuote + r.fundPaidQuote + r.socializedPaidQuote)), info).toBeLessThanOrEqual(1e-12 * r.debtQuote);
  // The protocol keeps no cash after settling: every unit of proceeds went somewhere.
  expect(Math.abs(ledger.cash[PARTY.protocol]), info).toBeLessThanOrEqual(1e-12 * r.debtQuote);
  expect(Math.abs(ledger.totalCash()), info).toBeLessThanOrEqual(1e-12 * r.debtQuote);
  expect(Math.abs(ledger.totalAsset()), info).toBeLessThanOrEqual(1e-12);
}

describe('settleLot: the liquidation waterfall', () => {
  it('surplus: proceeds 1100 on debt 1000 repay the lenders and split the 100 penalty half to keepers, half to the fund', () => {
    const s = soldLot({ debt: 1000, proceeds: 1100, fund: 0 });
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    const r = s.out;
    expect(r.repaidQuote, s.info).toBe(1000);
    expect(r.penaltyQuote, s.info).toBeCloseTo(100, 9);
    expect(s.ledger.cash[PARTY.keepers], s.info).toBeCloseTo(50, 9);
    expect(s.ledger.cash[PARTY.insuranceFund], s.info).toBeCloseTo(50, 9);
    expect(r.badDebtQuote + r.fundPaidQuote, s.info).toBe(0);
    expect(s.lots.count, s.info).toBe(0);
    expectIdentity(r, s.ledger, s.info);
  });

  it('shortfall the fund can pay: proceeds 900 on debt 1000, fund 250 → fund pays 100, keeps 150, no bad debt', () => {
    const s = soldLot({ debt: 1000, proceeds: 900, fund: 250 });
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    expect(s.out.fundPaidQuote, s.info).toBeCloseTo(100, 9);
    expect(s.fund.balance(s.ledger), s.info).toBeCloseTo(150, 9);
    expect(s.out.badDebtQuote, s.info).toBeCloseTo(0, 9);
    expect(s.ledger.cash[PARTY.lenders], s.info).toBeCloseTo(1000, 9);
    expectIdentity(s.out, s.ledger, s.info);
  });

  it('shortfall beyond the fund: fund 30 pays 30, the other 70 is bad debt and the lenders get 930', () => {
    const s = soldLot({ debt: 1000, proceeds: 900, fund: 30 });
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    expect(s.out.fundPaidQuote, s.info).toBeCloseTo(30, 9);
    expect(s.out.badDebtQuote, s.info).toBeCloseTo(70, 9);
    expect(s.fund.balance(s.ledger), s.info).toBeCloseTo(0, 9);
    expect(s.ledger.cash[PARTY.lenders], s.info).toBeCloseTo(930, 9);
    expectIdentity(s.out, s.ledger, s.info);
  });

  it('socialized loss: residual 100 split 3:1 between the strategy (cash 50, so capped) and a lenders\' haircut; 25 stays bad debt', () => {
    // Shares: strategy 75, lenders 25. The strategy has only 50 of cash, so it
    // pays 50 (auto-deleveraging cannot take more than a party has) and the
    // uncovered 25 is bad debt; the lenders' 25 is a haircut.
    const s = soldLot({ debt: 1000, proceeds: 900, fund: 0, cfg: { lossPolicy: 'socialize', socializeParties: ['strategy', 'lenders'], socializeWeights: [3, 1] } });
    s.ledger.payCash(PARTY.counterparties, PARTY.strategy, 50);
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    expect(s.out.socializedPaidQuote, s.info).toBeCloseTo(50, 9);
    expect(s.out.haircutQuote, s.info).toBeCloseTo(25, 9);
    expect(s.out.badDebtQuote, s.info).toBeCloseTo(25, 9);
    expect(s.ledger.cash[PARTY.strategy], s.info).toBeCloseTo(0, 9);
    expect(s.ledger.cash[PARTY.lenders], s.info).toBeCloseTo(950, 9);
    expectIdentity(s.out, s.ledger, s.info);
  });

  it('penalty cap: proceeds 1300 on debt 1000 with a 10% cap keep a 100 penalty and return 200 to the account', () => {
    const s = soldLot({ debt: 1000, proceeds: 1300, fund: 0, cfg: { penaltyCapFractionOfDebt: 0.1, keeperShareOfPenalty: 1 } });
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    expect(s.out.penaltyQuote, s.info).toBeCloseTo(100, 9);
    expect(s.out.returnedQuote, s.info).toBeCloseTo(200, 9);
    expect(s.ledger.cash[PARTY.accounts], s.info).toBeCloseTo(200, 9);
    expect(s.ledger.cash[PARTY.keepers], s.info).toBeCloseTo(100, 9);
    expect(s.out.account, s.info).toBe(7);
    expectIdentity(s.out, s.ledger, s.info);
  });

  it('unsold collateral stays with the protocol and is reported; only cash proceeds repay the debt', () => {
    const s = soldLot({ debt: 1000, proceeds: 600, fund: 0, seized: 10, unsold: 4 });
    settleLot(s.lot, s.lots, s.ledger, s.fund, s.cfg, s.out);
    expect(s.out.unsoldBase, s.info).toBe(4);
    expect(s.ledger.asset[PARTY.protocol], s.info).toBe(4);
    expect(s.out.badDebtQuote, s.info).toBeCloseTo(400, 9);
    expectIdentity(s.out, s.ledger, s.info);
  });

  it('accumulates per-bar and total figures and records them', () => {
    const ledger = new Ledger();
    const lots = new LotBook(4);
    const fund = new InsuranceFund({ initialQuote: 20 });
    const rec = new Recorder(2);
    fund.declareColumns(rec);
    fund.endow(ledger);
    fund.endow(ledger); // a second call must not deposit again
    expect(fund.balance(ledger)).toBe(20);
    const out = makeSettlementResult();
    const settle = (debt: number, proceeds: number): void => {
      const lot = lots.open(0, 1, debt, 100, 0);
      ledger.moveAsset(PARTY.accounts, PARTY.protocol, 1);
      ledger.trade(PARTY.counterparties, PARTY.protocol, 1, proceeds);
      lots.remainingBase[lot] = 0;
      lots.proceedsQuote[lot] = proceeds;
      settleLot(lot, lots, ledger, fund, BASE_CFG, out);
    };
    fund.beginBar();
    settle(100, 110); // +5 fund income
    fund.endBar(0, ledger);
    fund.beginBar();
    settle(100, 50); // shortfall 50: fund pays 25, 25 bad debt
    settle(100, 100);
    fund.endBar(1, ledger);
    const col = (n: string): number[] => Array.from(rec.get(n));
    expect(col('liq_lots_closed')).toEqual([1, 2]);
    expect(col('liq_volume_quote')).toEqual([110, 150]);
    expect(col('insurance_fund_income_quote')).toEqual([5, 0]);
    expect(col('insurance_fund_paid_quote')).toEqual([0, 25]);
    expect(col('bad_debt_quote')).toEqual([0, 25]);
    expect(col('bad_debt_cum_quote')).toEqual([0, 25]);
    expect(col('insurance_fund_quote')).toEqual([25, 0]);
    expect(fund.total[SETTLE.lotsClosed]).toBe(3);
    expect(fund.total[SETTLE.debtQuote]).toBe(300);
    const t = fund.total;
    // Identity over the run: Σ repaid + fund paid + socialized + bad debt = Σ debt.
    expect(t[SETTLE.repaidQuote] + t[SETTLE.fundPaidQuote] + t[SETTLE.socializedQuote] + t[SETTLE.badDebtQuote]).toBeCloseTo(t[SETTLE.debtQuote], 9);
    // Save/load round trip restores the figures.
    const buf = new Float64Array(fund.stateSize);
    fund.saveState(buf, 0);
    const copy = new InsuranceFund({ initialQuote: 20 });
    copy.loadState(buf, 0);
    expect(Array.from(copy.total)).toEqual(Array.from(fund.total));
  });

  it('rejects bad settlement configs with the field named', () => {
    const cases: Array<[Partial<SettlementConfig>, string]> = [
      [{ keeperShareOfPenalty: 1.5 }, 'protocol.settlement.keeperShareOfPenalty'],
      [{ penaltyCapFractionOfDebt: -1 }, 'protocol.settlement.penaltyCapFractionOfDebt'],
      [{ lossPolicy: 'socialize', socializeParties: ['strategy'], socializeWeights: [1, 2] }, 'protocol.settlement.socializeWeights'],
      [{ lossPolicy: 'socialize', socializeParties: ['nobody' as 'strategy'], socializeWeights: [1] }, 'protocol.settlement.socializeParties.0'],
      [{ lossPolicy: 'socialize', socializeParties: ['insuranceFund'], socializeWeights: [1] }, 'protocol.settlement.socializeParties.0'],
      [{ lossPolicy: 'socialize', socializeParties: ['strategy'], socializeWeights: [0] }, 'protocol.settlement.socializeWeights'],
      [{ lossPolicy: 'haircut' as 'bad-debt' }, 'protocol.settlement.lossPolicy'],
    ];
    for (const [over, field] of cases) {
      let err: unknown;
      try {
        checkSettlementConfig({ ...BASE_CFG, ...over });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(over)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).location.field, JSON.stringify(over)).toBe(field);
    }
    expect(() => new InsuranceFund({ initialQuote: -1 })).toThrow(/protocol.insuranceFund.initialQuote/);
  });
});

describe('LotBook', () => {
  it('reuses freed slots, walks open lots in opening order, and survives a save/load round trip', () => {
    const lots = new LotBook(3);
    const a = lots.open(1, 1, 10, 100, 0);
    const b = lots.open(2, 2, 20, 100, 0);
    const c = lots.open(3, 3, 30, 100, 0);
    expect(() => lots.open(4, 1, 1, 100, 0)).toThrow(/lot book full: 3/);
    const walk = (): number[] => {
      const ids: number[] = [];
      for (let l = lots.first(); l !== -1; l = lots.next(l)) ids.push(lots.account[l]);
      return ids;
    };
    expect(walk()).toEqual([1, 2, 3]);
    lots.free(b);
    expect(lots.count).toBe(2);
    const d = lots.open(4, 4, 40, 100, 0);
    expect(d).toBe(b); // the freed slot is reused
    expect(walk()).toEqual([1, 3, 4]); // but the lot joins at the end: opening order, not slot order
    const buf = new Float64Array(lots.stateSize + 2);
    lots.saveState(buf, 1);
    lots.free(a);
    lots.free(c);
    lots.open(9, 9, 90, 100, 0);
    lots.loadState(buf, 1);
    expect(walk()).toEqual([1, 3, 4]);
    expect(lots.count).toBe(3);
    expect(lots.debtQuote[d]).toBe(40);
    expect(() => lots.free(99)).toThrow(/not open/);
    expect(() => lots.open(0, 0, 1, 100, 0)).toThrow(/seizedBase/);
  });
});

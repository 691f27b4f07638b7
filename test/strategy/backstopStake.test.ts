import { describe, expect, it } from 'vitest';
import { PARTY, Ledger } from '../../src/sim/ledger.js';
import { BackstopStake, type PoolAccess } from '../../src/strategy/backstop/stake.js';

/** A pool that holds quote in its ledger party and collateral at the mid (the committed value), like BackstopPoolMechanism. */
const pool: PoolAccess = {
  party: PARTY.backstopPool,
  availableQuote: (l) => l.cash[PARTY.backstopPool],
  committedQuote: (l, mid) => l.cash[PARTY.backstopPool] + l.asset[PARTY.backstopPool] * mid,
};

function setup(lockupBars = 0, feePct = 0): { stake: BackstopStake; ledger: Ledger } {
  const ledger = new Ledger();
  ledger.endow(PARTY.backstopPool, 1_000_000, 0); // the other depositors' capital
  ledger.endow(PARTY.strategy, 500_000, 0);
  ledger.endow(PARTY.protocol, 0, 100);
  return { stake: new BackstopStake(lockupBars, feePct, PARTY.strategy), ledger };
}

describe('BackstopStake (story: a third of the pool, then the pool buys collateral at a 10% discount)', () => {
  it('a deposit buys shares at the pool price and moves cash into the pool', () => {
    const { stake, ledger } = setup();
    expect(stake.deposit(500_000, pool, ledger, 100)).toBe('');
    expect(stake.otherShares).toBe(1_000_000);
    expect(stake.shares).toBe(500_000);
    expect(ledger.cash[PARTY.strategy]).toBe(0);
    expect(stake.valueQuote(pool, ledger, 100)).toBe(500_000);
  });

  it('earns a third of the discount while the collateral holds its price, and loses a third of the fall after', () => {
    const { stake, ledger } = setup();
    stake.deposit(500_000, pool, ledger, 100);
    // The pool buys 100 units at 90 (10% under an oracle of 100) from the protocol.
    ledger.trade(PARTY.backstopPool, PARTY.protocol, 100, 90);
    // At a mid of 100: pool 1,491,000 cash + 100 · 100 = 1,501,000; a third is 500,333.33.
    expect(stake.valueQuote(pool, ledger, 100)).toBeCloseTo(1_501_000 / 3, 6);
    // The knife keeps falling to 60: pool 1,491,000 + 6,000 = 1,497,000; a third is 499,000.
    expect(stake.valueQuote(pool, ledger, 60)).toBeCloseTo(1_497_000 / 3, 6);
  });

  it('refuses a deposit beyond its cash and a withdrawal with nothing staked', () => {
    const { stake, ledger } = setup();
    expect(stake.deposit(600_000, pool, ledger, 100)).toMatch(/needs 600000.00 quote of cash/);
    expect(stake.requestWithdrawal(1, 0, pool, ledger, 100)).toBe('no stake left to withdraw');
    expect(stake.deposit(-1, pool, ledger, 100)).toMatch(/finite and > 0/);
  });

  it('pays a withdrawal after the lock-up at the price then, less the fee, which stays in the pool', () => {
    const { stake, ledger } = setup(3, 1);
    stake.deposit(500_000, pool, ledger, 100);
    const total = ledger.totalCash();
    expect(stake.requestWithdrawal(500_000, 10, pool, ledger, 100)).toBe('');
    expect(stake.payDue(12, pool, ledger, 100)).toBe(0); // still locked
    // While locked, the pool absorbs: the stake keeps its third of the loss (buy at 90, worth 60).
    ledger.trade(PARTY.backstopPool, PARTY.protocol, 100, 90);
    const paid = stake.payDue(13, pool, ledger, 60);
    // Gross 1,497,000 / 3 = 499,000; fee 1% = 4,990; net 494,010.
    expect(paid).toBeCloseTo(494_010, 6);
    expect(stake.totals.feeQuote).toBeCloseTo(4_990, 6);
    expect(stake.shares).toBe(0);
    expect(ledger.cash[PARTY.strategy]).toBeCloseTo(494_010, 6);
    expect(ledger.totalCash()).toBeCloseTo(total, 6);
  });

  it('a pool short of quote pays what it has and owes the rest at the next bars', () => {
    const { stake, ledger } = setup();
    stake.deposit(500_000, pool, ledger, 100);
    // The pool spends almost all its quote on 16,000 units at 90 (1,440,000), worth 100 each.
    ledger.endow(PARTY.protocol, 0, 16_000);
    ledger.trade(PARTY.backstopPool, PARTY.protocol, 16_000, 90);
    stake.requestWithdrawal(1e9, 0, pool, ledger, 100); // the whole stake
    const first = stake.payDue(0, pool, ledger, 100);
    expect(first).toBeCloseTo(60_000, 6); // all the available quote
    expect(stake.pendingShares).toBeGreaterThan(0);
    // The pool resells collateral; the rest is paid.
    ledger.trade(PARTY.protocol, PARTY.backstopPool, 10_000, 100);
    const second = stake.payDue(1, pool, ledger, 100);
    // Claim was (60,000 + 1,600,000)/3 = 553,333.33 gross; the pool then held 1,100,000 after paying 60,000.
    expect(first + second).toBeCloseTo(1_660_000 / 3, 4);
    expect(stake.shares).toBe(0);
  });
});

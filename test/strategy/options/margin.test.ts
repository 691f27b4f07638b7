import { describe, expect, it } from 'vitest';
import { optionMarginSchema } from '../../../src/config/strategyOptionsSchema.js';
import { OptionBook } from '../../../src/dealer/book.js';
import {
  accountEquity, bookMargin, fundingVerdict, makeMarginRequirement, otmAmount, shortInitialMargin, shortMaintenanceMargin, underMaintenance,
} from '../../../src/strategy/options/margin.js';

const CALL = 1;
const PUT = -1;
/** The venues' standard figures: a = 15%, b = 10%, m = 7.5%. */
const P = optionMarginSchema.parse({});
const S = 100;

describe('short-option margin, hand-computed at S = 100 with a = 0.15, b = 0.10, m = 0.075', () => {
  // Rows: [name, kind, strike, mark, initial per unit, maintenance per unit], worked by hand in the comment.
  const rows: Array<[string, number, number, number, number, number]> = [
    // OTM 10: max(15 − 10, 10) + 2 = 12; 7.5 + 2 = 9.5
    ['put 10% OTM', PUT, 90, 2, 12, 9.5],
    // OTM 0: max(15, 10) + 11 = 26; 7.5 + 11 = 18.5
    ['put 10% ITM', PUT, 110, 11, 26, 18.5],
    // OTM 2: max(15 − 2, 10) + 3 = 16; 7.5 + 3 = 10.5
    ['call 2% OTM', CALL, 102, 3, 16, 10.5],
    // OTM 30: max(15 − 30, 10) + 0.2 = 10.2; 7.5 + 0.2 = 7.7
    ['call 30% OTM (floor)', CALL, 130, 0.2, 10.2, 7.7],
    // OTM 0: max(15, 10) + 6 = 21; 7.5 + 6 = 13.5
    ['call ATM', CALL, 100, 6, 21, 13.5],
    // deep ITM put: MM = max(7.5, 0.075 · 300) + 300 = 322.5 exceeds max(15, 10) + 300 = 315, so IM = 322.5
    ['put K = 400 (IM lifted to MM)', PUT, 400, 300, 322.5, 322.5],
  ];
  for (const [name, kind, K, mark, im, mm] of rows) {
    it(name, () => {
      expect(shortInitialMargin(kind, S, K, mark, P)).toBeCloseTo(im, 12);
      expect(shortMaintenanceMargin(S, mark, P)).toBeCloseTo(mm, 12);
    });
  }

  it('OTM amounts', () => {
    expect(otmAmount(PUT, 100, 90)).toBe(10);
    expect(otmAmount(PUT, 100, 110)).toBe(0);
    expect(otmAmount(CALL, 100, 102)).toBe(2);
    expect(otmAmount(CALL, 100, 95)).toBe(0);
  });
});

describe('bookMargin', () => {
  it('sums |q| · per-unit margin over short options; long options need none', () => {
    const book = new OptionBook(4);
    const exp = 1e12;
    book.add(90, exp, PUT, -3);
    book.add(102, exp, CALL, -2);
    book.add(80, exp, PUT, 5); // long: premium paid, no margin
    book.price[0] = 2;
    book.price[1] = 3;
    book.price[2] = 0.5;
    const r = bookMargin(book, S, P, makeMarginRequirement());
    // 3 · 12 + 2 · 16 = 68; 3 · 9.5 + 2 · 10.5 = 49.5
    expect(r.initial).toBeCloseTo(68, 12);
    expect(r.maintenance).toBeCloseTo(49.5, 12);
  });

  it('a book of long options only has no requirement', () => {
    const book = new OptionBook(1);
    book.add(90, 1e12, PUT, 10);
    book.price[0] = 4;
    const r = bookMargin(book, S, P, makeMarginRequirement());
    expect(r.initial).toBe(0);
    expect(r.maintenance).toBe(0);
  });
});

describe('funding and maintenance', () => {
  it('a put sale is funded only when equity covers its initial margin (story: 3 puts at K = 90 need 36)', () => {
    // Sell 3 puts at 2: cash +6, options −6, so equity is unchanged by the sale itself.
    const cashBefore = 30;
    const cashAfter = cashBefore + 3 * 2;
    const equity = accountEquity(cashAfter, 0, S, -3 * 2);
    expect(equity).toBe(30);
    expect(fundingVerdict(cashAfter, equity, 36)).toBe('initial-margin');
    expect(fundingVerdict(cashAfter + 6, equity + 6, 36)).toBe('');
  });

  it('a long option or spot buy is refused when cash would go negative', () => {
    expect(fundingVerdict(-0.01, 1_000, 0)).toBe('cash');
    expect(fundingVerdict(0, 0, 0)).toBe('');
  });

  it('an account is liquidated strictly below maintenance, never when it has none', () => {
    expect(underMaintenance(49.49, 49.5)).toBe(true);
    expect(underMaintenance(49.5, 49.5)).toBe(false);
    expect(underMaintenance(-5, 0)).toBe(false);
  });

  it('equity counts cash, spot at the mid and the options mark', () => {
    expect(accountEquity(1_000, 2, 100, -30)).toBe(1_170);
  });
});

describe('option margin schema', () => {
  it('defaults are the venues\' 15%, 10% and 7.5%', () => {
    expect(P).toEqual({ initialFraction: 0.15, floorFraction: 0.1, maintenanceFraction: 0.075 });
  });
  it('refuses a floor above the initial fraction and maintenance above the floor, naming the field', () => {
    const a = optionMarginSchema.safeParse({ initialFraction: 0.1, floorFraction: 0.2 });
    expect(a.success).toBe(false);
    expect(a.error?.issues[0].path).toEqual(['floorFraction']);
    const b = optionMarginSchema.safeParse({ maintenanceFraction: 0.12 });
    expect(b.success).toBe(false);
    expect(b.error?.issues[0].path).toEqual(['maintenanceFraction']);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { portfolioScenarioSchema, type PortfolioScenario } from '../../src/config/portfolioSchema.js';
import { Rng } from '../../src/core/rng.js';
import { MultiAccounts } from '../../src/portfolio/accounts.js';
import { buildScanGrid, perpLegDue, portfolioRequirement, spotLegDue } from '../../src/portfolio/margin.js';
import { runMarginRule, type MarginRunResult } from '../../src/portfolio/run.js';
import { AccountScreen, isolatedBox, portfolioBox } from '../../src/portfolio/screen.js';
import { buildPortfolioSetup } from '../../src/portfolio/setup.js';

/**
 * The multi-asset run checks, each cascade round, only the accounts whose
 * box of prices a mid has left and those without a box (screen.ts). It
 * must change nothing: every figure and every bar's record equal to the
 * run that checks every account every round.
 */
const ROOT = join(import.meta.dirname, '..', '..');

function scenario(over: (raw: Record<string, unknown>) => void = () => {}): PortfolioScenario {
  const raw = JSON.parse(readFileSync(join(ROOT, 'data/scenarios/portfolio-synthetic.json'), 'utf8')) as Record<string, unknown>;
  over(raw);
  return portfolioScenarioSchema.parse(raw);
}

/** The whole result as text, typed arrays included, so two results compare bit for bit. */
function text(r: MarginRunResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
}

function sameBothWays(s: PortfolioScenario): Array<{ rule: string; calls: number; liquidated: number }> {
  const { setup } = buildPortfolioSetup(s, ROOT);
  return (['isolated', 'portfolio'] as const).map((rule) => {
    const all = runMarginRule(setup, rule, { screen: false });
    const screened = runMarginRule(setup, rule);
    expect(text(screened), `${s.name}, ${rule}`).toBe(text(all));
    return { rule, calls: all.marginCalls, liquidated: all.accountsLiquidated };
  });
}

describe('the account screen', () => {
  it('changes no figure and no bar of the synthetic scenario under either rule', () => {
    const r = sameBothWays(scenario());
    // The comparison is only worth something if accounts were called and liquidated.
    expect(r[0].liquidated).toBe(2000);
    expect(r[1].liquidated).toBeGreaterThan(100);
  });

  it('changes nothing where short perps are squeezed first (seed 2, a thin ETH book: the boxes\' upper bounds are crossed)', () => {
    const r = sameBothWays(
      scenario((raw) => {
        raw.seed = 2;
        (raw.assets as Array<{ depth: { depth1PctQuote: number } }>)[1].depth.depth1PctQuote = 1e6;
      }),
    );
    expect(r[0].calls).toBeGreaterThan(0);
  });

  it('changes nothing with hand accounts holding options (never boxed) among the generated ones', () => {
    sameBothWays(
      scenario((raw) => {
        raw.accounts = [
          { cashQuote: 50_000, options: { BTC: { type: 'put', strike: 7000, expiryDays: 6, qty: -20, marginQuote: 30_000 } } },
          { spot: { ETH: 500 }, debtQuote: { ETH: 60_000 }, options: { ETH: { type: 'put', strike: 180, expiryDays: 8, qty: 500 } } },
          { perp: { BTC: -3, ETH: 40 }, perpMarginQuote: { BTC: 4000, ETH: 1500 } },
        ];
      }),
    );
  });

  it('boxes hold: at random prices inside an account\'s box its legs stay healthy (isolated) and its equity covers its requirement (portfolio)', () => {
    const rng = new Rng(7);
    const A = 3;
    const K = 400;
    const acc = new MultiAccounts(K, A);
    const mids = [8000, 200, 30];
    for (let s = 0; s < K * A; s++) {
      const a = s % A;
      const S = mids[a];
      if (rng.uniform() < 0.6) {
        acc.spot[s] = 10 * rng.uniform();
        acc.debt[s] = acc.spot[s] * S * 0.8 * rng.uniform();
      }
      if (rng.uniform() < 0.7) {
        acc.perp[s] = 20 * (rng.uniform() - 0.5);
        acc.entry[s] = S * (0.9 + 0.2 * rng.uniform());
        acc.perpMargin[s] = (Math.abs(acc.perp[s]) * acc.entry[s]) / (2 + 20 * rng.uniform());
      }
    }
    for (let k = 0; k < K; k++) acc.cash[k] = 1000 * rng.uniform();
    const grid = buildScanGrid([15, 20, 25], 3, 0.5);
    const maxMove = [0.15, 0.2, 0.25];
    const lo = new Float64Array(A);
    const hi = new Float64Array(A);
    const at = new Float64Array(A);
    let isolatedBoxes = 0;
    let isolatedPoints = 0;
    for (let k = 0; k < K; k++) {
      let healthy = true;
      for (let a = 0, s = k * A; a < A; a++, s++) {
        if (spotLegDue(acc.spot[s], acc.debt[s], mids[a], 0.825) || perpLegDue(acc.perp[s], acc.entry[s], acc.perpMargin[s], mids[a], 1.25)) healthy = false;
      }
      if (!healthy || !isolatedBox(acc, k, mids, 0.825, 1.25, lo, hi)) continue;
      isolatedBoxes++;
      for (let t = 0; t < 50; t++) {
        for (let a = 0; a < A; a++) {
          // Corners, faces and the inside: each coordinate at a bound's edge or anywhere between.
          const l = Number.isFinite(lo[a]) ? lo[a] : 0.01 * mids[a];
          const h = Number.isFinite(hi[a]) ? hi[a] : 100 * mids[a];
          const u = rng.uniform();
          at[a] = u < 0.25 ? l + (h - l) * 1e-12 : u < 0.5 ? h - (h - l) * 1e-12 : l + (h - l) * rng.uniform();
        }
        for (let a = 0, s = k * A; a < A; a++, s++) {
          expect(spotLegDue(acc.spot[s], acc.debt[s], at[a], 0.825)).toBe(false);
          expect(perpLegDue(acc.perp[s], acc.entry[s], acc.perpMargin[s], at[a], 1.25)).toBe(false);
        }
        isolatedPoints++;
      }
    }
    expect(isolatedBoxes).toBeGreaterThan(50);

    // The portfolio rule's view: every leg's collateral pooled into cash.
    acc.poolCollateral();
    const delta = new Float64Array(A);
    const equity = (k: number, p: ArrayLike<number>): number => acc.equity(k, p);
    const requirement = (k: number, p: ArrayLike<number>): number => {
      let gross = 0;
      for (let a = 0, s = k * A; a < A; a++, s++) {
        delta[a] = acc.spot[s] + acc.perp[s];
        gross += (Math.abs(acc.spot[s]) + Math.abs(acc.perp[s])) * p[a];
      }
      return portfolioRequirement(grid, 1, delta, gross, p);
    };
    let portfolioBoxes = 0;
    let thin = 0;
    for (let k = 0; k < K; k++) {
      const slack = equity(k, mids) - requirement(k, mids);
      if (!(slack >= 0)) continue;
      if (!portfolioBox(acc, k, mids, slack, maxMove, 1, lo, hi)) continue;
      portfolioBoxes++;
      for (let t = 0; t < 50; t++) {
        for (let a = 0; a < A; a++) {
          // Prices stay positive; an unbounded side is sampled out to 100 times the mid.
          const l = Math.max(lo[a], 0.01 * mids[a]);
          const h = Math.min(hi[a], 100 * mids[a]);
          const u = rng.uniform();
          at[a] = u < 0.25 ? l + (h - l) * 1e-12 : u < 0.5 ? h - (h - l) * 1e-12 : l + (h - l) * rng.uniform();
        }
        const e = equity(k, at);
        const r = requirement(k, at);
        expect(e).toBeGreaterThanOrEqual(r);
        // How much of the slack the box spends at its corners: the bound is not idle.
        if (e - r < 0.5 * slack) thin++;
      }
    }
    expect(portfolioBoxes).toBeGreaterThan(50);
    expect(thin).toBeGreaterThan(0);
    expect(isolatedPoints).toBeGreaterThan(0);
  });

  it('a round returns the accounts whose box a mid left and those without one, in account order; the rest stay filed', () => {
    const K = 100_000;
    const screen = new AccountScreen(K, 2);
    // The first round checks everyone.
    expect(screen.round([100, 10]).length).toBe(K);
    const lo = new Float64Array(2);
    const hi = new Float64Array(2);
    for (let k = 0; k < K; k++) {
      // Account k is safe above 50 + k/2000 on asset 0 and below 20 on asset 1; account 7 gets no box.
      if (k === 7) continue;
      lo[0] = 50 + k / 2000;
      hi[0] = Infinity;
      lo[1] = -Infinity;
      hi[1] = 20;
      screen.box(k, lo, hi);
    }
    screen.settle();
    expect(screen.openAccounts()).toBe(1);
    expect(Array.from(screen.round([100, 10]))).toEqual([7]);
    screen.settle();
    // Asset 0 falls to 50.01: the accounts with lo ≥ 50.01 (k ≥ 20) leave their boxes, k < 20 stay filed.
    const r = Array.from(screen.round([50.01, 10]));
    expect(r.length).toBe(K - 20 + 1);
    expect(r[0]).toBe(7);
    expect(r.every((k, i) => i === 0 || k > r[i - 1])).toBe(true);
    expect(r.includes(19)).toBe(false);
    screen.settle();
    // Asset 1 rises to its bound: the rest leave.
    expect(Array.from(screen.round([50.01, 20])).length).toBe(K);
  });
});

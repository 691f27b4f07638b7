/**
 * Which accounts a multi-asset cascade round must check, in O(log n) per
 * account that needs it instead of a pass over all of them.
 *
 * An account found healthy gets a box of prices, one interval per asset,
 * inside which it provably stays healthy: while every mid stays inside its
 * box, checking it would change nothing (a healthy account only has its
 * in-call flags cleared, and they are clear). Boxes are filed in two heaps
 * per asset, by lower bound and by the negated upper bound; a round takes
 * out of them every account whose box a mid has left, and checks those
 * together with the accounts that have no box (in a margin call, holding
 * options, or healthy by too thin a margin to box), in account order, so
 * the round's queue is the one a pass over every account makes.
 *
 * A box only needs prices: nothing but an account's own liquidation changes
 * its legs or collateral, and accounts with option legs (whose values move
 * with time and vol) are never boxed.
 */
import { IndexedHeap4 } from '../core/indexedHeap.js';
import type { MultiAccounts } from './accounts.js';

/**
 * Relative room a box keeps from the price where the account's margin
 * condition would flip: the conditions are evaluated in floating point, a
 * few ulps of their terms (~1e-16 relative), so 1e-9 leaves the rounding
 * far inside the box.
 */
export const BOX_ROOM = 1e-9;

export class AccountScreen {
  readonly count: number;
  readonly assets: number;
  /** Per asset: max-heap by the box's lower bound, and by minus its upper bound. */
  private readonly lo: IndexedHeap4[] = [];
  private readonly hi: IndexedHeap4[] = [];
  /** Accounts without a box, checked every round: the first K entries of `open` are live. */
  private readonly open: Int32Array;
  private openCount: number;
  private readonly isOpen: Uint8Array;

  constructor(count: number, assets: number) {
    this.count = count;
    this.assets = assets;
    for (let a = 0; a < assets; a++) {
      this.lo.push(new IndexedHeap4(new Int32Array(count), new Float64Array(count), new Int32Array(count).fill(-1)));
      this.hi.push(new IndexedHeap4(new Int32Array(count), new Float64Array(count), new Int32Array(count).fill(-1)));
    }
    // Every account is checked in the first round.
    this.open = new Int32Array(count);
    for (let k = 0; k < count; k++) this.open[k] = k;
    this.openCount = count;
    this.isOpen = new Uint8Array(count).fill(1);
  }

  /**
   * The accounts this round must check, in ascending order: those without a
   * box and those whose box one of `mids` has left (taken out of the heaps).
   * The view is valid until the next call to settle.
   */
  round(mids: ArrayLike<number>): Int32Array {
    for (let a = 0; a < this.assets; a++) {
      const m = mids[a];
      const lo = this.lo[a];
      // Bounds are kept strictly inside the healthy region, so a mid on a bound is already outside the box.
      while (lo.size > 0 && lo.keys[0] >= m) this.unbox(lo.items[0]);
      const hi = this.hi[a];
      while (hi.size > 0 && hi.keys[0] >= -m) this.unbox(hi.items[0]);
    }
    const list = this.open.subarray(0, this.openCount);
    list.sort();
    return list;
  }

  /**
   * Files account k (just found healthy) with its box: lo[a] < mid < hi[a]
   * per asset (−Infinity, +Infinity where the asset never makes it due).
   * Call after checking the round's accounts, then {@link settle}.
   */
  box(k: number, lo: ArrayLike<number>, hi: ArrayLike<number>): void {
    for (let a = 0; a < this.assets; a++) {
      if (lo[a] > -Infinity) this.lo[a].push(k, lo[a]);
      if (hi[a] < Infinity) this.hi[a].push(k, -hi[a]);
    }
    this.isOpen[k] = 0;
  }

  /** Drops the accounts boxed this round from the open list (keeping its order). */
  settle(): void {
    let w = 0;
    for (let r = 0; r < this.openCount; r++) {
      const k = this.open[r];
      if (this.isOpen[k] === 1) this.open[w++] = k;
    }
    this.openCount = w;
  }

  /** Accounts without a box (checked every round). */
  openAccounts(): number {
    return this.openCount;
  }

  private unbox(k: number): void {
    for (let a = 0; a < this.assets; a++) {
      const pl = this.lo[a].pos[k];
      if (pl >= 0) this.lo[a].removeAt(pl);
      const ph = this.hi[a].pos[k];
      if (ph >= 0) this.hi[a].removeAt(ph);
    }
    this.isOpen[k] = 1;
    this.open[this.openCount++] = k;
  }
}

/** True when account k holds an option leg (never boxed: its value moves with time and vol, not only price). */
export function holdsOptions(acc: MultiAccounts, k: number): boolean {
  for (let a = 0, s = k * acc.assets; a < acc.assets; a++, s++) if (acc.optQty[s] !== 0) return true;
  return false;
}

/**
 * The isolated rule's box for account k, every leg healthy at `mids`: per
 * asset, the prices between which no leg becomes due (margin.ts' spotLegDue
 * and perpLegDue, each linear in the price, solved for it and moved
 * BOX_ROOM of its terms' size inward). False when the account has no box
 * (an option leg, or a mid not strictly inside).
 */
export function isolatedBox(
  acc: MultiAccounts,
  k: number,
  mids: ArrayLike<number>,
  spotThreshold: number,
  perpMaintenancePct: number,
  lo: Float64Array,
  hi: Float64Array,
): boolean {
  if (holdsOptions(acc, k)) return false;
  const mm = perpMaintenancePct / 100;
  for (let a = 0, s = k * acc.assets; a < acc.assets; a++, s++) {
    let l = -Infinity;
    let h = Infinity;
    const debt = acc.debt[s];
    if (debt > 0) {
      // Due when spot·S·LT < debt: below debt / (spot·LT).
      const spot = acc.spot[s];
      if (!(spot > 0)) return false;
      l = (debt / (spot * spotThreshold)) * (1 + BOX_ROOM);
    }
    const size = acc.perp[s];
    if (size !== 0) {
      // Due when margin + size(S − E) − mm·|size|·S < 0: c + b·S < 0 with b = size − mm|size|, c = margin − size·E.
      const margin = acc.perpMargin[s];
      const entry = acc.entry[s];
      const b = size - mm * Math.abs(size);
      const r = -(margin - size * entry) / b;
      const room = (BOX_ROOM * (Math.abs(margin) + Math.abs(size) * (entry + Math.abs(r)))) / Math.abs(b);
      if (b > 0) {
        if (r + room > l) l = r + room;
      } else if (b < 0) {
        h = r - room;
      } else return false;
    }
    const m = mids[a];
    if (!(l < m && m < h)) return false;
    lo[a] = l;
    hi[a] = h;
  }
  return true;
}

/**
 * The portfolio rule's box for account k, healthy at `mids` with
 * `slack` = equity − requirement ≥ 0 there. Equity moves by δ_a per unit
 * of asset a's price (δ = spot + perp); the requirement (the worst grid
 * loss, or the floor on gross notional) by at most |δ_a|·R_a + floor·
 * gross_a, R_a the grid's largest move of the asset; so the slack falls by
 * at most Σ L_a·|ΔS_a| with L_a the sum of the two. Each asset gets an
 * equal share of the slack, less BOX_ROOM of the account's size for the
 * rounding of equity and requirement. False when the account has no box.
 */
export function portfolioBox(
  acc: MultiAccounts,
  k: number,
  mids: ArrayLike<number>,
  slack: number,
  maxMove: ArrayLike<number>,
  floorPct: number,
  lo: Float64Array,
  hi: Float64Array,
): boolean {
  if (holdsOptions(acc, k)) return false;
  const A = acc.assets;
  const floor = floorPct / 100;
  let size = Math.abs(acc.cash[k]);
  for (let a = 0, s = k * A; a < A; a++, s++) size += Math.abs(acc.spot[s]) * mids[a] + Math.abs(acc.perp[s]) * (mids[a] + acc.entry[s]);
  const share = (slack - BOX_ROOM * size) / A;
  if (!(share > 0)) return false;
  for (let a = 0, s = k * A; a < A; a++, s++) {
    const spot = acc.spot[s];
    const perp = acc.perp[s];
    const L = Math.abs(spot + perp) * (1 + maxMove[a]) + floor * (Math.abs(spot) + Math.abs(perp));
    const m = mids[a];
    if (L === 0) {
      lo[a] = -Infinity;
      hi[a] = Infinity;
      continue;
    }
    // A box far wider than the price itself gains nothing and would let the size behind BOX_ROOM grow: at most 100 prices wide.
    const d = Math.min(share / L, 100 * m);
    lo[a] = m - d;
    hi[a] = m + d;
  }
  return true;
}

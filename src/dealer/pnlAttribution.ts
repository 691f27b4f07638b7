/**
 * Per-bar P&L attribution of the dealer: options book + hedge position +
 * cash. The bar's total is the exact change in wealth
 *
 *   total = Δcash + (h1 S1 − h0 S0) + (V1 − V0),
 *   Δcash = −Σ_k q_k p_k + settlementCash + premiumCash,  h1 = h0 + Σ_k q_k,
 *
 * and it is explained by a second-order Taylor expansion of the book in
 * spot, vol and time around the previous bar's end plus the bar's trades:
 *
 *   delta     = (Δ0 + h0)(S1 − S0) + Σ_k q_k (S1 − m_k)
 *   gamma     = ½ Γ0 (S1 − S0)²
 *   vega      = Σ_j qty_j vega_j,0 (σ_j,1 − σ_j,0)
 *   vanna     = Σ_j qty_j vanna_j,0 (S1 − S0)(σ_j,1 − σ_j,0)
 *   volga     = ½ Σ_j qty_j volga_j,0 (σ_j,1 − σ_j,0)²
 *   theta     = Θ0 · dtYears
 *   execution = −Σ_k q_k (p_k − m_k)        (spread + impact paid; ≤ 0 for market orders)
 *   newPositions = premiumCash + newValue    (sale edge of options written this bar; 0 at the surface price)
 *   residual  = total − (sum of the above)
 *
 * The hedge part is exact: h1S1 − h0S0 − Σq p = h0(S1−S0) + Σq(S1−m) −
 * Σq(p−m). So with no options the residual is rounding only. The vanna
 * and volga lines complete the second order: on a skewed surface that moves
 * with spot, dσ_j is first order in dS, so without them the residual
 * would be second order. With them it holds the third-order terms
 * (speed·dS³/6, charm·dS·dt, ½ vanna_S·dS²·dσ, …); options that expire inside the
 * bar are explained by the start-of-bar greeks (they are in Δ0, Γ0, Θ0 and
 * the vega sum) and their settlement cash is in total, so a large gamma at
 * expiry shows up as residual, as it should. Interest on cash is not
 * modelled (the engine accrues none).
 *
 * Everything is caller-owned: no allocation per call.
 */

/** State at the previous bar's end (after its expiries and rolls). */
export interface PnlStart {
  /** S0, quote per base. */
  spot: number;
  /** Δ0: book delta, base units. */
  bookDelta: number;
  /** Γ0: book gamma, base units per quote unit of spot. */
  bookGamma: number;
  /** Θ0: book theta, quote per year. */
  bookTheta: number;
  /** V0: book value, quote. */
  bookValue: number;
  /** h0: hedge position, base units. */
  hedge: number;
  /** Number of options j at the start; qty, vega and vol hold them at 0..count-1. */
  count: number;
  /** qty_j, base units. */
  readonly qty: Float64Array;
  /** vega_j,0 per unit of underlying, per unit vol. */
  readonly vega: Float64Array;
  /** σ_j,0. */
  readonly vol: Float64Array;
  /** vanna_j,0 = d delta_j / dσ per unit of underlying. */
  readonly vanna: Float64Array;
  /** volga_j,0 = d vega_j / dσ per unit of underlying. */
  readonly volga: Float64Array;
}

/** State at this bar's end. */
export interface PnlEnd {
  /** S1. */
  spot: number;
  /**
   * σ_j,1 for the START options j = 0..start.count-1 (value them at the bar's
   * end before expiries are removed). May be the book's own vol column when
   * the book did not change in the bar, so a caller need not copy it.
   */
  vol: Float64Array;
  /** V1: book value after this bar's expiries and new sales, quote. */
  bookValue: number;
  /** Value at bar end of the options written this bar (included in bookValue), quote. */
  newValue: number;
  /** Σ qty·intrinsic received for options that expired this bar, quote. */
  settlementCash: number;
  /** Premium received (+) or paid (−) for options written or bought this bar, quote. */
  premiumCash: number;
  /** Bar length in years. */
  dtYears: number;
}

/** This bar's hedge fills, k = 0..count-1. */
export interface HedgeFills {
  count: number;
  /** q_k, base units, > 0 bought. */
  readonly size: Float64Array;
  /** p_k, average fill price, quote per base. */
  readonly price: Float64Array;
  /** m_k, mid just before the fill. */
  readonly midBefore: Float64Array;
}

/** Attribution of one bar, quote currency. */
export interface PnlAttribution extends PnlTotals {
  /** Hedge position after the bar, h0 + Σ q_k, base units (the next bar's h0). */
  hedgeEnd: number;
  /** Cash change over the bar, quote. */
  cashChange: number;
}

/** A run's attribution summed over its bars, quote currency. */
export interface PnlTotals {
  total: number;
  delta: number;
  gamma: number;
  vega: number;
  vanna: number;
  volga: number;
  theta: number;
  execution: number;
  newPositions: number;
  residual: number;
}

export function makePnlTotals(): PnlTotals {
  return { total: 0, delta: 0, gamma: 0, vega: 0, vanna: 0, volga: 0, theta: 0, execution: 0, newPositions: 0, residual: 0 };
}

/** Adds one bar's attribution to the run's totals. */
export function addPnl(t: PnlTotals, a: PnlAttribution): void {
  t.total += a.total;
  t.delta += a.delta;
  t.gamma += a.gamma;
  t.vega += a.vega;
  t.vanna += a.vanna;
  t.volga += a.volga;
  t.theta += a.theta;
  t.execution += a.execution;
  t.newPositions += a.newPositions;
  t.residual += a.residual;
}

export function makePnlAttribution(): PnlAttribution {
  return { delta: 0, gamma: 0, vega: 0, vanna: 0, volga: 0, theta: 0, execution: 0, newPositions: 0, total: 0, residual: 0, hedgeEnd: 0, cashChange: 0 };
}

/** Where a start state keeps its option columns. */
export type PnlStartColumns = Pick<PnlStart, 'qty' | 'vega' | 'vol' | 'vanna' | 'volga'>;

/**
 * Caller-owned start state with room for `capacity` options; its columns in
 * `storage` when given (the WASM kernel's memory, so the vol-change sums can
 * run there), else new arrays.
 */
export function makePnlStart(capacity: number, storage?: PnlStartColumns): PnlStart {
  const cols = storage ?? {
    qty: new Float64Array(capacity), vega: new Float64Array(capacity), vol: new Float64Array(capacity),
    vanna: new Float64Array(capacity), volga: new Float64Array(capacity),
  };
  for (const [name, a] of Object.entries(cols)) {
    if (a.length !== capacity) throw new RangeError(`PnlStart column ${name} holds ${a.length}, the capacity is ${capacity}`);
  }
  return {
    spot: 0, bookDelta: 0, bookGamma: 0, bookTheta: 0, bookValue: 0, hedge: 0, count: 0,
    qty: cols.qty, vega: cols.vega, vol: cols.vol, vanna: cols.vanna, volga: cols.volga,
  };
}

/** The vol-change sums of a bar: Σ qty·vega·dv, Σ qty·vanna·dv, Σ qty·volga·dv² (dv = end vol − start vol). */
export interface VolChangeSums {
  vega: number;
  vanna: number;
  volga: number;
}

export function makeVolChangeSums(): VolChangeSums {
  return { vega: 0, vanna: 0, volga: 0 };
}

/**
 * The vol-change sums over the start options, in index order. The WASM
 * kernel's volChange (asm/valuation.ts) repeats these operations in this
 * order, so the two give equal sums bit for bit.
 */
export function volChangeSums(start: PnlStart, endVol: Float64Array, out: VolChangeSums): VolChangeSums {
  let vega = 0;
  let vanna = 0;
  let volga = 0;
  // Columns in locals: the loop runs every bar over the whole book, and property loads inside it are not hoisted.
  const { qty: sq, vol: sv, vega: sVega, vanna: sVanna, volga: sVolga, count } = start;
  for (let j = 0; j < count; j++) {
    const q = sq[j];
    const dv = endVol[j] - sv[j];
    vega += q * sVega[j] * dv;
    vanna += q * sVanna[j] * dv;
    volga += q * sVolga[j] * dv * dv;
  }
  out.vega = vega;
  out.vanna = vanna;
  out.volga = volga;
  return out;
}

const scratchSums = makeVolChangeSums();

/** Caller-owned fill buffer with room for `capacity` fills per bar. */
export function makeHedgeFills(capacity: number): HedgeFills {
  return { count: 0, size: new Float64Array(capacity), price: new Float64Array(capacity), midBefore: new Float64Array(capacity) };
}

/** Appends one fill; throws when the buffer is full. */
export function pushFill(fills: HedgeFills, size: number, price: number, midBefore: number): void {
  if (fills.count >= fills.size.length) throw new RangeError(`hedge fill buffer is full (${fills.size.length}); raise its capacity`);
  const k = fills.count++;
  fills.size[k] = size;
  fills.price[k] = price;
  fills.midBefore[k] = midBefore;
}

/** Book-like columns the start snapshot copies (an OptionBook fits). */
export interface BookColumns {
  readonly length: number;
  readonly qty: Float64Array;
  readonly vega: Float64Array;
  readonly vol: Float64Array;
  readonly vanna: Float64Array;
  readonly volga: Float64Array;
}

/** Book-level greeks the snapshot copies (BookGreeks fits). */
export interface BookTotals {
  readonly value: number;
  readonly delta: number;
  readonly gamma: number;
  readonly theta: number;
}

/** Fills `into` from a freshly valued book at a bar's end (the next bar's start). No allocation. */
export function snapshotPnlStart(book: BookColumns, totals: BookTotals, spot: number, hedge: number, into: PnlStart): PnlStart {
  const n = book.length;
  setPnlStartScalars(totals, spot, hedge, n, into);
  // Bulk copies (memcpy), not a per-option loop: this runs every bar.
  bulkCopy(book.qty, into.qty, n);
  bulkCopy(book.vega, into.vega, n);
  bulkCopy(book.vol, into.vol, n);
  bulkCopy(book.vanna, into.vanna, n);
  bulkCopy(book.volga, into.volga, n);
  return into;
}

/** snapshotPnlStart's part other than the option columns (for a caller that copies them its own way). */
export function setPnlStartScalars(totals: BookTotals, spot: number, hedge: number, count: number, into: PnlStart): void {
  if (into.qty.length < count) throw new RangeError(`PnlStart holds ${into.qty.length} options, the book has ${count}`);
  into.spot = spot;
  into.bookDelta = totals.delta;
  into.bookGamma = totals.gamma;
  into.bookTheta = totals.theta;
  into.bookValue = totals.value;
  into.hedge = hedge;
  into.count = count;
}

/** from[0..n) into to; whole arrays of equal length copy with no view allocated (rows past n are unread). */
function bulkCopy(from: Float64Array, to: Float64Array, n: number): void {
  if (from.length === to.length) to.set(from);
  else to.set(from.subarray(0, n));
}

/**
 * Attributes one bar's P&L into `out` (returned); formulas in the module
 * comment. `sums`, when given, are the bar's vol-change sums already taken
 * (volChangeSums of this start and end.vol, or the kernel's equal ones).
 */
export function attributeBarPnl(start: PnlStart, end: PnlEnd, fills: HedgeFills, out: PnlAttribution, sums?: VolChangeSums): PnlAttribution {
  const dS = end.spot - start.spot;
  let tradedQty = 0;
  let markToEnd = 0;
  let execution = 0;
  let paid = 0;
  for (let k = 0; k < fills.count; k++) {
    const q = fills.size[k];
    const p = fills.price[k];
    const m = fills.midBefore[k];
    tradedQty += q;
    markToEnd += q * (end.spot - m);
    execution -= q * (p - m);
    paid += q * p;
  }
  const dv = sums ?? volChangeSums(start, end.vol, scratchSums);
  const vega = dv.vega;
  const vanna = dv.vanna * dS;
  const volga = dv.volga * 0.5;

  const hedgeEnd = start.hedge + tradedQty;
  const cashChange = -paid + end.settlementCash + end.premiumCash;
  out.delta = (start.bookDelta + start.hedge) * dS + markToEnd;
  out.gamma = 0.5 * start.bookGamma * dS * dS;
  out.vega = vega;
  out.vanna = vanna;
  out.volga = volga;
  out.theta = start.bookTheta * end.dtYears;
  out.execution = execution;
  out.newPositions = end.premiumCash + end.newValue;
  out.total = cashChange + (hedgeEnd * end.spot - start.hedge * start.spot) + (end.bookValue - start.bookValue);
  out.residual = out.total - (out.delta + out.gamma + out.vega + out.vanna + out.volga + out.theta + out.execution + out.newPositions);
  out.hedgeEnd = hedgeEnd;
  out.cashChange = cashChange;
  return out;
}

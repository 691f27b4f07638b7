/**
 * Pre-emptive deleveraging (docs/model.md#pre-emptive-deleveraging): leveraged
 * accounts that sell collateral and repay debt before the protocol
 * liquidates them. Off unless configured; whether it makes a cascade milder
 * (less forced selling at a penalty) or worse (earlier selling that moves
 * the price for everyone) is left to the simulation.
 *
 * Who acts. Account i, with liquidation price L = key/m (key = debt /
 * (collateral · LT), m the protocol's threshold multiplier), in class k with
 * buffer b_k and stress thresholds t_k, acts in a round at oracle price P when
 *   - stressed (stressScore(signals, t_k) ≥ 1) and P ≤ L·(1 + b_k), or
 *   - not stressed but P ≤ L·(1 + panicBufferShare·b_k): deep inside its
 *     buffer (default share 0.5, "breached by more than 2x") it acts whatever
 *     the market mood.
 * In key terms: key ≥ m·P/(1 + share·b_k), share = 1 or panicBufferShare.
 * Accounts already past their liquidation price act too if they can (a
 * borrower repays with collateral to save the penalty while keepers lag).
 *
 * What it does. It sells x units at the expected sale price S (the mid) so its
 * liquidation price lands at the target P/(1 + r·b_k), r = targetBufferMultiple:
 *   (D − x·S) / ((C − x)·LT·m) = P/(1 + r·b_k)
 *   ⇒ x = (D − C·a) / (S − a),  a = LT·m·P/(1 + r·b_k).
 * Inside the trigger D > C·a, so x > 0; x < C exactly when D < C·S (the
 * account has equity at the sale price). An account with no equity at S does
 * not act: selling everything would still leave debt against no collateral
 * (the book refuses that), and a borrower with no equity has nothing to save
 * (limited liability); it is left to the liquidation engine.
 *
 * Settlement (fill ≠ S). act() cuts collateral by x and debt by the estimate
 * x·S at once, so the ladder is right for the rest of the round; settle(),
 * called with the order's fill, corrects each account's debt by x·(S − fill):
 * the account bears its own slippage and lenders receive exactly the
 * proceeds. Σ book debt + lenders' cash (+ unsettledQuote, below) is conserved.
 *
 * Cost. Buffers and thresholds differ between accounts, so one ordering by
 * key cannot serve everyone. Accounts are assigned at random (seeded) to K ≤
 * 16 classes sharing (b_k, t_k), each class drawn from the configured
 * distributions; each class keeps a 4-ary max-heap of its accounts by ladder
 * key (equal keys: lower index first, as in the ladder, so the order of
 * action does not depend on heap history). A round costs O(K) to find that
 * nobody acts, plus O(log n) per account that acts.
 *
 * Keeping in step with the ladder. The class heaps mirror the ladder: an
 * account is in its class heap iff ladder.has(i), with key ladder.keyOf(i).
 * Deleveraging changes accounts through ladder.modify itself; whoever else
 * changes the ladder (the protocol's liquidations, settlement) must call
 * onAccountChanged(i) afterwards.
 */
import type { DeleveragingConfig, ParamDistribution } from '../config/behaviourSchema.js';
import { drawParameter } from '../core/distributions.js';
import { IndexedHeap4, heapLevel } from '../core/indexedHeap.js';
import { ConfigError, invariant } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Ladder } from '../protocol/ladder.js';
import type { DeleverageRound, DeleverageSettlement, PreemptiveDeleveraging } from '../protocol/behaviourHooks.js';
import { stressScore, type StressSignals, type StressThresholds } from '../sim/stress.js';
import type { Saveable } from '../sim/saveable.js';
import { scalars, Stateful } from '../sim/stateBlock.js';

/** The config is the schema's `behaviour.deleveraging` (config/behaviourSchema.ts, where the defaults live). */
export type { DeleveragingConfig, ParamDistribution };

/** Run totals. */
export interface DeleveragingTotals {
  /** Accounts' actions (an account acting in two rounds counts twice). */
  actions: number;
  /** Collateral sold, base units. */
  unitsSold: number;
  /** Debt repaid from proceeds, quote. */
  repaidQuote: number;
  refundQuote: number;
  unsettledQuote: number;
  /** Σ x·(S − fill): what the accounts lost to impact against the price they decided on. */
  slippageQuote: number;
}

/** Largest K: the class of an account is a byte and per-round work is O(K). */
export const MAX_CLASSES = 16;
const NO_CLASS = 255;
const PENDING_START = 256;

export class Deleveraging extends Stateful implements PreemptiveDeleveraging {
  readonly ladder: Ladder;
  readonly classCount: number;
  readonly totals: DeleveragingTotals = { actions: 0, unitsSold: 0, repaidQuote: 0, refundQuote: 0, unsettledQuote: 0, slippageQuote: 0 };
  /** Heap levels moved and entries popped or pushed, cumulative: the cost measure the O(log n) test reads. */
  heapSteps = 0;

  private readonly targetMultiple: number;
  private readonly panicShare: number;
  /** Per class: buffer, and thresholds as StressThresholds (Infinity = signal ignored). */
  private readonly buffer: Float64Array;
  private readonly thresholds: StressThresholds[];
  /** Per account slot: class, or NO_CLASS. */
  private readonly cls: Uint8Array;

  // K heaps (core/indexedHeap.ts) over views of one array: class k owns slots
  // [start[k], start[k] + its account count); they share `pos`, as an account
  // is in one class only.
  private readonly start: Int32Array;
  private readonly heaps: IndexedHeap4[];
  private readonly heap: Int32Array;
  private readonly hk: Float64Array;
  /** Slot of account i inside its class heap (relative to start), −1 when not filed. */
  private readonly pos: Int32Array;

  /** Accounts popped in the current class loop, re-filed after it (each acts at most once per call). */
  private readonly held: Int32Array;

  // Sales awaiting their fill.
  private pLen = 0;
  private pAcct = new Int32Array(PENDING_START);
  private pUnits = new Float64Array(PENDING_START);
  private pPrice = new Float64Array(PENDING_START);
  private pUnitsSum = 0;

  // Journal: touched accounts are re-filed from the (rolled back) ladder.
  private jOn = false;
  private jLen = 0;
  private jIdx = new Int32Array(PENDING_START);
  private readonly jMark: Uint8Array;
  private readonly jTotals = new Float64Array(6);

  /**
   * Draws the classes and assigns every slot of the ladder's book (open or
   * not yet added) to one, then files the open accounts the ladder holds.
   * Draw order: per class, buffer then the three thresholds; then per slot,
   * activity and class. Throws ConfigError on a bad config (field names
   * relative to the deleveraging block).
   */
  constructor(cfg: DeleveragingConfig, ladder: Ladder, rng: Rng) {
    super();
    checkConfig(cfg);
    const k = cfg.classes;
    this.ladder = ladder;
    this.classCount = k;
    this.targetMultiple = cfg.targetBufferMultiple;
    this.panicShare = cfg.panicBufferShare;
    this.buffer = new Float64Array(k);
    this.thresholds = [];
    for (let c = 0; c < k; c++) {
      const b = drawParameter(cfg.bufferFraction, rng);
      if (!(b > 0 && b < Infinity)) throw new ConfigError(`buffer drawn for class ${c} is ${b}; the distribution must give values > 0`, { field: 'bufferFraction' });
      this.buffer[c] = b;
      this.thresholds.push({
        drawdown: drawThreshold(cfg.drawdownThreshold, rng, 'drawdownThreshold', c),
        volRatio: drawThreshold(cfg.volRatioThreshold, rng, 'volRatioThreshold', c),
        liquidationQuotePerMin: drawThreshold(cfg.liquidationQuotePerMinThreshold, rng, 'liquidationQuotePerMinThreshold', c),
      });
    }
    const cap = ladder.book.capacity;
    this.cls = new Uint8Array(cap);
    const count = new Int32Array(k);
    for (let i = 0; i < cap; i++) {
      const active = rng.uniform() < cfg.activeShare;
      const c = rng.int(k);
      if (active) {
        this.cls[i] = c;
        count[c]++;
      } else this.cls[i] = NO_CLASS;
    }
    this.start = new Int32Array(k);
    for (let c = 1; c < k; c++) this.start[c] = this.start[c - 1] + count[c - 1];
    this.heap = new Int32Array(cap);
    this.hk = new Float64Array(cap);
    this.pos = new Int32Array(cap).fill(-1);
    this.heaps = [];
    for (let c = 0; c < k; c++) {
      const s0 = this.start[c];
      this.heaps.push(new IndexedHeap4(this.heap.subarray(s0, s0 + count[c]), this.hk.subarray(s0, s0 + count[c]), this.pos));
    }
    this.held = new Int32Array(cap);
    this.jMark = new Uint8Array(cap);
    this.bulkLoad();
  }

  // ---- classes -------------------------------------------------------------------

  /** Class of account slot i (−1: never deleverages). */
  classOf(i: number): number {
    const c = this.cls[i];
    return c === NO_CLASS ? -1 : c;
  }

  /** Buffer b_k of class k, fraction of the liquidation price. */
  classBuffer(k: number): number {
    return this.buffer[k];
  }

  /** Stress thresholds of class k (Infinity: the signal is ignored). */
  classThresholds(k: number): Readonly<StressThresholds> {
    return this.thresholds[k];
  }

  /** Accounts filed in class k's heap. */
  classSize(k: number): number {
    return this.heaps[k].size;
  }

  /** Whether account i is filed in its class heap. */
  has(i: number): boolean {
    return this.pos[i] >= 0;
  }

  // ---- the round -------------------------------------------------------------------

  /**
   * One round: every account that acts (see the module comment) sells to its
   * target, through ladder.modify. `oraclePrice` decides who acts and sets
   * the target; `salePrice` (the live mid) is the price the sale is planned
   * at; `m` is the protocol's threshold multiplier. `out` gets this call's
   * totals; the units then await settle().
   */
  act(oraclePrice: number, salePrice: number, m: number, signals: StressSignals, out: DeleverageRound): void {
    out.units = 0;
    out.repaidQuote = 0;
    out.accounts = 0;
    if (!(oraclePrice > 0 && oraclePrice < Infinity && salePrice > 0 && salePrice < Infinity && m > 0 && m < Infinity)) return;
    const ladder = this.ladder;
    const book = ladder.book;
    const coll = book.collateral;
    const debt = book.debt;
    const lt = book.threshold;
    const hk = this.hk;
    const heap = this.heap;
    const held = this.held;
    for (let k = 0; k < this.classCount; k++) {
      const hp = this.heaps[k];
      if (hp.size === 0) continue;
      const share = stressScore(signals, this.thresholds[k]) >= 1 ? 1 : this.panicShare;
      if (!(share > 0)) continue;
      const b = this.buffer[k];
      const cutoff = (m * oraclePrice) / (1 + share * b);
      const s0 = this.start[k];
      if (!(hk[s0] >= cutoff)) continue;
      // a / LT: the target liquidation price times m.
      const aPerLt = (m * oraclePrice) / (1 + this.targetMultiple * b);
      let nHeld = 0;
      while (hp.size > 0 && hk[s0] >= cutoff) {
        const i = heap[s0];
        this.removeAt(hp, 0);
        held[nHeld++] = i;
        const c = coll[i];
        const d = debt[i];
        // No equity at the sale price: left to the liquidation engine.
        if (!(d < c * salePrice)) continue;
        const a = lt[i] * aPerLt;
        const x = (d - c * a) / (salePrice - a);
        const newC = c - x;
        const newD = d - x * salePrice;
        // x ≤ 0 only at the trigger's edge with share = r (nothing to do);
        // newC or newD ≤ 0 only through rounding when D is within ulps of C·S.
        if (!(x > 0 && newC > 0 && newD > 0)) continue;
        ladder.modify(i, newC, newD);
        this.pushPending(i, x, salePrice);
        out.units += x;
        out.repaidQuote += x * salePrice;
        out.accounts++;
      }
      for (let h = 0; h < nHeld; h++) this.refile(held[h]);
    }
    this.totals.actions += out.accounts;
  }

  /** Units sold by act() and not yet settled: the size of the order to submit. */
  get pendingUnits(): number {
    return this.pUnitsSum;
  }

  /**
   * The fill of the pending sale: `units` (> 0, must equal pendingUnits up
   * to 1e-9 relative) sold for `proceedsQuote`. Each pending account
   * repays x·fill and its debt moves by x·(S − fill); see DeleverageSettlement
   * for where the cash goes. O(accounts · log n).
   */
  settle(units: number, proceedsQuote: number, out: DeleverageSettlement): void {
    out.repaidQuote = 0;
    out.refundQuote = 0;
    out.unsettledQuote = 0;
    if (!(units > 0 && Math.abs(units - this.pUnitsSum) <= 1e-9 * this.pUnitsSum)) {
      invariant(false, `Deleveraging.settle: filled ${units} units but ${this.pUnitsSum} are pending; the order must carry exactly pendingUnits`);
    }
    if (!(proceedsQuote >= 0 && proceedsQuote < Infinity)) invariant(false, `Deleveraging.settle: proceeds must be finite and >= 0, got ${proceedsQuote}`);
    const fill = proceedsQuote / units;
    const ladder = this.ladder;
    const book = ladder.book;
    let refund = 0;
    let unsettled = 0;
    let slip = 0;
    for (let e = 0; e < this.pLen; e++) {
      const i = this.pAcct[e];
      const x = this.pUnits[e];
      const correction = x * this.pPrice[e] - x * fill;
      slip += correction;
      if (book.open[i] !== 1) {
        unsettled += correction;
        continue;
      }
      const newD = book.debt[i] + correction;
      if (newD > 0) ladder.modify(i, book.collateral[i], newD);
      else {
        // The fill beat the plan by more than the remaining debt: repaid in
        // full, the account leaves the protocol holding its collateral.
        refund -= newD;
        ladder.modify(i, book.collateral[i], 0);
      }
      this.refile(i);
    }
    const t = this.totals;
    out.refundQuote = refund;
    out.repaidQuote = proceedsQuote - refund;
    out.unsettledQuote = unsettled;
    t.unitsSold += units;
    t.repaidQuote += out.repaidQuote;
    t.refundQuote += refund;
    t.unsettledQuote += unsettled;
    t.slippageQuote += slip;
    this.pLen = 0;
    this.pUnitsSum = 0;
  }

  // ---- keeping in step with the ladder ----------------------------------------------

  /**
   * Call after anything other than this class changes account i in the
   * ladder (liquidation, settlement, a new account): re-files it from
   * ladder.has(i) / ladder.keyOf(i). O(log n).
   */
  onAccountChanged(i: number): void {
    this.refile(i);
  }

  /** Same as onAccountChanged: a closed account leaves the ladder, so it leaves its class heap. */
  onAccountClosed(i: number): void {
    this.refile(i);
  }

  // ---- journal (docs/model.md#reading-history: a bar is tried, then kept or undone) ------------

  /** Call with ladder.beginJournal(); no sale may be pending. */
  beginJournal(): void {
    invariant(!this.jOn, 'Deleveraging.beginJournal: a journal is already open');
    invariant(this.pLen === 0, 'Deleveraging.beginJournal: a sale is pending');
    this.jOn = true;
    this.jLen = 0;
    const t = this.totals;
    const s = this.jTotals;
    s[0] = t.actions; s[1] = t.unitsSold; s[2] = t.repaidQuote; s[3] = t.refundQuote; s[4] = t.unsettledQuote; s[5] = t.slippageQuote;
  }

  commitJournal(): void {
    invariant(this.jOn, 'Deleveraging.commitJournal: no journal is open');
    this.clearJournal();
  }

  /** Call after ladder.rollback(): re-files every touched account from the restored ladder; O(changes · log n). */
  rollback(): void {
    invariant(this.jOn, 'Deleveraging.rollback: no journal is open');
    invariant(!this.ladder.journaling, 'Deleveraging.rollback: roll the ladder back first');
    this.jOn = false;
    for (let e = 0; e < this.jLen; e++) this.refile(this.jIdx[e]);
    this.jOn = true;
    this.clearJournal();
    const t = this.totals;
    const s = this.jTotals;
    t.actions = s[0]; t.unitsSold = s[1]; t.repaidQuote = s[2]; t.refundQuote = s[3]; t.unsettledQuote = s[4]; t.slippageQuote = s[5];
    this.pLen = 0;
    this.pUnitsSum = 0;
  }

  /**
   * The scalars a bar changes: the run totals. The heaps are account-sized
   * and follow the ladder through the journal (beginJournal / rollback), so
   * they are not in the buffer; a sale must not be pending (its fill settles
   * within the round that ordered it). `heapSteps` is left out on purpose:
   * it counts work done, tried bars included, and a rollback restores the
   * heaps' order but not their slot layout, so a retry may take a different
   * number of steps to the same result.
   */
  protected describeState(): Saveable {
    return scalars(this.totals, ['actions', 'unitsSold', 'repaidQuote', 'refundQuote', 'unsettledQuote', 'slippageQuote']);
  }

  override saveState(buf: Float64Array, o: number): void {
    if (this.pLen !== 0) invariant(false, `Deleveraging.saveState: ${this.pLen} sales await their fill; save between bars`);
    super.saveState(buf, o);
  }

  /** Call after rollback() (or on an instance whose ladder is where the saving one's was). */
  override loadState(buf: Float64Array, o: number): void {
    super.loadState(buf, o);
    this.pLen = 0;
    this.pUnitsSum = 0;
  }

  // ---- checks ------------------------------------------------------------------------

  /**
   * Full check, O(n), for tests: each class heap is in order with correct
   * positions, and holds exactly the ladder's accounts of that class with
   * the ladder's keys.
   */
  validate(): void {
    const ladder = this.ladder;
    const book = ladder.book;
    let filed = 0;
    for (let k = 0; k < this.classCount; k++) {
      const s0 = this.start[k];
      const hp = this.heaps[k];
      const n = hp.size;
      filed += n;
      for (let p = 0; p < n; p++) {
        const i = this.heap[s0 + p];
        if (this.pos[i] !== p) throw new Error(`deleveraging: class ${k} slot ${p} holds account ${i} but pos says ${this.pos[i]}`);
        if (this.cls[i] !== k) throw new Error(`deleveraging: account ${i} of class ${this.cls[i]} is in class ${k}'s heap`);
        if (p > 0 && hp.better(p, (p - 1) >> 2)) throw new Error(`deleveraging: class ${k} heap order broken at slot ${p}`);
        if (!ladder.has(i)) throw new Error(`deleveraging: account ${i} is filed but not in the ladder`);
        if (this.hk[s0 + p] !== ladder.keyOf(i)) throw new Error(`deleveraging: account ${i} filed key ${this.hk[s0 + p]} != ladder key ${ladder.keyOf(i)}`);
      }
    }
    let want = 0;
    for (let i = 0; i < book.length; i++) {
      const inLadder = ladder.has(i) && this.cls[i] !== NO_CLASS;
      if (inLadder) want++;
      if (inLadder !== this.pos[i] >= 0) throw new Error(`deleveraging: account ${i} in ladder (class ${this.classOf(i)}): ${ladder.has(i)}, filed: ${this.pos[i] >= 0}`);
    }
    if (want !== filed) throw new Error(`deleveraging: ${filed} filed, ${want} expected`);
  }

  // ---- internals ------------------------------------------------------------------------

  private bulkLoad(): void {
    const ladder = this.ladder;
    const n = ladder.book.length;
    for (let i = 0; i < n; i++) {
      const k = this.cls[i];
      if (k === NO_CLASS || !ladder.has(i)) continue;
      const hp = this.heaps[k];
      const p = hp.size++;
      hp.items[p] = i;
      hp.keys[p] = ladder.keyOf(i);
      this.pos[i] = p;
    }
    for (const hp of this.heaps) {
      for (let p = (hp.size - 2) >> 2; p >= 0; p--) this.heapSteps += heapLevel(hp.siftDown(p)) - heapLevel(p);
    }
  }

  /** Bring account i's entry in line with the ladder. */
  private refile(i: number): void {
    const k = this.cls[i];
    if (k === NO_CLASS) return;
    if (this.jOn && this.jMark[i] === 0) this.recordTouch(i);
    const p = this.pos[i];
    const hp = this.heaps[k];
    if (this.ladder.has(i)) {
      const key = this.ladder.keyOf(i);
      if (p < 0) this.heapSteps += 1 + heapLevel(hp.size) - heapLevel(hp.push(i, key));
      else this.heapSteps += Math.abs(heapLevel(hp.setKey(i, key)) - heapLevel(p));
    } else if (p >= 0) this.removeAt(hp, p);
  }

  private recordTouch(i: number): void {
    if (this.jLen === this.jIdx.length) {
      const a = new Int32Array(this.jLen * 2);
      a.set(this.jIdx);
      this.jIdx = a;
    }
    this.jIdx[this.jLen++] = i;
    this.jMark[i] = 1;
  }

  private clearJournal(): void {
    for (let e = 0; e < this.jLen; e++) this.jMark[this.jIdx[e]] = 0;
    this.jLen = 0;
    this.jOn = false;
  }

  private pushPending(i: number, x: number, price: number): void {
    if (this.pLen === this.pAcct.length) {
      const cap = this.pLen * 2;
      const a = new Int32Array(cap); a.set(this.pAcct); this.pAcct = a;
      const u = new Float64Array(cap); u.set(this.pUnits); this.pUnits = u;
      const pr = new Float64Array(cap); pr.set(this.pPrice); this.pPrice = pr;
    }
    const e = this.pLen++;
    this.pAcct[e] = i;
    this.pUnits[e] = x;
    this.pPrice[e] = price;
    this.pUnitsSum += x;
  }

  /** Takes out slot p of a class heap, counting one step and the levels the moved entry travels. */
  private removeAt(hp: IndexedHeap4, p: number): void {
    const q = hp.removeAt(p);
    this.heapSteps += q < 0 ? 1 : 1 + Math.abs(heapLevel(q) - heapLevel(p));
  }
}

/** The deleveraging behaviour when enabled, else null (the protocol then skips every call). */
export function makeDeleveraging(cfg: DeleveragingConfig, ladder: Ladder, rng: Rng): Deleveraging | null {
  return cfg.enabled ? new Deleveraging(cfg, ladder, rng) : null;
}

function checkConfig(cfg: DeleveragingConfig): void {
  const bad = (field: string, reason: string): never => {
    throw new ConfigError(reason, { field });
  };
  if (!(Number.isInteger(cfg.classes) && cfg.classes >= 1 && cfg.classes <= MAX_CLASSES)) bad('classes', `must be an integer in [1, ${MAX_CLASSES}], got ${cfg.classes}`);
  if (!(cfg.activeShare >= 0 && cfg.activeShare <= 1)) bad('activeShare', `must be in [0, 1], got ${cfg.activeShare}`);
  if (!(cfg.targetBufferMultiple >= 1 && cfg.targetBufferMultiple < Infinity)) bad('targetBufferMultiple', `must be finite and >= 1 (the target must lie outside the buffer), got ${cfg.targetBufferMultiple}`);
  if (!(cfg.panicBufferShare >= 0 && cfg.panicBufferShare <= 1)) bad('panicBufferShare', `must be in [0, 1], got ${cfg.panicBufferShare}`);
  checkDistribution(cfg.bufferFraction, 'bufferFraction', false);
  checkDistribution(cfg.drawdownThreshold, 'drawdownThreshold', true);
  checkDistribution(cfg.volRatioThreshold, 'volRatioThreshold', true);
  checkDistribution(cfg.liquidationQuotePerMinThreshold, 'liquidationQuotePerMinThreshold', true);
}

/** Every value a distribution can draw must be > 0 and finite. */
function checkDistribution(d: ParamDistribution | null, field: string, nullable: boolean): void {
  if (d === null) {
    if (!nullable) throw new ConfigError('is required', { field });
    return;
  }
  switch (d.kind) {
    case 'fixed':
      if (!(d.value > 0 && d.value < Infinity)) throw new ConfigError(`fixed value must be finite and > 0, got ${d.value}`, { field: `${field}.value` });
      return;
    case 'uniform':
      if (!(d.min > 0 && d.max >= d.min && d.max < Infinity)) throw new ConfigError(`uniform needs 0 < min <= max < Infinity, got [${d.min}, ${d.max}]`, { field: `${field}.min` });
      return;
    case 'lognormal':
      if (!(d.median > 0 && d.median < Infinity)) throw new ConfigError(`lognormal median must be finite and > 0, got ${d.median}`, { field: `${field}.median` });
      if (!(d.sigma >= 0 && d.sigma < Infinity)) throw new ConfigError(`lognormal sigma must be finite and >= 0, got ${d.sigma}`, { field: `${field}.sigma` });
      return;
    default:
      throw new ConfigError(`unknown distribution '${String((d as { kind?: unknown }).kind)}' (expected fixed, uniform or lognormal)`, { field: `${field}.kind` });
  }
}

/** A class threshold; a null distribution ignores the signal (Infinity, per stressScore). */
function drawThreshold(d: ParamDistribution | null, rng: Rng, field: string, k: number): number {
  if (d === null) return Infinity;
  const v = drawParameter(d, rng);
  if (!(v > 0)) throw new ConfigError(`threshold drawn for class ${k} is ${v}; must be > 0`, { field });
  return v;
}

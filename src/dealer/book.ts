/**
 * The dealer's options book as a struct of typed arrays (STYLE.md principle
 * 7). Contract columns (strike, expiry, kind, quantity and the roll data)
 * describe what the dealer holds; the output columns are written by
 * valuation.ts and describe the last valuation. The book never allocates
 * after construction: expiries are removed by compacting in place and the
 * whole state can be saved into, and restored from, a caller-owned
 * Float64Array so the engine can try a bar and roll it back
 * (docs/model.md#reading-history).
 */

/** Option kind as stored in the `kind` column (the pricing kernels' sign w). */
export const CALL = 1;
export const PUT = -1;

/** One contract as generators and loaders describe it (setup time only; the book stores columns). */
export interface OptionSpec {
  /** Strike, quote currency per base unit. */
  readonly strike: number;
  /** Expiry, epoch ms UTC. */
  readonly expiryMs: number;
  /** +1 call, −1 put. */
  readonly kind: 1 | -1;
  /** Dealer's signed quantity in base units (−10 = short options on 10 units of the underlying). */
  readonly qty: number;
  /** Original tenor in ms, kept for rolling (NaN when unknown). */
  readonly tenorMs?: number;
  /** Strike over spot when the contract was written, kept for rolling (NaN when unknown). */
  readonly moneyness?: number;
}

/**
 * Called once per expired option by {@link OptionBook.removeExpired}, before
 * the slot is overwritten: read `book.strike[index]` etc. inside the call
 * only. `payoff` is the intrinsic value per unit at the settlement spot;
 * the dealer's cash flow is `book.qty[index] * payoff`.
 */
export type SettleCallback = (book: OptionBook, index: number, payoff: number) => void;

/**
 * The columns a valuation kernel reads and writes: the quantities, the
 * valuation's times and vols, and its outputs. A kernel that keeps its
 * columns in memory of its own (the WebAssembly one) lends them to the book
 * with {@link OptionBook.adoptColumns}, so a valuation copies nothing in or out.
 */
export const KERNEL_COLUMNS = ['qty', 'years', 'vol', 'price', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga'] as const;
export type KernelColumn = (typeof KERNEL_COLUMNS)[number];

export class OptionBook {
  readonly capacity: number;
  private n = 0;
  private contracts = 0;

  // Contract columns.
  /** Strike, quote per base unit. */
  readonly strike: Float64Array;
  /** Expiry, epoch ms UTC (exact as doubles up to 2^53). */
  readonly expiryMs: Float64Array;
  /** +1 call, −1 put. */
  readonly kind: Int8Array;
  /** Dealer's signed quantity, base units. */
  readonly qty: Float64Array;
  /** Original tenor in ms (NaN: unknown, the option is not rolled). */
  readonly tenorMs: Float64Array;
  /** Strike / spot at writing (NaN: unknown, the option is not rolled). */
  readonly moneyness: Float64Array;

  // Per-option outputs of the last valuation (per unit of the underlying, BS conventions of src/pricing).
  /** Time to expiry in years used by the last valuation. */
  readonly years: Float64Array;
  /** Implied vol used (annualised decimal). */
  readonly vol: Float64Array;
  /** Price per unit, quote. */
  readonly price: Float64Array;
  /** dPrice/dSpot, dimensionless. */
  readonly delta: Float64Array;
  /** d²Price/dSpot², per quote-per-base. */
  readonly gamma: Float64Array;
  /** dPrice/dvol per unit vol, quote. */
  readonly vega: Float64Array;
  /** dPrice/dt per year, quote. */
  readonly theta: Float64Array;
  /** dDelta/dvol per unit vol. */
  readonly vanna: Float64Array;
  /** dVega/dvol per unit vol², quote. */
  readonly volga: Float64Array;
  /** Scratch: the valuation spot broadcast per option (the batch kernel takes a spot column). */
  readonly spotScratch: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`book capacity must be an integer >= 0, got ${capacity}`);
    }
    this.capacity = capacity;
    this.strike = new Float64Array(capacity);
    this.expiryMs = new Float64Array(capacity);
    this.kind = new Int8Array(capacity);
    this.qty = new Float64Array(capacity);
    this.tenorMs = new Float64Array(capacity);
    this.moneyness = new Float64Array(capacity);
    this.years = new Float64Array(capacity);
    this.vol = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.delta = new Float64Array(capacity);
    this.gamma = new Float64Array(capacity);
    this.vega = new Float64Array(capacity);
    this.theta = new Float64Array(capacity);
    this.vanna = new Float64Array(capacity);
    this.volga = new Float64Array(capacity);
    this.spotScratch = new Float64Array(capacity);
  }

  /** A book holding `specs`, with room for `capacity` options (default: exactly the specs). */
  static from(specs: readonly OptionSpec[], capacity: number = specs.length): OptionBook {
    const b = new OptionBook(capacity);
    for (const s of specs) b.add(s.strike, s.expiryMs, s.kind, s.qty, s.tenorMs ?? NaN, s.moneyness ?? NaN);
    return b;
  }

  get length(): number {
    return this.n;
  }

  /**
   * Changes whenever the set of contracts (strike, expiry, kind, their order
   * or the length) may have changed: add, clear, removal of expiries, a
   * loaded state. Quantities are not covered (callers adjust qty in place).
   * Lets a valuation cache per-contract data such as ln K.
   */
  get contractsVersion(): number {
    return this.contracts;
  }

  /**
   * Moves the kernel columns into `storage` (arrays of exactly this book's
   * capacity; the current contents are copied over). From then on the book
   * reads and writes them there: an array taken from the book before the
   * call no longer follows it, so take columns from the book when using
   * them, not once for good.
   */
  adoptColumns(storage: Readonly<Record<KernelColumn, Float64Array>>): void {
    const self = this as unknown as Record<KernelColumn, Float64Array>;
    for (const c of KERNEL_COLUMNS) {
      const to = storage[c];
      if (to.length !== this.capacity) throw new RangeError(`column ${c}: storage holds ${to.length}, the book's capacity is ${this.capacity}`);
      if (to === self[c]) continue;
      to.set(self[c]);
      self[c] = to;
    }
    this.cols = undefined; // the saved-columns list holds the arrays: rebuilt on next use
  }

  /**
   * Appends one option; returns its index. Outputs of the new slot are
   * zeroed until the next valuation.
   * @throws RangeError when the book is full or an input is out of range
   */
  add(strike: number, expiryMs: number, kind: number, qty: number, tenorMs: number = NaN, moneyness: number = NaN): number {
    if (this.n >= this.capacity) {
      throw new RangeError(`option book is full (capacity ${this.capacity}); raise the capacity`);
    }
    if (!(strike > 0) || !Number.isFinite(strike)) throw new RangeError(`strike must be positive and finite, got ${strike}`);
    if (!Number.isFinite(expiryMs)) throw new RangeError(`expiryMs must be finite, got ${expiryMs}`);
    if (kind !== CALL && kind !== PUT) throw new RangeError(`kind must be +1 (call) or -1 (put), got ${kind}`);
    if (!Number.isFinite(qty)) throw new RangeError(`qty must be finite, got ${qty}`);
    const i = this.n++;
    this.contracts++;
    this.strike[i] = strike;
    this.expiryMs[i] = expiryMs;
    this.kind[i] = kind;
    this.qty[i] = qty;
    this.tenorMs[i] = tenorMs;
    this.moneyness[i] = moneyness;
    this.years[i] = 0;
    this.vol[i] = 0;
    this.price[i] = 0;
    this.delta[i] = 0;
    this.gamma[i] = 0;
    this.vega[i] = 0;
    this.theta[i] = 0;
    this.vanna[i] = 0;
    this.volga[i] = 0;
    return i;
  }

  /** Appends every option of `other` (e.g. a staging book of replacements); no allocation. */
  addAll(other: OptionBook): void {
    for (let i = 0; i < other.n; i++) {
      this.add(other.strike[i], other.expiryMs[i], other.kind[i], other.qty[i], other.tenorMs[i], other.moneyness[i]);
    }
  }

  /** Empties the book (capacity kept). */
  clear(): void {
    this.n = 0;
    this.contracts++;
  }

  /**
   * Removes every option with `expiryMs <= nowMs`, settling it at intrinsic
   * value `max(w (spot − K), 0)` per unit, and compacts the survivors in
   * place, keeping their order. Returns the dealer's total settlement cash
   * Σ qty · payoff (quote; negative when the dealer is short options that
   * finish in the money). Cash settlement against `settleSpot` is the
   * model's choice (crypto options settle in cash against an index).
   */
  removeExpired(nowMs: number, settleSpot: number, onSettle?: SettleCallback): number {
    if (!(settleSpot > 0) || !Number.isFinite(settleSpot)) {
      throw new RangeError(`settleSpot must be positive and finite, got ${settleSpot}`);
    }
    let cash = 0;
    let j = 0;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (this.expiryMs[i] <= nowMs) {
        const m = this.kind[i] * (settleSpot - this.strike[i]);
        const payoff = m > 0 ? m : 0;
        cash += this.qty[i] * payoff;
        if (onSettle !== undefined) onSettle(this, i, payoff);
        continue;
      }
      if (j !== i) this.moveSlot(i, j);
      j++;
    }
    if (j !== n) this.contracts++;
    this.n = j;
    return cash;
  }

  /** Sum of qty over options (base units); a check value for tests and reports. */
  netQty(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.qty[i];
    return s;
  }

  /** Float64Array length that saveState needs for the current length. */
  stateSize(): number {
    return 1 + this.n * this.columns().length;
  }

  /** Float64Array length that can hold any state of this book (allocate once). */
  maxStateSize(): number {
    return 1 + this.capacity * this.columns().length;
  }

  /**
   * Writes the whole book (contracts and last outputs) into `out` starting at
   * 0 and returns the number of doubles written. Column-major: [length,
   * strike[0..n), expiryMs[..], kind, qty, tenorMs, moneyness, years, vol,
   * price, delta, gamma, vega, theta, vanna, volga].
   */
  saveState(out: Float64Array): number {
    const n = this.n;
    const size = 1 + n * this.columns().length;
    if (out.length < size) throw new RangeError(`state buffer of length ${out.length} is shorter than ${size}`);
    out[0] = n;
    let o = 1;
    const cols = this.columns();
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c];
      for (let i = 0; i < n; i++) out[o + i] = col[i];
      o += n;
    }
    return size;
  }

  /** Restores a state written by saveState (into a book of enough capacity). */
  loadState(state: Float64Array): void {
    const n = state[0];
    if (!Number.isInteger(n) || n < 0 || n > this.capacity || state.length < 1 + n * this.columns().length) {
      throw new RangeError(`state holds ${n} options; this book's capacity is ${this.capacity} and the buffer length ${state.length}`);
    }
    let o = 1;
    const cols = this.columns();
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c];
      for (let i = 0; i < n; i++) col[i] = state[o + i];
      o += n;
    }
    this.n = n;
    this.contracts++;
  }

  private cols?: readonly (Float64Array | Int8Array)[];

  /** The saved columns, in order, built once so save/load stay allocation-free: the one list of what a book saves. */
  private columns(): readonly (Float64Array | Int8Array)[] {
    if (this.cols === undefined) {
      this.cols = [
        this.strike, this.expiryMs, this.kind, this.qty, this.tenorMs, this.moneyness,
        this.years, this.vol, this.price, this.delta, this.gamma, this.vega, this.theta, this.vanna, this.volga,
      ];
    }
    return this.cols;
  }

  private moveSlot(from: number, to: number): void {
    this.strike[to] = this.strike[from];
    this.expiryMs[to] = this.expiryMs[from];
    this.kind[to] = this.kind[from];
    this.qty[to] = this.qty[from];
    this.tenorMs[to] = this.tenorMs[from];
    this.moneyness[to] = this.moneyness[from];
    this.years[to] = this.years[from];
    this.vol[to] = this.vol[from];
    this.price[to] = this.price[from];
    this.delta[to] = this.delta[from];
    this.gamma[to] = this.gamma[from];
    this.vega[to] = this.vega[from];
    this.theta[to] = this.theta[from];
    this.vanna[to] = this.vanna[from];
    this.volga[to] = this.volga[from];
  }
}

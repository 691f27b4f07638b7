/** The columns a component declared, keyed by their names. */
export type Columns<N extends string> = { readonly [K in N]: Float64Array };

/**
 * Columnar per-bar record. Columns are Float64Arrays allocated once for the
 * whole run, so recording a bar allocates nothing; NaN means "not defined
 * at this bar" and is written as an empty CSV field.
 */
export class Recorder {
  readonly bars: number;
  private readonly byName = new Map<string, Float64Array>();
  private readonly order: string[] = [];

  constructor(bars: number) {
    this.bars = bars;
  }

  /**
   * Declares `names` in their order (an `as const` list the component owns)
   * and returns the columns keyed by name, so a misspelt name does not
   * compile. Declare every column before the loop starts.
   */
  columns<const N extends string>(names: readonly N[]): Columns<N> {
    const out = {} as Record<N, Float64Array>;
    for (const n of names) out[n] = this.column(n);
    return out;
  }

  /** Declares (or returns) one column. */
  private column(name: string): Float64Array {
    let col = this.byName.get(name);
    if (col === undefined) {
      col = new Float64Array(this.bars).fill(Number.NaN);
      this.byName.set(name, col);
      this.order.push(name);
    }
    return col;
  }

  /** By name, for readers that take a name from outside (CSV writer, `cascade compare`); owners keep their typed columns. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Float64Array {
    const col = this.byName.get(name);
    if (col === undefined) throw new Error(`no recorded column '${name}'`);
    return col;
  }

  names(): readonly string[] {
    return this.order;
  }
}

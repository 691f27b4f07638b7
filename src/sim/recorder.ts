/**
 * Columnar per-bar record. Columns are Float64Arrays allocated once for the
 * whole run, so recording a bar allocates nothing; NaN means "not defined
 * at this bar" and is written as an empty CSV field.
 */
export class Recorder {
  readonly bars: number;
  private readonly columns = new Map<string, Float64Array>();
  private readonly order: string[] = [];

  constructor(bars: number) {
    this.bars = bars;
  }

  /** Declares (or returns) a column; declare every column before the loop starts. */
  column(name: string, fill = Number.NaN): Float64Array {
    let col = this.columns.get(name);
    if (col === undefined) {
      col = new Float64Array(this.bars).fill(fill);
      this.columns.set(name, col);
      this.order.push(name);
    }
    return col;
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  get(name: string): Float64Array {
    const col = this.columns.get(name);
    if (col === undefined) throw new Error(`no recorded column '${name}'`);
    return col;
  }

  names(): readonly string[] {
    return this.order;
  }
}

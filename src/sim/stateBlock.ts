import { invariant } from '../core/errors.js';
import type { Saveable } from './saveable.js';

/**
 * Building blocks of a component's saved state, declared once: which scalar
 * fields, which fixed-length arrays and which children, in which order.
 * Sizes and offsets are derived from the declaration, so adding a field to
 * the state is adding its name to a list. The fields stay plain fields of
 * the component (the hot loops read them as before); only save and load go
 * through the lists. Save and load allocate nothing.
 */

type Scalar = number | boolean;

/** The fields of `T` a scalar block can hold: numbers, and booleans (saved as 1 / 0). */
export type ScalarKey<T> = { [K in keyof T]-?: T[K] extends Scalar ? K : never }[keyof T] & string;

/** A fixed-length array of numbers saved element by element (typed arrays convert as `TypedArray.set` does). */
export interface NumberArray {
  readonly length: number;
  [i: number]: number;
}

class ScalarBlock implements Saveable {
  readonly stateSize: number;
  private readonly of: Record<string, Scalar>;
  private readonly names: readonly string[];
  /** 1 where the field holds a boolean. */
  private readonly flag: Uint8Array;

  constructor(of: object, names: readonly string[]) {
    const rec = of as Record<string, unknown>;
    const owner = of.constructor?.name ?? 'object';
    this.flag = new Uint8Array(names.length);
    for (let i = 0; i < names.length; i++) {
      const v = rec[names[i]];
      invariant(typeof v === 'number' || typeof v === 'boolean', `${owner}: saved field '${names[i]}' is ${typeof v}, not a number or boolean`);
      invariant(names.indexOf(names[i]) === i, `${owner}: saved field '${names[i]}' is listed twice`);
      this.flag[i] = typeof v === 'boolean' ? 1 : 0;
    }
    this.of = rec as Record<string, Scalar>;
    this.names = names;
    this.stateSize = names.length;
  }

  saveState(buf: Float64Array, offset: number): void {
    const of = this.of;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const v = of[names[i]];
      buf[offset + i] = this.flag[i] === 1 ? (v ? 1 : 0) : (v as number);
    }
  }

  loadState(buf: Float64Array, offset: number): void {
    const of = this.of;
    const names = this.names;
    for (let i = 0; i < names.length; i++) of[names[i]] = this.flag[i] === 1 ? buf[offset + i] === 1 : buf[offset + i];
  }
}

/** Named number or boolean fields of a plain object (totals, greeks), saved in list order. */
export function scalars<T extends object>(of: T, names: readonly ScalarKey<T>[]): Saveable {
  return new ScalarBlock(of, names);
}

/**
 * A component's own fields, saved in list order. TypeScript's `keyof` leaves
 * out private members, so the names cannot be typed here: each is checked
 * when the block is built (every construction), and the error names the
 * class and the field.
 */
export function ownScalars(self: object, names: readonly string[]): Saveable {
  return new ScalarBlock(self, names);
}

class ArrayBlock implements Saveable {
  readonly stateSize: number;
  constructor(private readonly list: readonly NumberArray[]) {
    let n = 0;
    for (const a of list) n += a.length;
    this.stateSize = n;
  }

  saveState(buf: Float64Array, offset: number): void {
    let o = offset;
    for (let k = 0; k < this.list.length; k++) {
      const a = this.list[k];
      if (a instanceof Float64Array) buf.set(a, o);
      else for (let j = 0; j < a.length; j++) buf[o + j] = a[j];
      o += a.length;
    }
  }

  // Element by element: a subarray view would allocate on every load.
  loadState(buf: Float64Array, offset: number): void {
    let o = offset;
    for (let k = 0; k < this.list.length; k++) {
      const a = this.list[k];
      for (let j = 0; j < a.length; j++) a[j] = buf[o + j];
      o += a.length;
    }
  }
}

/** Fixed-length arrays (columns sized at construction), saved whole, one after another. */
export function arrays(...list: readonly NumberArray[]): Saveable {
  return new ArrayBlock(list);
}

class StateList implements Saveable {
  constructor(private readonly parts: readonly Saveable[]) {}

  get stateSize(): number {
    let n = 0;
    for (let k = 0; k < this.parts.length; k++) n += this.parts[k].stateSize;
    return n;
  }

  saveState(buf: Float64Array, offset: number): void {
    let o = offset;
    for (let k = 0; k < this.parts.length; k++) {
      const p = this.parts[k];
      p.saveState(buf, o);
      o += p.stateSize;
    }
  }

  loadState(buf: Float64Array, offset: number): void {
    let o = offset;
    for (let k = 0; k < this.parts.length; k++) {
      const p = this.parts[k];
      p.loadState(buf, o);
      o += p.stateSize;
    }
  }
}

/**
 * Parts saved one after another; a part's size is read at each save, so a
 * child whose size can change (an option book) keeps working. Absent parts
 * (`null`, `undefined`: an optional component not built) take no room.
 */
export function stateOf(...parts: readonly (Saveable | null | undefined)[]): Saveable {
  const present: Saveable[] = [];
  for (const p of parts) if (p) present.push(p);
  return present.length === 1 ? present[0] : new StateList(present);
}

/**
 * Base of a component whose saved state is exactly its declared block.
 * `describeState` is called once, on first use (so it may name fields the
 * constructor sets in any order); a misspelt or non-scalar name throws then.
 */
export abstract class Stateful implements Saveable {
  // A native private field: not enumerable, so JSON.stringify and deep
  // equality over a component do not walk into its state block.
  #block: Saveable | null = null;
  /** The component's whole saved state, in order. */
  protected abstract describeState(): Saveable;
  private get saved(): Saveable {
    if (this.#block === null) this.#block = this.describeState();
    return this.#block;
  }
  get stateSize(): number {
    return this.saved.stateSize;
  }
  saveState(buf: Float64Array, offset: number): void {
    this.saved.saveState(buf, offset);
  }
  loadState(buf: Float64Array, offset: number): void {
    this.saved.loadState(buf, offset);
  }
}


/**
 * A component whose whole mutable state can be written to and read back
 * from a Float64Array, so a bar can be tried and rolled back (the
 * inferred-shock replay). `stateSize` is the number of slots it writes.
 */
export interface Saveable {
  readonly stateSize: number;
  saveState(buf: Float64Array, offset: number): void;
  loadState(buf: Float64Array, offset: number): void;
}

/**
 * A component whose whole mutable state can be written to and read back
 * from a Float64Array, so a bar can be tried and rolled back (the
 * inferred-shock replay). `stateSize` is the number of slots it writes.
 * Components declare what they save once, with the blocks of
 * `stateBlock.ts` (named scalar fields, fixed-length arrays, children in
 * order), so sizes and offsets follow from the declaration;
 * test/sim/snapshotContract.test.ts holds every implementer to the contract.
 */
export interface Saveable {
  readonly stateSize: number;
  saveState(buf: Float64Array, offset: number): void;
  loadState(buf: Float64Array, offset: number): void;
}

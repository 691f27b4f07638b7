// Boots a pool worker: a worker process started with its own execArgv (single-threaded GC) does not inherit tsx's loader, so this
// plain .mjs registers it before importing the TypeScript trial code.
import { register } from 'tsx/esm/api';

register();
const { runTrial } = await import('../trial.ts');

/** Tinypool calls the default export with each trial spec. */
export default function run(spec) {
  return runTrial(spec);
}

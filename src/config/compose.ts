import { ConfigError } from '../core/errors.js';
import { isPlainObject as isObject } from '../core/plainObject.js';
import { applyOverrides, checkNesting, setDotted } from './load.js';

/** The command-line pieces that change a scenario, in the order a user expects them to apply. */
export interface CommandLineOverrides {
  /** `--data FILE` (absolute): sets the bar source to this file and nothing else. */
  readonly data?: string;
  /** `--iv FILE` (absolute): sets the IV index path, keeping the scenario's other IV settings. */
  readonly iv?: string;
  /** `--liquidations FILE` (absolute): exchange liquidation prints to set against the simulated ones. */
  readonly liquidations?: string;
  /** `--seed N`. */
  readonly seed?: string;
  /** `--set path=value`, applied last, in the order given, so they win over everything above. */
  readonly set: readonly string[];
}

/**
 * Applies the command line to a raw scenario: first `--data`, `--iv` and
 * `--seed`, then every `--set`, so `--data F --set data.bars.volumeUnit=quote`
 * keeps the unit. `--data` replaces a synthetic source by a file source (the
 * synthetic keys mean nothing for a file) but keeps a file source's other
 * keys (layout, unit, symbol).
 */
export function composeOverrides(raw: Record<string, unknown>, cl: CommandLineOverrides): Record<string, unknown> {
  checkNesting(raw);
  const root = structuredClone(raw);
  if (cl.data !== undefined) {
    const data = (isObject(root.data) ? root.data : (root.data = {})) as Record<string, unknown>;
    const bars = data.bars;
    data.bars = isObject(bars) && bars.source === 'file' ? { ...bars, path: cl.data } : { source: 'file', path: cl.data };
  }
  if (cl.iv !== undefined) setDotted(root, ['data', 'iv', 'path'], cl.iv, '--iv');
  if (cl.liquidations !== undefined) setDotted(root, ['data', 'liquidationPrints', 'path'], cl.liquidations, '--liquidations');
  if (cl.seed !== undefined) {
    const seed = Number(cl.seed);
    if (!Number.isInteger(seed)) throw new ConfigError(`--seed expects a whole number, got '${cl.seed}'`);
    root.seed = seed;
  }
  return applyOverrides(root, cl.set) as Record<string, unknown>;
}

/**
 * A `--set` must name a field the final scenario holds: the validated
 * scenario (defaults filled) must have a value at its path. A key that a
 * later override or a schema branch dropped is refused, naming the key.
 */
export function checkOverridesHeld(resolved: unknown, sets: readonly string[]): void {
  for (const assignment of sets) {
    const path = assignment.slice(0, assignment.indexOf('=')).split('.');
    let node: unknown = resolved;
    for (let i = 0; i < path.length; i++) {
      const held = Array.isArray(node) ? /^(0|[1-9][0-9]*)$/.test(path[i]) && Number(path[i]) < node.length : isObject(node) && Object.prototype.hasOwnProperty.call(node, path[i]);
      if (!held) {
        throw new ConfigError(`--set '${path.join('.')}': the scenario has no field '${path.slice(0, i + 1).join('.')}'`, { field: path.join('.') });
      }
      node = (node as Record<string, unknown>)[path[i]];
    }
  }
}

import { resolve } from 'node:path';
import { isStrategyId } from '../config/strategySchema.js';
import { isPlainObject } from '../core/plainObject.js';

/** `--strategy <path|id>` as `run` and `compare` take it. */
export const STRATEGY_OPTION = ['--strategy <path|id>', 'run this strategy inside the crash (a .ts module, or the id of one in strategies/), with its naive twin'] as const;

/**
 * The scenario with `strategy.path` set from `--strategy` (keeping its other
 * strategy fields): an id as given, a path made absolute against the
 * working folder. Applied before the --set overrides, so
 * `--set strategy.params.x=..` applies to it.
 */
export function withStrategyOption(raw: Record<string, unknown>, option: string | undefined): Record<string, unknown> {
  if (option === undefined) return raw;
  const prev = raw.strategy;
  const base = isPlainObject(prev) ? prev : {};
  return { ...raw, strategy: { ...base, path: isStrategyId(option) ? option : resolve(option) } };
}

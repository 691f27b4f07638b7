import { isAbsolute, relative, resolve } from 'node:path';
import type { Scenario } from './scenario.js';
import { isStrategyId } from './strategySchema.js';

/**
 * A copy of the scenario whose file paths (bars, IV index, L2 snapshot,
 * dealer book, positions, gas series, strategy module) are rewritten from `fromDir` to be
 * relative to `toDir`, so the `config.json` written into a report folder
 * can be run again from there (`cascade run <report>/config.json`).
 */
export function rebasePaths(scenario: Scenario, fromDir: string, toDir: string): Scenario {
  const s = structuredClone(scenario);
  const move = (p: string): string => {
    const abs = isAbsolute(p) ? p : resolve(fromDir, p);
    return relative(resolve(toDir), abs) || '.';
  };
  const bars = s.data.bars;
  if (bars.source === 'file') bars.path = move(bars.path);
  else if (bars.source === 'synthetic' && bars.path !== undefined) bars.path = move(bars.path);
  if (s.data.iv) s.data.iv.path = move(s.data.iv.path);
  const liq = s.market.liquidity;
  if (liq.kind === 'book' && liq.snapshot !== undefined) liq.snapshot = move(liq.snapshot);
  for (const block of Array.isArray(s.dealer.inventory) ? s.dealer.inventory : [s.dealer.inventory]) {
    if (block.kind === 'csv' || block.kind === 'chain') block.path = move(block.path);
  }
  if (s.surface.chain) s.surface.chain.path = move(s.surface.chain.path);
  if (s.protocol.population.kind === 'csv') s.protocol.population.path = move(s.protocol.population.path);
  if (s.protocol.keepers.gas) s.protocol.keepers.gas.path = move(s.protocol.keepers.gas.path);
  if (s.protocol.perp?.funding.kind === 'series') s.protocol.perp.funding.path = move(s.protocol.perp.funding.path);
  if (s.protocol.perp?.index) s.protocol.perp.index.path = move(s.protocol.perp.index.path);
  if (s.data.liquidationPrints) s.data.liquidationPrints.path = move(s.data.liquidationPrints.path);
  if (s.strategy && !isStrategyId(s.strategy.path)) s.strategy.path = move(s.strategy.path);
  return s;
}

/**
 * A copy of a raw scenario (as read, before validation) with every file
 * path written in it (the strategy module's too, unless it is a bundled
 * strategy's id) made absolute against `baseDir`, so it runs the same from
 * any folder or machine that sees those files. Raw, because a
 * validated scenario holds defaults (Infinity) that JSON cannot carry.
 */
export function absoluteRawPaths(raw: unknown, baseDir: string): unknown {
  const s = structuredClone(raw) as Record<string, unknown>;
  const fix = (node: unknown, key: string): void => {
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const o = node as Record<string, unknown>;
      if (typeof o[key] === 'string' && !isAbsolute(o[key] as string)) o[key] = resolve(baseDir, o[key] as string);
    }
  };
  const at = (...path: string[]): unknown => path.reduce<unknown>((n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), s);
  fix(at('data', 'bars'), 'path');
  fix(at('data', 'iv'), 'path');
  fix(at('market', 'liquidity'), 'snapshot');
  fix(at('surface', 'chain'), 'path');
  const inv = at('dealer', 'inventory');
  for (const block of Array.isArray(inv) ? inv : [inv]) fix(block, 'path');
  fix(at('protocol', 'population'), 'path');
  fix(at('protocol', 'keepers', 'gas'), 'path');
  fix(at('protocol', 'perp', 'funding'), 'path');
  fix(at('protocol', 'perp', 'index'), 'path');
  fix(at('data', 'liquidationPrints'), 'path');
  const strategy = at('strategy') as { path?: unknown } | undefined;
  if (typeof strategy?.path !== 'string' || !isStrategyId(strategy.path)) fix(strategy, 'path');
  return s;
}

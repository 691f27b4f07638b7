/**
 * The files `cascade strategy init` writes: a strategy module that imports
 * the API from `cascade-lab/strategy` (docs/strategies.md, "A strategy in
 * your own folder"), and a tsconfig.json that typechecks it against the
 * checkout's API with the checkout's compiler.
 */
import { basename, extname, join } from 'node:path';
import { PROJECT_ROOT } from '../config/resolveTarget.js';
import { ConfigError } from '../core/errors.js';

/** The strategy id a file name gives: lower case, words joined by '-' (the form bundled ids take). */
export function strategyIdOf(file: string): string {
  const id = basename(file, extname(file))
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (id === '') throw new ConfigError(`cannot make a strategy id from the file name '${basename(file)}'`, { field: 'file' });
  return id;
}

/** A strategy that buys one tranche when RSI falls under a level and sells it at a take-profit: every callback a first strategy needs. */
export function strategySource(id: string): string {
  return `import { defineStrategy, z } from 'cascade-lab/strategy';

/**
 * ${id}: buys a tranche when RSI(14) falls under \`rsiBelow\`, sells it when
 * the mid is \`takeProfit\` above the entry. A starting point: see
 * docs/strategies.md in cascade-lab for the context, orders and callbacks.
 */
export default defineStrategy({
  id: '${id}',
  description: 'Buys a tranche when RSI falls under a level; sells it at a take-profit.',
  params: z.strictObject({
    rsiBelow: z.number().min(0).max(100).default(25).describe('RSI(14) level under which it buys, 0..100. Default 25.'),
    trancheBase: z.number().positive().default(1).describe('Size of the tranche, base units. Default 1.'),
    takeProfit: z.number().positive().default(0.05).describe('Mid over the entry price at which it sells, fraction. Default 0.05.'),
  }),
  create(p) {
    // All state lives here: create() is called once for the simulated run and once for the naive twin.
    let entry = Number.NaN;
    return {
      start() {},
      onBar(ctx, orders) {
        const held = ctx.account.positionBase > 0;
        if (!held && ctx.indicators.rsi < p.rsiBelow && orders.market(p.trancheBase) >= 0) entry = ctx.mid();
        else if (held && ctx.mid() >= entry * (1 + p.takeProfit)) orders.market(-ctx.account.positionBase);
      },
      stop() {},
    };
  },
});
`;
}

/** A tsconfig.json beside the module: strict, no output, \`cascade-lab/strategy\` mapped to the checkout's API. */
export function tsconfigSource(moduleFile: string): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { 'cascade-lab/strategy': [join(PROJECT_ROOT, 'src', 'strategy', 'api.ts')] },
    },
    files: [basename(moduleFile)],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The checkout's TypeScript compiler and launcher, by absolute path (the user's folder may be anywhere). */
export const COMPILER = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc');
export const LAUNCHER = join(PROJECT_ROOT, 'bin', 'cascade.mjs');

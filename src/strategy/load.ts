import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { isStrategyId } from '../config/strategySchema.js';
import type { StrategyDefinition } from './api.js';
import { allowOutsideImports, isOutsideProject } from './outsideImports.js';

/** The bundled strategies: strategies/ at the project root. */
export const STRATEGIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'strategies');

/** Where `pathOrId` names a strategy module: an id of a bundled one, or a file relative to `baseDir`. */
export function resolveStrategyPath(pathOrId: string, baseDir: string): string {
  if (isStrategyId(pathOrId)) {
    const file = join(STRATEGIES_DIR, `${pathOrId}.ts`);
    if (!existsSync(file)) throw new ConfigError(`no bundled strategy '${pathOrId}' (no ${file}); give an id of a file in strategies/ or a path to a .ts file`, { field: 'strategy.path' });
    return file;
  }
  const file = isAbsolute(pathOrId) ? pathOrId : resolve(baseDir, pathOrId);
  if (!existsSync(file)) throw new ConfigError(`strategy module '${pathOrId}' not found (looked at ${file})`, { field: 'strategy.path' });
  return file;
}

/** Imports a strategy module and checks that it default-exports a `defineStrategy({...})`. */
export async function loadStrategy(pathOrId: string, baseDir: string): Promise<StrategyDefinition> {
  const file = resolveStrategyPath(pathOrId, baseDir);
  if (isOutsideProject(file)) allowOutsideImports();
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new ConfigError(`cannot load strategy module: ${err instanceof Error ? err.message : String(err)}`, { file, field: 'strategy.path' });
  }
  const def = mod.default as Partial<StrategyDefinition> | undefined;
  if (!def || typeof def !== 'object' || typeof def.id !== 'string' || typeof def.create !== 'function' || !def.params || typeof (def.params as z.ZodObject).safeParse !== 'function') {
    throw new ConfigError('a strategy module must `export default defineStrategy({ id, description, params, create })`', { file, field: 'strategy.path' });
  }
  return def as StrategyDefinition;
}

/** The strategy's parameters checked against its schema (defaults filled), or a ConfigError naming the field. */
export function parseStrategyParams(def: StrategyDefinition, params: unknown): unknown {
  const r = def.params.safeParse(params ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = ['strategy', 'params', ...issue.path.map(String)].join('.');
  throw new ConfigError(`strategy ${def.id}: ${issue.message}`, { field });
}

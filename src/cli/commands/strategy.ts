/**
 * `cascade strategy list`: the bundled strategies with their parameters;
 * `cascade strategy init <file.ts>`: a first strategy module (and a
 * tsconfig.json to typecheck it) in a folder of the user's own.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { loadStrategy, STRATEGIES_DIR } from '../../strategy/load.js';
import { isOutsideProject } from '../../strategy/outsideImports.js';
import { COMPILER, LAUNCHER, strategyIdOf, strategySource, tsconfigSource } from '../../strategy/template.js';

export function registerStrategyCommands(program: Command): void {
  const strategy = program.command('strategy').description('list the bundled strategies; start one of your own');
  strategy
    .command('list')
    .description('the bundled strategies (ids usable with --strategy), each with its parameters, units and defaults')
    .action(async () => {
      const ids = readdirSync(STRATEGIES_DIR)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.slice(0, -3))
        .sort();
      const lines: string[] = [];
      for (const id of ids) {
        const def = await loadStrategy(id, STRATEGIES_DIR);
        lines.push(`${def.id}: ${def.description}`);
        for (const [name, schema] of Object.entries(def.params.shape)) lines.push(`  ${name}: ${(schema as { description?: string }).description ?? ''}`.trimEnd());
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  strategy
    .command('init <file>')
    .description('write a first strategy module to FILE (.ts, in a folder of your own) and a tsconfig.json beside it to typecheck it')
    .action((file: string) => {
      const path = resolve(file);
      if (!path.endsWith('.ts')) throw new ConfigError(`a strategy module is a .ts file, got '${file}'`, { field: 'file' });
      if (!isOutsideProject(path)) throw new ConfigError(`'${file}' is inside the checkout: init writes a strategy for a folder of your own; in the checkout, copy a module of strategies/ instead`, { field: 'file' });
      if (existsSync(path)) throw new ConfigError(`'${file}' exists; init writes new files only`, { field: 'file' });
      const dir = dirname(path);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, strategySource(strategyIdOf(path)));
      const tsconfig = join(dir, 'tsconfig.json');
      const wroteConfig = !existsSync(tsconfig);
      if (wroteConfig) writeFileSync(tsconfig, tsconfigSource(path));
      process.stdout.write(
        [
          `wrote ${path}${wroteConfig ? ` and ${tsconfig}` : ` (${tsconfig} exists, left as it is: add ${basename(path)} to its files)`}`,
          `typecheck: ${COMPILER} -p ${dir}`,
          `run:       ${LAUNCHER} run default --strategy ${path}`,
          '',
        ].join('\n'),
      );
    });
}

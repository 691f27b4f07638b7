import type { Command } from 'commander';
import { scenarioJsonSchema } from '../../config/load.js';
import { listCrashes } from '../../data/catalog.js';

export function registerCatalogCommands(program: Command): void {
  program
    .command('crashes')
    .description('list the crash catalog (names usable with `cascade run <name>`)')
    .option('--json', 'print the whole catalog as JSON')
    .action((opts: { json?: boolean }) => {
      const crashes = listCrashes();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(crashes, null, 2)}\n`);
        return;
      }
      for (const c of crashes) {
        process.stdout.write(`${c.name.padEnd(22)} ${c.crashDate}  ${c.title}\n`);
      }
    });
  program
    .command('schema')
    .description('print the JSON Schema of scenario files')
    .action(() => {
      process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
    });
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CascadeError, clip } from '../core/errors.js';
import { abandonOpenOutputs } from '../report/outputDir.js';
import { registerRunCommand } from './commands/run.js';
import { registerDataCommands } from './commands/data.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerPriceCommands } from './commands/price.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerReportCommand } from './commands/report.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerBondCommands } from './commands/bond.js';
import { registerMarginCommands } from './commands/margin.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerStrategyCommands } from './commands/strategy.js';

/**
 * The CLI only parses, calls and prints. User mistakes surface as
 * one line on stderr and exit code 1; anything else is a bug and keeps its
 * stack trace (exit 2).
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cascade')
    .description('cascade-lab: replay a crash through a market where dealer hedges and liquidations move the price')
    .exitOverride()
    // Options belong to the command they follow, so `sweep merge … --out DIR` is the merge's --out, not the sweep's.
    .enablePositionalOptions();
  registerRunCommand(program);
  registerDataCommands(program);
  registerCatalogCommands(program);
  registerPriceCommands(program);
  registerCompareCommand(program);
  registerReplayCommand(program);
  registerStrategyCommands(program);
  registerReportCommand(program);
  registerSweepCommand(program);
  registerWorkerCommand(program);
  registerBondCommands(program);
  registerMarginCommands(program);
  withUsageOnError(program, 'cascade');
  return program;
}

/**
 * A parse mistake (missing argument, unknown option) prints commander's
 * one-line error with the command's usage on the same line, not the whole
 * help (18–26 lines); `--help` still prints the help.
 */
function withUsageOnError(cmd: Command, name: string): void {
  const usage = `${name} ${cmd.usage()}`;
  cmd.configureOutput({
    outputError: (str, write) => write(`${clip(str.trimEnd(), 200)} (usage: ${usage}; see --help)\n`),
  });
  for (const sub of cmd.commands) withUsageOnError(sub, `${name} ${sub.name()}`);
  // A group named without its subcommand (`cascade data`) would print the
  // whole help; one line naming the subcommands says the same.
  // Only a pure group: `sweep <file>` also has subcommands (merge) and its own action.
  if (cmd.commands.length > 0 && cmd.parent !== null && cmd.registeredArguments.length === 0) {
    const subs = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
    cmd.allowExcessArguments(true).action(() => {
      const given = cmd.args[0];
      const why = given === undefined ? `${name} needs a subcommand` : `unknown command '${clip(given, 40)}' for ${name}`;
      cmd.error(`error: ${why}: ${subs.join(', ')}`, { exitCode: 1, code: 'cascade.missingSubcommand' });
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    abandonOpenOutputs();
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 1;
    }
    if (err instanceof CascadeError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`internal error (a bug in cascade-lab, please report it):\n${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  // A reader that closes the pipe early (`cascade crashes | head -2`) ends what is printed, not the command: a run still writes its folder.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

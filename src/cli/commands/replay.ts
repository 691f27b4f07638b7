import type { Command } from 'commander';
import { basename, join, resolve } from 'node:path';
import { scenarioHash, validateScenario } from '../../config/load.js';
import { checkOverridesHeld, composeOverrides } from '../../config/compose.js';
import { resolveTarget } from '../../config/resolveTarget.js';
import { rebasePaths } from '../../config/rebasePaths.js';
import { ConfigError } from '../../core/errors.js';
import { crashNames } from '../../data/catalog.js';
import { crashScenario } from '../../runner/crashScenario.js';
import { formatPathStanding, pathStanding } from '../../runner/pathStanding.js';
import { prepareRunData } from '../../runner/prepareData.js';
import { runReplay, type ReplayDesign, type ReplayResult } from '../../runner/replay.js';
import type { Scenario } from '../../config/scenario.js';
import { prepareOutput } from '../../report/outputDir.js';
import { writeReplay } from '../../report/writeReplay.js';
import { collect } from '../collect.js';

interface ReplayOptions {
  data?: string;
  seed?: string;
  out?: string;
  set: string[];
  design: string[];
  designSet: string[];
  quiet?: boolean;
}

/** `cascade replay <scenario> --design FILE …`: infer the crash's shocks under the scenario's design, replay them under other designs. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('infer the exogenous shocks of the history under the scenario\'s design (history.mode inferred), then replay them in overlay under each --design; writes a table per design')
    .argument('<scenario>', 'scenario file (.json/.yaml), `default`, or a crash name: the design the shocks are inferred under')
    .option('--design <file>', 'a scenario file whose market, agents and defences are replayed on the inferred shocks (its data is ignored; repeatable)', collect, [])
    .option('--design-set <[name:] path=value;...>', 'a design made of the scenario with these overrides, separated by ";", optionally named first ("no-ladder: protocol.enabled=false"; repeatable)', collect, [])
    .option('--data <file>', 'infer from these real bars instead of the scenario data')
    .option('--seed <n>', 'master seed of the scenario (overrides it)')
    .option('--set <path=value>', 'override a field of the scenario before anything runs (repeatable)', collect, [])
    .option('--out <dir>', 'write the folder here (default: <output.dir>/replay-<name>-<config hash>)')
    .option('--quiet', 'print only the output folder')
    .action((target: string, opts: ReplayOptions) => {
      if (opts.design.length + opts.designSet.length === 0) throw new ConfigError('give at least one --design FILE or --design-set "path=value"');
      const resolved = resolveTarget(target, { names: crashNames(), build: crashScenario });
      const raw = composeOverrides(resolved.raw, {
        set: opts.set,
        ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      });
      const base = validateScenario(raw, resolved.file);
      checkOverridesHeld(base, opts.set);
      const designs: ReplayDesign[] = [
        ...opts.design.map((file) => designFromFile(file, base)),
        ...opts.designSet.map((sets) => designFromSets(sets, raw, resolved.file, resolved.baseDir)),
      ];
      const hash = scenarioHash(base);
      const dir = opts.out ?? join(base.output.dir, `replay-${base.name}-${hash.slice(0, 10)}`);
      const output = prepareOutput(dir, 'replay');
      const prepared = prepareRunData(base, resolved.baseDir);
      const progress = opts.quiet ? undefined : (stage: string): void => void process.stderr.write(stage === 'infer' ? 'inferring the shocks...\n' : `replaying: ${stage}\n`);
      const result = runReplay(base, prepared.data, resolved.baseDir, designs, progress ? { onStage: progress } : {});
      const configs: Record<string, unknown> = { inferredUnder: rebasePaths(base, resolved.baseDir, dir) };
      for (const d of designs) configs[d.name] = rebasePaths(d.scenario, d.baseDir, dir);
      writeReplay(output, { scenarioName: base.name, configHash: hash, seed: base.seed, ...prepared.identity }, result, configs);
      if (opts.quiet) {
        process.stdout.write(`${dir}\n`);
        return;
      }
      const label = prepared.identity.synthetic ? ' [SYNTHETIC path]' : '';
      const standing = pathStanding(base, resolved.baseDir);
      process.stdout.write(
        `replay ${base.name}${label}: ${prepared.data.bars.length} bars ${prepared.identity.firstBar} .. ${prepared.identity.lastBar}\n` +
          (standing ? `${formatPathStanding(standing)}\n` : '') +
          `${formatReplayTable(result)}report: ${dir}\n`,
      );
    });
}

/** A design from a scenario file: its own market, agents and defences on the base's data (which the replay replaces anyway). */
function designFromFile(file: string, base: Scenario): ReplayDesign {
  const r = resolveTarget(file, { names: crashNames(), build: crashScenario });
  const { data: _data, history: _history, ...rest } = r.raw;
  const scenario = validateScenario({ ...rest, data: base.data }, r.file);
  const name = typeof r.raw.name === 'string' ? r.raw.name : basename(file).replace(/\.(json|ya?ml)$/i, '');
  return { name, scenario, baseDir: r.baseDir };
}

/** A design from overrides of the base: `a.b=1;c.d=x`, optionally named first: `no-ladder: a.b=1`. */
function designFromSets(spec: string, raw: Record<string, unknown>, file: string | undefined, baseDir: string): ReplayDesign {
  // A name is the text before a ':' that comes before any '=' (values may hold ':').
  const colon = spec.indexOf(':');
  const eq = spec.indexOf('=');
  const named = colon > 0 && (eq < 0 || colon < eq);
  const name = named ? spec.slice(0, colon).trim() : undefined;
  const sets = (named ? spec.slice(colon + 1) : spec).split(';').map((s) => s.trim()).filter((s) => s !== '');
  if (sets.length === 0 || sets.some((s) => !s.includes('='))) throw new ConfigError(`--design-set '${spec}': expected path=value, several separated by ';'`);
  const scenario = validateScenario(composeOverrides(raw, { set: sets }), file);
  checkOverridesHeld(scenario, sets);
  return { name: name !== undefined && name !== '' ? name : sets.join(' '), scenario, baseDir };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function quote(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a >= 1e9 ? `${(x / 1e9).toFixed(2)}B` : a >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : a >= 1e3 ? `${(x / 1e3).toFixed(2)}k` : x.toFixed(2);
}

/** The per-design table as the terminal prints it. */
export function formatReplayTable(r: ReplayResult): string {
  const f = r.inferred.figures;
  const head = ['design', 'low', 'max drawdown', 'de-amplification', 'liquidations', 'bad debt'];
  const lines: string[][] = [head, ['historical', r.historicalLow.toPrecision(6), pct(r.historicalMaxDrawdown), '1', '', '']];
  for (const row of r.rows) {
    const g = row.figures;
    lines.push([row.name, g.low.toPrecision(6), pct(g.maxDrawdown), g.deAmplification.toFixed(3), Number.isFinite(g.liquidations) ? String(g.liquidations) : '–', quote(g.badDebt)]);
  }
  const widths = head.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const table = lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
  return (
    `inferred: ${(f.inferredMeanTries as number).toFixed(2)} tries/bar, ${String(f.inferredBarsFlagged)} bars flagged (no shock reaches the close), largest gap ${pct(f.inferredMaxAbsGap as number)}\n` +
    `${table}\n`
  );
}

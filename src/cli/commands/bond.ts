/**
 * `bond price` and `bond table`: the contagion bond's fair coupon by
 * simulation, and what a unit of coupon buys across trigger levels. Parsing
 * and printing only; the numbers come from runner/bondPricing.ts and
 * runner/bondTable.ts.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { checkOverridesHeld, composeOverrides } from '../../config/compose.js';
import { validateScenario } from '../../config/load.js';
import { resolveTarget } from '../../config/resolveTarget.js';
import type { Scenario } from '../../config/scenario.js';
import { ConfigError } from '../../core/errors.js';
import { crashNames } from '../../data/catalog.js';
import { priceBond, type BondPricing, type FairCoupon } from '../../runner/bondPricing.js';
import { bondLevelTable, type BondTable } from '../../runner/bondTable.js';
import { crashScenario } from '../../runner/crashScenario.js';
import { formatPathStanding, pathStanding } from '../../runner/pathStanding.js';
import { prepareRunData } from '../../runner/prepareData.js';
import { collect } from '../collect.js';

interface BondOptions {
  data?: string;
  seed?: string;
  set: string[];
  paths?: string;
  pathSeed?: string;
  levels?: string;
  json?: boolean;
  quiet?: boolean;
}

function wholeNumber(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${flag} expects a whole number >= ${min}, got '${value}'`, { field: flag });
  return n;
}

function parseLevels(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s, i) => {
    const x = Number(s.trim());
    if (!(x > 0 && Number.isFinite(x))) throw new ConfigError(`--levels: value ${i + 1} ('${s}') is not a number > 0`, { field: '--levels' });
    return x;
  });
}

function loadScenario(target: string, opts: BondOptions): { scenario: Scenario; baseDir: string } {
  const resolved = resolveTarget(target, { names: crashNames(), build: crashScenario });
  const composed = composeOverrides(resolved.raw, {
    set: opts.set,
    ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  const scenario = validateScenario(composed, resolved.file);
  checkOverridesHeld(scenario, opts.set);
  return { scenario, baseDir: resolved.baseDir };
}

const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
const money = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(3)}M` : x.toFixed(0)) : String(x));

function formatFair(f: FairCoupon): string {
  return (
    `level ${f.level}: P(trigger) ${f.triggerProbability.toFixed(4)} ± ${f.triggerProbabilitySe.toFixed(4)}, ` +
    `E[payout] ${money(f.expectedPayoutQuote)} ± ${money(f.expectedPayoutSeQuote)}, E[coupon years] ${f.expectedCouponYears.toFixed(5)}, ` +
    `fair coupon ${pct(f.fairCouponPerYear)}/yr (95% ${pct(f.fairCouponCi95[0])} .. ${pct(f.fairCouponCi95[1])})`
  );
}

function formatPricing(p: BondPricing): string {
  return [`contagion bond on ${p.index}, notional ${money(p.notionalQuote)}: ${p.method}`, ...p.levels.map(formatFair)].join('\n') + '\n';
}

function formatTable(t: BondTable): string {
  const head = ['level', 'trigger bar', 'payout', 'bad debt', 'avoided', 'paradox index', 'fair coupon/yr (95%)', 'coupon cost at fair', 'avoided per coupon'];
  const rows = t.rows.map((r) => [
    String(r.level),
    String(r.triggerBar),
    money(r.payoutQuote),
    money(r.badDebt),
    money(r.badDebtAvoided),
    r.paradoxIndex.toFixed(3),
    r.fair ? `${pct(r.fair.fairCouponPerYear)} (${pct(r.fair.fairCouponCi95[0])}..${pct(r.fair.fairCouponCi95[1])})` : '-',
    r.couponCostAtFairQuote !== undefined ? money(r.couponCostAtFairQuote) : '-',
    r.badDebtAvoidedPerCoupon !== undefined ? r.badDebtAvoidedPerCoupon.toFixed(2) : '-',
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j])).join('  ');
  return (
    `contagion bond on ${t.index}, notional ${money(t.notionalQuote)} into ${t.payoutTo}; without it: bad debt ${money(t.badDebtWithout)}, paradox index ${t.paradoxIndexWithout.toFixed(3)}\n` +
    [line(head), ...rows.map(line)].join('\n') +
    '\n'
  );
}

export function registerBondCommands(program: Command): void {
  const bond = program.command('bond').description('contagion bond: fair coupon by simulation, and what a unit of coupon buys');
  const common = (cmd: Command) =>
    cmd
      .argument('[scenario]', 'scenario file (.json/.yaml), `default`, or a crash name; it must set protocol.defences.contagionBond', 'default')
      .option('--seed <n>', 'master seed (overrides the scenario)')
      .option('--set <path=value>', 'override a scenario field by dotted path (repeatable)', collect, [])
      .option('--levels <a,b,...>', 'trigger levels (default: the scenario\'s own)')
      .option('--json', 'print JSON instead of the table')
      .option('--quiet', 'no progress on stderr');
  common(
    bond
      .command('price')
      .description('Monte Carlo fair coupon over the scenario generator\'s paths: P(trigger), E[payout], fair coupon with its 95% interval')
      .option('--paths <n>', 'paths to simulate', '100')
      .option('--path-seed <s>', 'generator seed of path 0 (path k uses s + k)', '1'),
  ).action((target: string, opts: BondOptions) => {
    const { scenario, baseDir } = loadScenario(target, opts);
    const levels = parseLevels(opts.levels);
    const paths = wholeNumber(opts.paths ?? '100', '--paths', 2);
    const seed = wholeNumber(opts.pathSeed ?? '1', '--path-seed', 0);
    const progress = opts.quiet ? undefined : (done: number, total: number) => process.stderr.write(`path ${done}/${total}\r`);
    const priced = priceBond(scenario, baseDir, { paths, seed, ...(levels ? { levels } : {}), ...(progress ? { onPath: progress } : {}) });
    if (!opts.quiet) process.stderr.write('\n');
    process.stdout.write(opts.json ? `${JSON.stringify(priced, null, 2)}\n` : formatPricing(priced));
  });
  common(
    bond
      .command('table')
      .description('bad debt avoided and the paradox index with and without the bond, per trigger level, on the scenario\'s path; with --paths, the fair coupon of each level and the bad debt avoided per unit of it')
      .option('--data <file>', 'replay these real bars instead of the scenario data')
      .option('--paths <n>', 'also price each level over this many generated paths')
      .option('--path-seed <s>', 'generator seed of path 0 for --paths (path k uses s + k)', '1'),
  ).action((target: string, opts: BondOptions) => {
    const { scenario, baseDir } = loadScenario(target, opts);
    const own = scenario.protocol.defences.contagionBond;
    const levels = parseLevels(opts.levels) ?? (own ? [own.trigger.level] : []);
    const progress = opts.quiet ? undefined : (what: string) => (done: number, total: number) => process.stderr.write(`${what} ${done}/${total}\r`);
    const priced =
      opts.paths !== undefined
        ? priceBond(scenario, baseDir, {
            paths: wholeNumber(opts.paths, '--paths', 2),
            seed: wholeNumber(opts.pathSeed ?? '1', '--path-seed', 0),
            levels,
            ...(progress ? { onPath: progress('path') } : {}),
          })
        : undefined;
    const prepared = prepareRunData(scenario, baseDir);
    const table = bondLevelTable(scenario, prepared.data, baseDir, levels, priced?.levels, progress?.('run'));
    if (!opts.quiet) process.stderr.write('\n');
    const label = prepared.identity.synthetic ? ' [SYNTHETIC path]' : '';
    if (opts.json) process.stdout.write(`${JSON.stringify({ scenario: scenario.name, synthetic: prepared.identity.synthetic, ...(priced ? { method: priced.method } : {}), ...table }, null, 2)}\n`);
    else {
      const standing = pathStanding(scenario, baseDir);
      process.stdout.write(`scenario ${scenario.name}${label}, seed ${scenario.seed}\n${standing ? `${formatPathStanding(standing)}\n` : ''}${formatTable(table)}${priced ? `fair coupons: ${priced.method}\n` : ''}`);
    }
  });
}

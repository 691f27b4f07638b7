import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { withStrategyOption } from '../../src/cli/strategyOption.js';
import { checkOverridesHeld, composeOverrides } from '../../src/config/compose.js';
import { setDotted, validateScenario } from '../../src/config/load.js';
import { resolveTarget } from '../../src/config/resolveTarget.js';
import { crashNames } from '../../src/data/catalog.js';
import { crashScenario } from '../../src/runner/crashScenario.js';
import { loadPortfolioScenario } from '../../src/portfolio/compare.js';
import { parseVaryAxes, varyGrid } from '../../src/sweep/vary.js';
import { buildContext, makeTrial } from '../../src/sweep/plan.js';
import { loadSweepFile, sweepParameters } from '../../src/sweep/sweepSchema.js';

/**
 * The `run`, `compare` and `margin compare` commands the README and docs/ show must build
 * valid scenarios: each is parsed by the real command line (commander, the
 * same options), then its scenario (every variant of a compare) is composed
 * and validated as the command would before it runs anything. The README's
 * compare over `market.depth.fractionOfHourlyQuoteVolume` failed for every
 * variant until --set learned to start a missing block from its default.
 * Nothing is simulated: the runs themselves are other tests' business.
 */

const ROOT = resolve(import.meta.dirname, '../..');

interface Example {
  readonly where: string;
  readonly args: string[];
}

/** Shell words of one command line: quotes, $NAME from the block's own assignments, # comments. */
function shellWords(line: string, vars: ReadonlyMap<string, string>): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  const expand = (s: string, i: number): [string, number] => {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(s.slice(i));
    if (m === null) return ['$', i + 1];
    const v = vars.get(m[1]);
    if (v === undefined) throw new Error(`unknown shell variable $${m[1]}`);
    return [v, i + m[0].length];
  };
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (line[i] !== '"') {
        if (line[i] === '$') {
          const [v, next] = expand(line, i);
          word += v;
          i = next;
        } else word += line[i++];
      }
      inWord = true;
      i++;
    } else if (c === '$') {
      const [v, next] = expand(line, i);
      word += v;
      inWord = true;
      i = next;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) break;
    else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The `cascade` command lines of the fenced blocks of a markdown file (continuations joined, env assignments dropped). */
function examplesOf(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Example[] = [];
  const blocks = text.split('```');
  let lineNo = 1;
  blocks.forEach((block, k) => {
    const startLine = lineNo;
    lineNo += block.split('\n').length - 1;
    if (k % 2 === 0) return;
    const vars = new Map<string, string>();
    const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
    lines.forEach((raw, n) => {
      const line = raw.replace(/^\$ /, '').trim();
      const assign = /^([A-Z_]+)='([^']*)'$/.exec(line);
      if (assign !== null) {
        vars.set(assign[1], assign[2]);
        return;
      }
      const m = /^(?:[A-Z_]+=\S+\s+)*(?:npm run cascade --|npx cascade|cascade)\s+(.*)$/.exec(line);
      if (m === null) return;
      out.push({ where: `${file}:${startLine + n}`, args: shellWords(m[1], vars) });
    });
  });
  return out;
}

const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const EXAMPLES = FILES.flatMap(examplesOf);

interface CommonOptions {
  set: string[];
  seed?: string;
  data?: string;
  iv?: string;
  strategy?: string;
}

/** The scenario a run or compare composes before it runs, validated; a scenario file the user brings (absent here) is skipped. */
function composed(target: string, opts: CommonOptions): { raw: Record<string, unknown>; file?: string } | 'user file' {
  const isFile = /\.(json|ya?ml)$/i.test(target);
  if (isFile && !existsSync(resolve(ROOT, target))) return 'user file';
  const resolved = resolveTarget(isFile ? resolve(ROOT, target) : target, { names: crashNames(), build: crashScenario });
  const raw = composeOverrides(withStrategyOption(resolved.raw, opts.strategy), {
    set: opts.set,
    ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
    ...(opts.iv !== undefined ? { iv: resolve(opts.iv) } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  return { raw, ...(resolved.file !== undefined ? { file: resolved.file } : {}) };
}

/** The commands whose scenarios are checked: run, compare and margin compare. */
function isChecked(e: Example): boolean {
  return e.args[0] === 'run' || e.args[0] === 'compare' || (e.args[0] === 'margin' && e.args[1] === 'compare');
}

/** Parses one example with the real program; run, compare and margin compare validate their scenarios, other commands are only counted. */
async function check(example: Example): Promise<'validated' | 'user file' | 'other command'> {
  const program = buildProgram();
  let outcome: 'validated' | 'user file' | 'other command' = 'other command';
  const run = program.commands.find((c) => c.name() === 'run')!;
  const compare = program.commands.find((c) => c.name() === 'compare')!;
  run.action((target: string, opts: CommonOptions) => {
    const c = composed(target, opts);
    if (c === 'user file') return void (outcome = c);
    checkOverridesHeld(validateScenario(c.raw, c.file), opts.set);
    outcome = 'validated';
  });
  compare.action((target: string, opts: CommonOptions & { vary: string[] }) => {
    const c = composed(target, opts);
    if (c === 'user file') return void (outcome = c);
    const axes = parseVaryAxes(opts.vary);
    for (const v of varyGrid(axes)) {
      const raw = structuredClone(c.raw);
      axes.forEach((axis, k) => setDotted(raw, axis.segments, structuredClone(v.values[k]), axis.path));
      validateScenario(raw, c.file);
    }
    outcome = 'validated';
  });
  const margin = program.commands.find((c) => c.name() === 'margin')!.commands.find((c) => c.name() === 'compare')!;
  margin.action((file: string, opts: { set: string[]; seed?: string }) => {
    loadPortfolioScenario(resolve(ROOT, file), { set: opts.set, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    outcome = 'validated';
  });
  if (!isChecked(example)) return 'other command';
  await program.parseAsync(example.args, { from: 'user' });
  return outcome;
}

describe('the run, compare and margin compare commands the docs show build valid scenarios', () => {
  it('finds the examples (a test that checks nothing would pass)', () => {
    const shown = EXAMPLES.filter(isChecked);
    expect(shown.length).toBeGreaterThanOrEqual(8);
    expect(shown.filter((e) => e.args[0] === 'margin').length).toBeGreaterThanOrEqual(3);
  });

  for (const example of EXAMPLES.filter(isChecked)) {
    it(`${example.where}: cascade ${example.args.join(' ')}`.slice(0, 200), async () => {
      const r = await check(example);
      expect(['validated', 'user file']).toContain(r);
    });
  }

  it("the README's compare over the depth fraction is among them, and validates", async () => {
    const ex = EXAMPLES.find((e) => e.args.includes('market.depth.fractionOfHourlyQuoteVolume=0.1,0.3'));
    expect(ex, 'the README example is still there').toBeDefined();
    expect(await check(ex!)).toBe('validated');
  });
});

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const skipNote = DATA_DIR ? '' : ' (skipped: CASCADE_DATA_DIR is not set; the example reads the real crash files)';

describe.skipIf(!DATA_DIR)(`the example sweeps plan valid trials${skipNote}`, () => {
  const sweeps = readdirSync(join(ROOT, 'examples')).filter((f) => /\.sweep\.ya?ml$/.test(f));

  it('there are example sweeps', () => {
    expect(sweeps.length).toBeGreaterThan(0);
  });

  for (const file of sweeps) {
    it(`examples/${file}: every listed point on every window is a valid scenario whose files are read`, () => {
      const ctx = buildContext(loadSweepFile(join(ROOT, 'examples', file)));
      const params = sweepParameters(ctx.loaded.sweep);
      // Listed values only (a range is the search method's to sample): their whole grid.
      const lists = params.map((p) => ('values' in p && p.values !== undefined ? p.values : [undefined]));
      let points: unknown[][] = [[]];
      for (const values of lists) points = points.flatMap((pt) => values.map((v) => [...pt, v]));
      let trials = 0;
      for (const values of points) {
        ctx.windows.forEach((_, w) => {
          const paths = params.map((p) => p.path).filter((_, k) => values[k] !== undefined);
          const t = makeTrial(ctx, trials++, paths, values.filter((v) => v !== undefined), w);
          // A trial that failed validation carries no file checksums (plan.ts): name it.
          expect(t.files, t.label).toBeDefined();
        });
      }
      expect(trials).toBe(points.length * ctx.windows.length);
    });
  }
});

/** The ```ts blocks of a markdown file, in order. */
function tsBlocks(file: string): string[] {
  const parts = readFileSync(join(ROOT, file), 'utf8').split(/^```/m);
  return parts.filter((_, k) => k % 2 === 1 && parts[k].startsWith('ts\n')).map((b) => b.slice(3));
}

describe('the TypeScript the docs show runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doc-ts-'));

  it("docs/strategies.md's first strategy runs in a crash (its import pointed at this checkout's API)", () => {
    const block = tsBlocks('docs/strategies.md').find((b) => b.includes('export default defineStrategy'));
    expect(block, 'the example strategy is still there').toBeDefined();
    const file = join(dir, 'dip-buyer.ts');
    writeFileSync(file, block!.replace("'../src/strategy/api.js'", JSON.stringify(join(ROOT, 'src/strategy/api.ts'))));
    const window = 'data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-14T00:00:00Z"}';
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/cascade.mjs'), 'run', 'default', '--strategy', file, '--no-band', '--quiet', '--set', window, '--out', join(dir, 'out')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { strategy: { id: string } };
    expect(summary.strategy.id).toBe('dip-buyer');
  }, 60_000);

  it("the README's save/restore example runs (its imports pointed at this checkout)", () => {
    const block = tsBlocks('README.md').find((b) => b.includes('sim.restore()'));
    expect(block, 'the example is still there').toBeDefined();
    const file = join(dir, 'rollback.ts');
    writeFileSync(file, `${block!.replaceAll("'./src/", `'${ROOT}/src/`)}\nconsole.log(JSON.stringify({ bars: recorder.get('simulated_close').length, fills: trades.length, amplification: figures.amplification }));\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { bars: number; amplification: number };
    expect(out.bars).toBeGreaterThan(100);
    expect(Number.isFinite(out.amplification)).toBe(true);
  }, 60_000);
});

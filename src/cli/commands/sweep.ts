import type { Command } from 'commander';
import { clip, ConfigError } from '../../core/errors.js';
import { parseQueueUrl } from '../../sweep/queue/connection.js';
import { figureAt } from '../../sweep/results.js';
import { mergeShards, parseShard, runSweep, type SweepOutcome } from '../../sweep/sweep.js';
import { loadSweepFile } from '../../sweep/sweepSchema.js';
import type { Analysis, Plan } from '../../sweep/analysis.js';
import { rankText, tieText } from '../../report/sweepAnalysis.js';
import { SweepProgress } from '../sweepProgress.js';
import { tallyReasons } from '../reasonTally.js';

interface SweepOptions {
  workers?: string;
  queue?: string;
  retryFailed?: boolean;
  shard?: string;
  out?: string;
  quiet?: boolean;
}

function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new ConfigError(`--workers expects a whole number from 1 to 1024, got '${text}'`);
  return n;
}

function short(v: number | null): string {
  if (v === null) return '-';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e9) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

/** `cascade sweep <file>` and `cascade sweep merge <dirs…>`. */
export function registerSweepCommand(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('run a parameter sweep file (grid, random, lhs or tpe) on every core, resumable; `sweep merge` joins shards')
    .argument('<file>', 'sweep file (.yaml/.json)')
    .option('--workers <n>', 'worker threads (default: every core)')
    .option('--shard <i/N>', 'run only the trials whose index mod N is i (join the folders with `cascade sweep merge`)')
    .option('--queue <url>', 'run the trials on a Redis queue (redis://host:port) served by `cascade worker` processes on any machines')
    .option('--retry-failed', 'with --queue: put this sweep\'s failed trials back in the queue')
    .option('--out <dir>', 'output folder (default: <output.dir>/sweep-<name>-<hash>); rerun with the same folder to resume')
    .option('--quiet', 'print only the output folder')
    // `sweep merge … --out DIR`: the merge's own --out, not the sweep's (the program enables this too).
    .enablePositionalOptions()
    .action(async (file: string, opts: SweepOptions) => {
      const workers = parseWorkers(opts.workers);
      if (opts.queue !== undefined && workers !== undefined) throw new ConfigError('--workers sets the local pool; with --queue the trials run on `cascade worker` processes (their --concurrency)', { field: '--workers' });
      if (opts.retryFailed === true && opts.queue === undefined) throw new ConfigError('--retry-failed needs --queue: a local sweep reruns nothing it has a record of', { field: '--retry-failed' });
      const queue = opts.queue !== undefined ? { url: parseQueueUrl(opts.queue), retryFailed: opts.retryFailed === true } : undefined;
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
      const loaded = loadSweepFile(file);
      const progress = new SweepProgress(!opts.quiet);
      let best: number | null = null;
      const { figure, goal } = loaded.sweep.objective;
      const outcome = await runSweep(loaded, {
        ...(opts.out !== undefined ? { out: opts.out } : {}),
        ...(workers !== undefined ? { workers } : {}),
        ...(shard !== undefined ? { shard } : {}),
        ...(queue !== undefined ? { queue } : {}),
        onRecord: (rec, done, total) => {
          const v = figureAt(rec.figures, figure);
          if (v !== null && Number.isFinite(v) && (best === null || (goal === 'min' ? v < best : v > best))) best = v;
          progress.update(done, total, `${figure} ${short(best)}`);
        },
      });
      progress.stop();
      if (opts.quiet) {
        process.stdout.write(`${outcome.dir}\n`);
        return;
      }
      process.stdout.write(describe(outcome));
      process.stdout.write(failureReasons(outcome, queue !== undefined));
    });
  cmd
    .command('merge')
    .description('join shard folders of one sweep (first result of each key wins) and write its tables')
    .argument('<dirs...>', 'shard folders')
    .requiredOption('--out <dir>', 'merged output folder')
    .action((dirs: string[], opts: { out: string }) => {
      const { plan, analysis, records } = mergeShards(dirs, opts.out);
      process.stdout.write(summaryText(plan, analysis, records.size) + `report: ${opts.out}\n`);
    });
}

/** Reasons shown at most, most frequent first. */
const MAX_REASONS = 5;

/**
 * A failure message with its numbers (sizes, bars, times) taken out: trials
 * that failed the same way at other sizes or bars share it.
 */
export function reasonShape(message: string): string {
  return message.replace(/\d[\d.:TZ+-]*(?:e[+-]?\d+)?/gi, '#');
}

/**
 * Why trials did not finish ok, each distinct reason once with its count and
 * first trial: a misconfigured base fails every trial the same way, and a
 * thousand equal lines would hide it. Reasons that differ only in their
 * numbers count as one, shown by the first trial's message. On a queue,
 * also how to rerun them.
 */
export function failureReasons(o: Pick<SweepOutcome, 'plan' | 'records'>, onQueue: boolean): string {
  const failures = o.plan.trials.flatMap((t) => {
    const r = o.records.get(t.key);
    if (r === undefined || r.status === 'ok') return [];
    return [{ key: `${r.status}: ${reasonShape(r.message ?? '')}`, text: `${r.status}: ${clip(r.message ?? '', 300)}`, at: t.index, label: t.label }];
  });
  const failed = failures.length;
  if (failed === 0) return '';
  const top = tallyReasons(failures);
  const lines = top.slice(0, MAX_REASONS).map((r) => `  ${r.count} × ${r.text} (first: trial ${r.first}, ${r.label}${r.varied ? '; the others read the same with other numbers' : ''})`);
  if (top.length > MAX_REASONS) lines.push(`  and ${top.length - MAX_REASONS} more reasons`);
  const rerun = onQueue ? '; `--retry-failed` puts the errors back in the queue' : '';
  return `${failed} trial${failed > 1 ? 's' : ''} failed (sweep.csv's message column has each one's reason${rerun}):\n${lines.join('\n')}\n`;
}

function describe(o: SweepOutcome): string {
  if (o.analysis === null) {
    const ran = o.plan.trials.filter((t) => o.records.has(t.key)).length;
    return `shard done: ${ran} of ${o.plan.trials.length} trials in ${o.dir}; join the shards with \`cascade sweep merge <dirs…> --out <dir>\`\n`;
  }
  return summaryText(o.plan, o.analysis, o.records.size) + `report: ${o.dir}\n`;
}

/**
 * Points, windows and trials: a product when every point ran on every
 * window; otherwise (TPE's studies, one per fold, each run on its own
 * fold's windows) a product would not add up, so the line says why.
 */
export function trialCountText(points: number, windows: number, trials: number): string {
  if (points * windows === trials) return `${points} points × ${windows} windows = ${trials} trials`;
  return `${points} points over ${windows} windows, each point on its own fold's windows: ${trials} trials`;
}

/** The folds in-sample and out-of-sample side by side, and the overfitting figures. */
export function summaryText(plan: Plan, a: Analysis, _records: number): string {
  const c = a.counts;
  const lines = [
    `sweep ${plan.name}: ${plan.method}, ${trialCountText(plan.points.length, plan.windows.length, c.trials)} (${c.ok} ok, ${c.invalid} invalid, ${c.error} error${c.missing > 0 ? `, ${c.missing} missing` : ''})`,
    `objective: ${plan.objective.goal} ${plan.objective.figure}${plan.constraints.length > 0 ? `, subject to ${plan.constraints.map((k) => `${k.figure}${k.min !== undefined ? ` ≥ ${k.min}` : ''}${k.max !== undefined ? ` ≤ ${k.max}` : ''}`).join(', ')}` : ''}`,
  ];
  for (const f of a.folds) {
    const vals = f.values === null ? 'no feasible point' : Object.entries(f.values).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    const oos = f.test === null ? '' : `; out-of-sample (${f.test}) ${short(f.outOfSample)}${f.outOfSampleFeasible === false ? ' (infeasible)' : ''}${rankText(f, '/') !== '' ? `, rank ${rankText(f, '/')}` : ''}`;
    lines.push(`  ${f.name}: ${vals}; in-sample ${short(f.inSample)}${oos}`);
    const tie = tieText(f, short);
    if (tie !== '') lines.push(`    ${tie}`);
  }
  const o = a.overfitting;
  lines.push(
    `overfitting: deflated Sharpe ${o.deflatedSharpe ? `${o.deflatedSharpe.probability.toFixed(3)} (Sharpe ${o.deflatedSharpe.sharpe.toFixed(3)} vs ${o.deflatedSharpe.expectedMaxSharpe.toFixed(3)} expected of the best of ${o.deflatedSharpe.trials})` : '-'}, ` +
      `PBO ${o.pbo ? `${o.pbo.pbo.toFixed(3)} (${o.pbo.combinations} combinations of ${o.pbo.partitions} windows)` : '-'}`,
    ...o.notes.map((n) => `  note: ${n}`),
  );
  return `${lines.join('\n')}\n`;
}

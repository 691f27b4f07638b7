/**
 * Sweep throughput: trials per second on the local pool with 1 and 2
 * workers, on a fixed small sweep (test/fixtures/sweep/small.yaml's base
 * and windows, 6 fund sizes × 2 penalties × 2 windows = 24 trials of about
 * half a second). The pool is booted and every worker warmed (tsx compiles
 * the engine, the data cache fills) before the clock starts, so the figure
 * is the steady state a long sweep sees. On a shared machine the ratio is
 * only as good as the quiet: run it alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalPool } from '../src/sweep/localRunner.js';
import { buildContext, makeTrial } from '../src/sweep/plan.js';
import { loadSweepFile } from '../src/sweep/sweepSchema.js';
import type { TrialSpec } from '../src/sweep/trial.js';

const FUNDS = [0, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000];
const PENALTIES = [2, 8];

export async function benchSweep(log: (line: string) => void): Promise<void> {
  const ctx = buildContext(loadSweepFile(resolve('test/fixtures/sweep/small.yaml')));
  const paths = ['protocol.insuranceFundQuote', 'protocol.liquidation.penaltyPct'];
  const trials: TrialSpec[] = [];
  for (const f of FUNDS) for (const p of PENALTIES) for (let w = 0; w < ctx.windows.length; w++) trials.push(makeTrial(ctx, trials.length, paths, [f, p], w));
  const rates: number[] = [];
  for (const workers of [1, 2]) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
    const pool = new LocalPool(workers);
    try {
      // Warm-up: one trial per worker, into a scratch file (so the timed set still runs whole).
      await pool.run(trials.slice(0, workers), { resultsFile: join(dir, 'warm.jsonl') });
      const t0 = performance.now();
      await pool.run(trials, { resultsFile: join(dir, 'results.jsonl') });
      const secs = (performance.now() - t0) / 1000;
      rates.push(trials.length / secs);
      log(`sweep ${trials.length} trials, ${workers} worker${workers > 1 ? 's' : ''}: ${secs.toFixed(2)} s, ${(trials.length / secs).toFixed(2)} trials/s`);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  log(`sweep speed-up with 2 workers: ${(rates[1] / rates[0]).toFixed(2)}x (target 1.8x; cores on this machine are shared, so measure it alone)`);
}

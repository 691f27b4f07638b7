/**
 * Long histories (`npm run bench -- long`): the default scenario's model on
 * 1 and 3 years of SYNTHETIC 1-minute GBM bars (525,960 a year), run as the
 * CLI runs it, in a child process, writing gzip CSVs. Prints wall time and
 * peak memory after load, simulation and write (from the run's timing.json),
 * and the write phase's peak against the simulation's. `LONG_YEARS=1,3,10`
 * picks the lengths.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BARS_PER_YEAR = 525_960;

export async function benchLongHistory(log: (line: string) => void): Promise<void> {
  const years = (process.env.LONG_YEARS ?? '1,3').split(',').map(Number);
  for (const y of years) {
    const bars = Math.round(y * BARS_PER_YEAR);
    const out = join(mkdtempSync(join(tmpdir(), 'long-')), 'run');
    const args = [
      '--import', 'tsx', 'src/cli/main.ts', 'run', 'default', '--no-band', '--gzip', '--quiet', '--out', out,
      '--set', `data.bars={"source":"gbm","bars":${bars},"barMinutes":1,"volPerYear":0.8,"startPrice":8000,"baseVolumePerHour":1800}`,
    ];
    const r = spawnSync(process.execPath, ['--max-old-space-size=16384', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      log(`long history ${y} y (${bars.toLocaleString('en-US')} bars): failed with exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0]}`);
      continue;
    }
    const t = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8')) as { wallTimeMs: number; phasesMs: Record<string, number>; peakRssMbAfter: Record<string, number> };
    const p = t.phasesMs;
    const m = t.peakRssMbAfter;
    log(
      `long history ${y} y (${bars.toLocaleString('en-US')} 1-minute bars, default model, gzip CSVs): wall ${(t.wallTimeMs / 1000).toFixed(1)} s ` +
        `(load ${(p.load / 1000).toFixed(1)}, simulate ${(p.simulate / 1000).toFixed(1)}, write ${(p.write / 1000).toFixed(1)}); ` +
        `peak RSS after load ${m.load} MiB, simulate ${m.simulate} MiB, write ${m.write} MiB (write/simulate x${(m.write / m.simulate).toFixed(2)}; target <= 1.5)`,
    );
    rmSync(out, { recursive: true, force: true });
  }
}
